"""migrate's table and JSON, from an inline migration."""

from __future__ import annotations

import json

from auditor.checkpoints.results import ConfigDifference
from auditor.migrate.migrate_text import render_json, render_table
from auditor.migrate.migration import Migration, Side
from auditor.migrate.origin import Origin
from auditor.migrate.plan import MigrationPlan, Step, SymbolRows, TensorPlan, Treatment
from auditor.migrate.symbols import SymbolTable, row_map
from auditor.migrate.verify import Verification
from auditor.runtime.results import Rename
from tests.conftest import validate

ROWS = row_map(
    SymbolTable("text/symbols.py", "symbols", ("_", "a")),
    SymbolTable("text/symbols2.py", "symbols", ("_", "a", "b")),
)
PLAN = MigrationPlan(
    tensors=(
        TensorPlan("dec.w", Step.COPY, Treatment.EXACT, "dec.w", (8,), (8,), "same"),
        TensorPlan(
            "ref_encoder.w", Step.RENAME, Treatment.EXACT, "ref_enc.w", (4,), (4,), "renamed"
        ),
        TensorPlan(
            "emb.weight",
            Step.SYMBOL_ROWS,
            Treatment.EXACT,
            "emb.weight",
            (2, 4),
            (3, 4),
            "2 rows copied by symbol",
        ),
        TensorPlan("sv.w", Step.INITIALISE, Treatment.APPROXIMATE, None, None, (2,), "added"),
    ),
    symbol_rows=(SymbolRows("emb.weight", ROWS),),
    renames=(Rename("ref_enc", "ref_encoder", 1),),
    config_updates=(ConfigDifference("model.version", "v1", "v2"),),
    warnings=("a warning",),
)
MIGRATION = Migration(
    checkpoint="s2G.pth",
    repository="repo",
    profile="gpt-sovits",
    origin=Origin("v1.0", "given", "--from"),
    old=Side("v1.0", "a" * 40, "sovits", "SynthesizerTrn"),
    new=Side("v2.0", "b" * 40, "sovits", "SynthesizerTrn"),
    plan=PLAN,
    output="s2G.migrated.pth",
    verification=Verification(True, 1e-4, max_abs_error=0.0, max_rel_error=0.0),
)


def test_the_table_says_each_step_and_the_verification() -> None:
    assert render_table(MIGRATION) == (
        "migrate     s2G.pth\n"
        "from        v1.0 (aaaaaaa): sovits (SynthesizerTrn); revision from --from\n"
        "to          v2.0 (bbbbbbb): sovits (SynthesizerTrn)\n"
        "plan        approximate: 3 exact, 1 approximate, 1 copied as they are\n"
        "  rename       ref_enc.* -> ref_encoder.* (1 tensors)\n"
        "  symbol-rows  emb.weight [exact]: 2 rows copied by symbol\n"
        "  initialise   sv.w [approximate]: added\n"
        'config      model.version: "v1" -> "v2"\n'
        "written     s2G.migrated.pth\n"
        "verified    loads at v2.0; outputs match the original's at v1.0: max relative error 0 "
        "(tolerance 0.0001)\n"
        "warning: a warning\n"
    )


def test_a_refusal_and_a_dry_run_write_nothing() -> None:
    from dataclasses import replace

    refused = replace(
        MIGRATION, refused="1 impossible without retraining (x)", output=None, verification=None
    )
    assert (
        "written     nothing: 1 impossible without retraining (x) (--allow-partial"
        in render_table(refused)
    )
    dry = replace(MIGRATION, dry_run=True, verification=None)
    assert "written     nothing (--dry-run)\n" in render_table(dry)
    assert json.loads(render_json(dry))["written"] is None


def test_the_json_follows_its_schema() -> None:
    document = json.loads(render_json(MIGRATION))
    validate(document, "migrate")
    assert document["counts"] == {"exact": 3, "approximate": 1, "impossible": 0}
    assert document["symbol_rows"] == [
        {
            "key": "emb.weight",
            "old_table": "text/symbols.py:symbols",
            "new_table": "text/symbols2.py:symbols",
            "old_rows": 2,
            "new_rows": 3,
            "copied": 2,
            "moved": 0,
            "added": 1,
            "dropped": 0,
            "duplicates": [],
        }
    ]
    assert document["verification"]["matches"] is True

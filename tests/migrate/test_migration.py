"""migrate on mini_sovits: a rename and a symbol table's growth migrate exactly (the written
file computes at the new revision what the original did at the old), a widened encoder is
refused with its reason, and the written file keeps its container."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.results import KeyMapping
from auditor.errors import AuditError
from auditor.migrate.build import Worker
from auditor.migrate.migrate_text import render_json
from auditor.migrate.migration import Migration, Request, migrate
from auditor.migrate.plan import Step, Treatment
from auditor.migrate.verify import Sides, verify_migration
from auditor.migrate.weights import read_weights
from auditor.migrate.write import write_checkpoint
from tests.checkpoint_files import shapes_checkpoint
from tests.conftest import validate
from tests.migrate.conftest import PROFILE

pytestmark = pytest.mark.torch


def not_copied(migration: Migration) -> list[tuple[str, Step, Treatment]]:
    return [(t.key, t.step, t.treatment) for t in migration.plan.tensors if t.step is not Step.COPY]


def test_a_grown_symbol_table_migrates_exactly(grown: Migration) -> None:
    # the tag 00 names v1: the variant built with model.version v1 at both revisions
    assert (grown.old.model, grown.new.model) == ("sovits@v1", "sovits@v1")
    assert not_copied(grown) == [("enc_p.text_embedding.weight", Step.SYMBOL_ROWS, Treatment.EXACT)]
    [rows] = grown.plan.symbol_rows
    assert (len(rows.rows.old.symbols), len(rows.rows.new.symbols)) == (300, 714)
    assert (rows.rows.copied, rows.rows.added, rows.rows.dropped) == (300, 414, ())
    assert rows.rows.moved > 0  # sorted tables: the new symbols shift old ones
    assert grown.written and grown.verification is not None
    assert grown.verification.loads and grown.verification.missing == ()
    assert grown.verification.max_rel_error is not None
    assert grown.verification.max_rel_error <= grown.verification.tolerance
    written = read_checkpoint(Path(str(grown.output)))
    assert written.version_tag == "00"
    assert written.tensors["enc_p.text_embedding.weight"].shape == (714, 192)
    assert written.tensors["enc_p.text_embedding.weight"].dtype == "float16"
    assert not any(key.startswith("enc_q.") for key in written.tensors)


def test_a_renamed_subtree_migrates_exactly(renamed: Migration) -> None:
    assert [(r.old, r.new, r.tensors) for r in renamed.plan.renames] == [
        ("ref_enc", "ref_encoder", 12)
    ]
    assert {step for _, step, _ in not_copied(renamed)} == {Step.RENAME}
    assert renamed.plan.treatment is Treatment.EXACT
    assert renamed.verification is not None and renamed.verification.matches is True
    keys = read_checkpoint(Path(str(renamed.output))).tensors
    assert "ref_encoder.spectral.0.weight" in keys and "ref_enc.spectral.0.weight" not in keys


def test_a_widened_encoder_is_refused_with_its_reason(widened: Migration) -> None:
    assert widened.plan.treatment is Treatment.IMPOSSIBLE
    assert widened.refused == (
        f"{len(widened.plan.impossible)} impossible without retraining (enc_p.ssl_proj.weight, "
        "enc_p.ssl_proj.bias, enc_p.encoder_ssl.attn_layers.0.in_proj_weight and "
        f"{len(widened.plan.impossible) - 3} more); the config changed: "
        "model.hidden_channels 192 → 256"
    )
    first = widened.plan.impossible[0]
    assert first.reason == "[192, 768, 1] → [256, 768, 1]: a learned dimension changed; retrain"
    assert [(c.key, c.checkpoint, c.model) for c in widened.plan.config_updates] == [
        ("model.hidden_channels", 192, 256)
    ]
    assert not widened.written and widened.verification is None
    assert not (Path(widened.checkpoint).parent / "s2G.migrated.pth").exists()


def test_every_json_follows_the_schema(
    grown: Migration, renamed: Migration, widened: Migration
) -> None:
    for migration in (grown, renamed, widened):
        document = json.loads(render_json(migration))
        validate(document, "migrate")
    assert json.loads(render_json(widened))["written"] is None


def test_a_checkpoint_no_model_holds_is_an_error(mini_sovits: Path, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    stranger = shapes_checkpoint(torch, tmp_path / "other.pth", {"body.w": (3, 3)})
    request = Request(
        stranger, mini_sovits, "v2.0", PROFILE, tmp_path / "o.pth", source="v1.0", dry_run=True
    )
    with pytest.raises(
        AuditError, match=r"other.pth: at v1.0: no model of profile gpt-sovits holds"
    ):
        migrate(request)


def test_rows_copied_by_index_instead_of_symbol_fail_verification(
    grown: Migration, tmp_path: Path
) -> None:
    torch = pytest.importorskip("torch")
    stored = read_weights(Path(str(grown.output)))
    original = read_weights(Path(grown.checkpoint))
    key = "enc_p.text_embedding.weight"
    by_index = stored.weights[key].clone()
    by_index[:300] = original.weights[key]
    tampered = tmp_path / "by_index.pth"
    write_checkpoint(stored, {**stored.weights, key: by_index}, [], tampered)
    sides = Sides(
        grown.repository,
        PROFILE,
        (grown.old.sha, grown.old.model),
        (grown.new.sha, grown.new.model),
    )
    found = verify_migration(
        sides,
        Path(grown.checkpoint),
        tampered,
        KeyMapping(),
        grown.plan.symbol_rows,
        Worker(),
        grown.plan.not_shipped,
    )
    assert found.loads and found.matches is False
    assert found.max_rel_error is not None and found.max_rel_error > found.tolerance
    assert found.missing == ()
    assert torch.equal(read_weights(tampered).weights[key][:300], original.weights[key])

"""plan_migration over inline comparisons: each tensor copied, renamed, its rows copied by
symbol, initialised, dropped or impossible, and the plan's worst treatment."""

from __future__ import annotations

from auditor.checkpoints.results import Comparison, ConfigDifference, KeyMapping
from auditor.migrate.plan import NewRows, Step, Treatment, plan_migration
from auditor.migrate.symbols import SymbolTable
from auditor.runtime.results import Rename, ShapeMismatch

OLD_SYMBOLS = SymbolTable("text/symbols.py", "symbols", ("_", "a", "b"))
GROWN = SymbolTable("text/symbols.py", "symbols", ("_", "a", "ja", "b"))
SHRUNK = SymbolTable("text/symbols.py", "symbols", ("_", "b", "ja", "ko"))


def comparison(**fields: object) -> Comparison:
    base: dict[str, object] = {
        "model": "sovits",
        "class_name": "SynthesizerTrn",
        "config": "configs/s2.json",
        "mapping": KeyMapping(),
        "mismatches": (),
        "missing_keys": (),
        "unexpected_keys": (),
        "renames": (),
        "config_differences": (),
    }
    return Comparison(**{**base, **fields})  # type: ignore[arg-type]


def steps(plan: object) -> list[tuple[str, Step, Treatment, str | None]]:
    return [(t.key, t.step, t.treatment, t.source) for t in plan.tensors]  # type: ignore[attr-defined]


def test_a_renamed_subtree_is_exact_and_the_rest_copied() -> None:
    new = {"ref_encoder.fc.weight": (128, 704), "ref_encoder.fc.bias": (128,), "dec.b": (8,)}
    plan = plan_migration(
        comparison(
            missing_keys=("ref_encoder.fc.bias", "ref_encoder.fc.weight"),
            unexpected_keys=("ref_enc.fc.bias", "ref_enc.fc.weight"),
            renames=(Rename("ref_enc", "ref_encoder", 2),),
        ),
        new,
    )
    assert steps(plan) == [
        ("ref_encoder.fc.weight", Step.RENAME, Treatment.EXACT, "ref_enc.fc.weight"),
        ("ref_encoder.fc.bias", Step.RENAME, Treatment.EXACT, "ref_enc.fc.bias"),
        ("dec.b", Step.COPY, Treatment.EXACT, "dec.b"),
    ]
    assert plan.treatment is Treatment.EXACT and plan.count(Treatment.EXACT) == 3


def test_a_grown_symbol_table_copies_rows_by_symbol() -> None:
    mismatch = ShapeMismatch("enc_p.text_embedding.weight", (3, 192), (4, 192))
    new = {"enc_p.text_embedding.weight": (4, 192)}
    plan = plan_migration(comparison(mismatches=(mismatch,)), new, [OLD_SYMBOLS], [GROWN])
    [tensor] = plan.tensors
    assert (tensor.step, tensor.treatment) == (Step.SYMBOL_ROWS, Treatment.EXACT)
    assert tensor.reason == (
        "3 rows copied by symbol of text/symbols.py:symbols; 1 of them to another index; "
        "1 new symbols from the initialisation"
    )
    [rows] = plan.symbol_rows
    assert rows.rows.rows == (0, 1, None, 2)
    mean = plan_migration(
        comparison(mismatches=(mismatch,)), new, [OLD_SYMBOLS], [GROWN], NewRows.MEAN
    )
    assert "1 new symbols from the mean of the old rows" in mean.tensors[0].reason


def test_symbols_the_new_table_drops_make_the_rows_approximate() -> None:
    mismatch = ShapeMismatch("emb.weight", (3, 4), (4, 4))
    plan = plan_migration(
        comparison(mismatches=(mismatch,)), {"emb.weight": (4, 4)}, [OLD_SYMBOLS], [SHRUNK]
    )
    assert plan.tensors[0].treatment is Treatment.APPROXIMATE
    assert "1 old symbols the new table lacks are dropped" in plan.tensors[0].reason


def test_a_changed_dimension_is_impossible_and_named() -> None:
    hidden = ShapeMismatch("enc_p.proj.weight", (384, 192, 1), (512, 256, 1))
    rows = ShapeMismatch("emb.weight", (3, 4), (5, 4))
    plan = plan_migration(
        comparison(
            mismatches=(hidden, rows),
            config_differences=(ConfigDifference("model.hidden_channels", 192, 256),),
        ),
        {"enc_p.proj.weight": (512, 256, 1), "emb.weight": (5, 4)},
        [OLD_SYMBOLS],
        [GROWN],
    )
    assert plan.treatment is Treatment.IMPOSSIBLE
    assert [t.key for t in plan.impossible] == ["enc_p.proj.weight", "emb.weight"]
    assert (
        plan.tensors[0].reason
        == "[384, 192, 1] → [512, 256, 1]: a learned dimension changed; retrain"
    )
    assert plan.tensors[1].reason == (
        "[3, 4] → [5, 4]: its rows follow no symbol table (no symbol table has 3 symbols at "
        "the old revision and 5 at the new one); retrain"
    )
    assert plan.config_updates == (ConfigDifference("model.hidden_channels", 192, 256),)


def test_added_keys_start_from_initialisation_removed_ones_are_dropped() -> None:
    plan = plan_migration(
        comparison(
            missing_keys=("sv_emb.weight", "enc_q.pre.weight"),
            unexpected_keys=("old_head.weight",),
            not_shipped=("enc_q.pre.weight",),
        ),
        {"sv_emb.weight": (512, 20480), "enc_q.pre.weight": (192, 1025, 1), "dec.b": (8,)},
    )
    assert steps(plan) == [
        ("sv_emb.weight", Step.INITIALISE, Treatment.APPROXIMATE, None),
        ("dec.b", Step.COPY, Treatment.EXACT, "dec.b"),
        ("old_head.weight", Step.DROP, Treatment.APPROXIMATE, "old_head.weight"),
    ]
    assert plan.treatment is Treatment.APPROXIMATE
    assert plan.not_shipped == ("enc_q.pre.weight",)


def test_duplicated_symbols_are_warned_about() -> None:
    doubled = SymbolTable("text/symbols.py", "symbols", ("_", "a", "b", "b"))
    mismatch = ShapeMismatch("emb.weight", (3, 4), (4, 4))
    plan = plan_migration(
        comparison(mismatches=(mismatch,)), {"emb.weight": (4, 4)}, [OLD_SYMBOLS], [doubled]
    )
    assert plan.symbol_rows[0].rows.rows == (0, 1, 2, None)
    assert plan.warnings == (
        "emb.weight: the new table text/symbols.py:symbols holds 1 symbols more than once (b): "
        "rows follow occurrence order, and a lookup by symbol finds the last",
    )

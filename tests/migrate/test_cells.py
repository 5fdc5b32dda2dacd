"""Whether weights that fail to load at runtime can be migrated: the planner on its maps."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.migrate.cells import migratable, plan_summary, result_plan
from auditor.migrate.plan import Step, Treatment
from auditor.migrate.symbols import SymbolTable
from auditor.runtime.results import ModelResult, Outcome, ShapeMismatch

OLD_SYMBOLS = SymbolTable("text/symbols.py", "symbols", ("_", "a", "b"))
NEW_SYMBOLS = SymbolTable("text/symbols.py", "symbols", ("_", "a", "ja", "b"))
OLD_MAP = (("emb.weight", (3, 4)), ("proj.weight", (4, 4)), ("old.bias", (4,)))
NEW_MAP = (("emb.weight", (4, 4)), ("proj.weight", (4, 4)), ("sv.weight", (4, 8)))


def _failed(*mismatches: ShapeMismatch) -> ModelResult:
    return ModelResult(
        "sovits",
        Outcome.FAILS_TO_LOAD,
        missing_keys=("sv.weight",),
        unexpected_keys=("old.bias",),
        mismatches=mismatches,
        old_map=OLD_MAP,
        new_map=NEW_MAP,
    )


def _tables(sha: str) -> Sequence[SymbolTable]:
    return {"old": (OLD_SYMBOLS,), "new": (NEW_SYMBOLS,)}[sha]


def test_an_embedding_that_follows_its_symbol_table_is_migratable() -> None:
    result = _failed(ShapeMismatch("emb.weight", (3, 4), (4, 4)))
    plan = migratable(result, "old", "new", _tables)
    assert plan is not None and not plan.impossible
    steps = {t.key: (t.step, t.treatment) for t in plan.tensors}
    assert steps == {
        "emb.weight": (Step.SYMBOL_ROWS, Treatment.EXACT),
        "proj.weight": (Step.COPY, Treatment.EXACT),
        "sv.weight": (Step.INITIALISE, Treatment.APPROXIMATE),
        "old.bias": (Step.DROP, Treatment.APPROXIMATE),
    }
    assert plan_summary(plan) == (
        "emb.weight: 3 rows copied by symbol of text/symbols.py:symbols; 1 of them to "
        "another index; 1 new symbols from the initialisation; 1 tensor initialised; "
        "1 tensor dropped"
    )


def test_a_learned_dimension_that_changed_is_not_migratable() -> None:
    wider = _failed(ShapeMismatch("proj.weight", (4, 4), (8, 8)))
    assert migratable(wider, "old", "new", _tables) is None
    # rows of no symbol table: no plan either
    rows = _failed(ShapeMismatch("emb.weight", (3, 4), (4, 4)))
    assert migratable(rows, "old", "new", lambda sha: ()) is None


def test_no_plan_without_maps_or_mismatches() -> None:
    assert result_plan(ModelResult("sovits", Outcome.FAILS_TO_LOAD)) is None
    loads = ModelResult("sovits", Outcome.LOADS, old_map=OLD_MAP, new_map=OLD_MAP)
    assert migratable(loads, "old", "new", _tables) is None
    plan = result_plan(loads)
    assert plan is not None and plan_summary(plan) == "every tensor copied"

"""Whether weights a runtime confirmation saw fail to load can be migrated instead.

Runtime confirmation (:func:`auditor.runtime.confirm.confirm`) builds a model at two
revisions and keeps both state-dict maps (``old_map``, ``new_map``). Those maps are what
``model-audit migrate`` checks a checkpoint against, so the same planner
(:func:`auditor.migrate.plan.plan_migration`) says what a migration of the old weights would
do: a load that fails only on tensors the plan converts (rows copied by symbol) is
``migratable``; one learned dimension that changed, and only retraining helps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.checkpoints.results import Comparison, KeyMapping
from auditor.migrate.plan import MigrationPlan, Step, plan_migration
from auditor.migrate.symbols import SymbolTable
from auditor.runtime.results import ModelResult

#: The symbol tables of the repository at a commit: ``(sha) -> tables``.
Tables = Callable[[str], Sequence[SymbolTable]]


def result_plan(
    result: ModelResult,
    old_tables: Sequence[SymbolTable] = (),
    new_tables: Sequence[SymbolTable] = (),
) -> MigrationPlan | None:
    """The plan for the old weights of RESULT moved into its new model (None: the runtime
    kept no maps, the model was not built at both revisions)."""
    if not result.new_map or not result.old_map:
        return None
    comparison = Comparison(
        model=result.name,
        class_name="",
        config=result.new_config,
        mapping=KeyMapping(),
        mismatches=result.mismatches,
        missing_keys=result.missing_keys,
        unexpected_keys=result.unexpected_keys,
        renames=result.renames,
        config_differences=(),
    )
    return plan_migration(comparison, dict(result.new_map), old_tables, new_tables)


def migratable(
    result: ModelResult, old_sha: str, new_sha: str, tables: Tables
) -> MigrationPlan | None:
    """The plan of a RESULT that fails to load on shapes when every tensor of another shape
    has a conversion planned; None when it has none (or loads). TABLES gives the symbol
    tables at OLD_SHA and NEW_SHA, read only when a two-dimensional tensor changed."""
    if not result.mismatches:
        return None
    two_d = any(len(m.old) == 2 and len(m.new) == 2 for m in result.mismatches)
    old_tables, new_tables = (tables(old_sha), tables(new_sha)) if two_d else ((), ())
    plan = result_plan(result, old_tables, new_tables)
    if plan is None or plan.impossible:
        return None
    return plan


def plan_summary(plan: MigrationPlan) -> str:
    """What PLAN does, briefly: ``enc_p.text_embedding.weight: 300 rows copied by symbol,
    414 new symbols from the initialisation; 2 tensors initialised``."""
    parts = [f"{t.key}: {t.reason}" for t in plan.tensors if t.step is Step.SYMBOL_ROWS]
    counted = (
        (Step.RENAME, "renamed"),
        (Step.INITIALISE, "initialised"),
        (Step.DROP, "dropped"),
    )
    for step, word in counted:
        count = sum(t.step is step for t in plan.tensors)
        if count:
            parts.append(f"{count} tensor{'' if count == 1 else 's'} {word}")
    return "; ".join(parts) or "every tensor copied"

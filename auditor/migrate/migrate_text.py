"""``migrate`` output: the plan and its result for people, or as JSON
(``schemas/migrate.schema.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from auditor.migrate.migration import Migration, Side
from auditor.migrate.plan import MigrationPlan, Step, TensorPlan, Treatment
from auditor.migrate.verify import Verification
from auditor.schemas import schema_id

SCHEMA_VERSION = 1
#: How many tensors of one kind the table lists before it counts the rest.
SHOWN = 12


def migration_document(migration: Migration) -> dict[str, Any]:
    """MIGRATION as the JSON document the schema describes."""
    plan = migration.plan
    return {
        "$schema": schema_id("migrate"),
        "schema_version": SCHEMA_VERSION,
        "checkpoint": migration.checkpoint,
        "repository": migration.repository,
        "profile": migration.profile,
        "origin": {
            "revision": migration.origin.revision,
            "basis": migration.origin.basis,
            "detail": migration.origin.detail,
        },
        "old": _side(migration.old),
        "new": _side(migration.new),
        "treatment": plan.treatment.value,
        "counts": {t.value: plan.count(t) for t in Treatment},
        "mapping": {"strip": plan.mapping.strip, "add": plan.mapping.add},
        "tensors": [_tensor(t) for t in plan.tensors],
        "symbol_rows": [
            {
                "key": found.key,
                "old_table": found.rows.old.where,
                "new_table": found.rows.new.where,
                "old_rows": len(found.rows.old.symbols),
                "new_rows": len(found.rows.new.symbols),
                "copied": found.rows.copied,
                "moved": found.rows.moved,
                "added": found.rows.added,
                "dropped": len(found.rows.dropped),
                "duplicates": list(found.duplicates),
            }
            for found in plan.symbol_rows
        ],
        "renames": [{"old": r.old, "new": r.new, "tensors": r.tensors} for r in plan.renames],
        "config_updates": [
            {"key": c.key, "checkpoint": c.checkpoint, "model": c.model}
            for c in plan.config_updates
        ],
        "not_shipped": list(plan.not_shipped),
        "new_rows": plan.new_rows.value,
        "dry_run": migration.dry_run,
        "written": migration.output if migration.written else None,
        "refused": migration.refused,
        "verification": _verification(migration.verification),
        "warnings": list(plan.warnings),
    }


def render_json(migration: Migration) -> str:
    """The JSON document, indented."""
    return json.dumps(migration_document(migration), indent=2, ensure_ascii=False) + "\n"


def _side(side: Side) -> dict[str, Any]:
    return {
        "revision": side.revision,
        "sha": side.sha,
        "model": side.model,
        "class": side.class_name,
    }


def _tensor(tensor: TensorPlan) -> dict[str, Any]:
    return {
        "key": tensor.key,
        "step": tensor.step.value,
        "treatment": tensor.treatment.value,
        "source": tensor.source,
        "old_shape": None if tensor.old_shape is None else list(tensor.old_shape),
        "new_shape": None if tensor.new_shape is None else list(tensor.new_shape),
        "reason": tensor.reason,
    }


def _verification(found: Verification | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "loads": found.loads,
        "missing": list(found.missing),
        "unexpected": list(found.unexpected),
        "max_abs_error": found.max_abs_error,
        "max_rel_error": found.max_rel_error,
        "tolerance": found.tolerance,
        "matches": found.matches,
        "note": found.note,
        "error": found.error,
    }


def render_table(migration: Migration) -> str:
    """The plan, tensor kind by kind, then what was written and how it verified."""
    plan = migration.plan
    old, new = migration.old, migration.new
    lines = [
        f"migrate     {migration.checkpoint}",
        f"from        {_where(old)}; revision from {migration.origin.detail}",
        f"to          {_where(new)}",
        f"plan        {plan.treatment.value}: " + ", ".join(_counts(plan)),
    ]
    lines += [f"  {line}" for line in _steps(plan)]
    lines += [
        f"config      {c.key}: {json.dumps(c.checkpoint)} -> {json.dumps(c.model)}"
        for c in plan.config_updates
    ]
    lines.append(_outcome(migration))
    if migration.verification is not None:
        lines.append(f"verified    {_verified(migration.verification, migration)}")
    lines += [f"warning: {w}" for w in plan.warnings]
    return "\n".join(lines) + "\n"


def _where(side: Side) -> str:
    return f"{side.revision} ({side.sha[:7]}): {side.model} ({side.class_name})"


def _counts(plan: MigrationPlan) -> list[str]:
    steps = {step: sum(t.step is step for t in plan.tensors) for step in Step}
    said = [f"{n} {t.value}" for t in Treatment if (n := plan.count(t))] or ["no tensors"]
    said.append(f"{steps[Step.COPY]} copied as they are")
    return said


def _steps(plan: MigrationPlan) -> list[str]:
    lines = [f"rename       {r.old}.* -> {r.new}.* ({r.tensors} tensors)" for r in plan.renames]
    for step in (Step.SYMBOL_ROWS, Step.INITIALISE, Step.DROP, Step.RETRAIN):
        chosen = [t for t in plan.tensors if t.step is step]
        lines += [_line(t) for t in chosen[:SHOWN]]
        if len(chosen) > SHOWN:
            lines.append(f"{step.value:<12} … and {len(chosen) - SHOWN} more")
    return lines


def _line(tensor: TensorPlan) -> str:
    return f"{tensor.step.value:<12} {tensor.key} [{tensor.treatment.value}]: {tensor.reason}"


def _outcome(migration: Migration) -> str:
    if migration.dry_run:
        return "written     nothing (--dry-run)"
    if migration.refused is not None:
        return f"written     nothing: {migration.refused} (--allow-partial writes it anyway)"
    return f"written     {migration.output}"


def _verified(found: Verification, migration: Migration) -> str:
    at = migration.new.revision
    if not found.loads:
        return f"does not load at {at}: {found.error}"
    said = [f"loads at {at}"]
    said += _keys("missing", found.missing) + _keys("unexpected", found.unexpected)
    if found.max_rel_error is not None:
        verdict = "match" if found.matches else "DIFFER from"
        said.append(
            f"outputs {verdict} the original's at {migration.old.revision}: max relative "
            f"error {found.max_rel_error:g} (tolerance {found.tolerance:g})"
        )
    if found.note or found.error:
        said.append(str(found.note or found.error))
    return "; ".join(said)


def _keys(what: str, keys: Sequence[str]) -> list[str]:
    return [f"{len(keys)} keys {what} (strict=False)"] if keys else []

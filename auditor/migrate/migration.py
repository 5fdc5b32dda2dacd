"""``migrate``: plan, write and verify a checkpoint's move to another revision.

The order: read the checkpoint safely; build the profile's state-dict maps at its revision
(:mod:`.origin`) and at the target (``meta`` device); choose its model at the old revision
(:mod:`auditor.checkpoints.choice`) and compare it with the same model (or the one asked
for) at the target; resolve the symbol tables when an embedding's row count changed; plan
(:mod:`.plan`). Unless it is a dry run, or a tensor is impossible and a partial migration
was not allowed, build the new model for its initial state, write (:mod:`.write`) and
verify (:mod:`.verify`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from auditor.checkpoints.check import check
from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.results import CheckResult
from auditor.errors import AuditError
from auditor.history import open_repository, resolve_revision
from auditor.migrate.build import Worker, initial_state
from auditor.migrate.origin import Origin, checkpoint_origin
from auditor.migrate.plan import MigrationPlan, NewRows, plan_migration
from auditor.migrate.symbols import SymbolTable, symbol_tables
from auditor.migrate.verify import Sides, Verification, verify_migration
from auditor.migrate.weights import read_weights
from auditor.migrate.write import file_key, migrated_weights, model_weights, write_checkpoint
from auditor.runtime.maps import StateMaps, state_maps
from auditor.runtime.profile import Profile


@dataclass(frozen=True)
class Side:
    """The checkpoint's model at one revision."""

    revision: str
    sha: str
    model: str
    class_name: str


@dataclass(frozen=True)
class Migration:
    """A migration's plan and, unless refused or a dry run, the file written and its check.

    ``refused`` says why nothing was written (impossible tensors without
    ``allow_partial``)."""

    checkpoint: str
    repository: str
    profile: str
    origin: Origin
    old: Side
    new: Side
    plan: MigrationPlan
    output: str | None = None
    dry_run: bool = False
    refused: str | None = None
    verification: Verification | None = None

    @property
    def written(self) -> bool:
        return self.output is not None and self.refused is None and not self.dry_run


@dataclass(frozen=True)
class Request:
    """What to migrate where, and how."""

    checkpoint: Path
    repository: str | os.PathLike[str]
    target: str
    profile: Profile
    output: Path
    source: str | None = None
    model: str | None = None
    new_rows: NewRows = NewRows.INIT
    dry_run: bool = False
    allow_partial: bool = False
    worker: Worker = field(default_factory=Worker)


def migrate(request: Request, say: Callable[[str], None] = lambda message: None) -> Migration:
    """Plan REQUEST's migration and, unless it is a dry run or refused, write and verify it."""
    _resolve(request.repository, [request.target, request.source])
    checkpoint = read_checkpoint(request.checkpoint)
    origin = checkpoint_origin(
        request.checkpoint, request.repository, request.profile, request.source
    )
    say(f"building the models at {origin.revision} and at {request.target}")
    old_maps = _maps(request, origin.revision)
    new_maps = _maps(request, request.target)
    old_check = _chosen(checkpoint, old_maps, None, request)
    assert old_check.choice is not None
    model = request.model or old_check.choice.model
    new_check = _chosen(checkpoint, new_maps, model, request)
    assert new_check.comparison is not None
    comparison = new_check.comparison
    new_map = next(m for m in new_maps.models if m.name == model)
    old_map = next(m for m in old_maps.models if m.name == old_check.choice.model)
    tables: tuple[tuple[SymbolTable, ...], tuple[SymbolTable, ...]] = ((), ())
    if any(len(m.old) == 2 and len(m.new) == 2 for m in comparison.mismatches):
        say("resolving the symbol tables at both revisions")
        tables = (
            symbol_tables(request.repository, old_maps.sha),
            symbol_tables(request.repository, new_maps.sha),
        )
    plan = plan_migration(comparison, new_map.shapes, *tables, new_rows=request.new_rows)
    warnings = old_check.warnings + new_check.warnings + plan.warnings
    if old_check.comparison is not None and old_check.comparison.mismatches:
        count = len(old_check.comparison.mismatches)
        warnings += (f"{count} of its shapes differ from its model at {origin.revision} too",)
    plan = _with_warnings(plan, warnings)
    migration = Migration(
        checkpoint=str(request.checkpoint),
        repository=os.fspath(request.repository),
        profile=request.profile.name,
        origin=origin,
        old=Side(origin.revision, old_maps.sha, old_map.name, old_map.class_name),
        new=Side(request.target, new_maps.sha, model, new_map.class_name),
        plan=plan,
        output=str(request.output),
        dry_run=request.dry_run,
    )
    if request.dry_run:
        return migration
    if plan.impossible and not request.allow_partial:
        return _refused(migration, refusal(plan))
    say(f"building {model} at {request.target} for its initial state")
    init = initial_state(request.repository, new_maps.sha, request.profile, model, request.worker)
    stored = read_weights(request.checkpoint)
    weights = migrated_weights(plan, model_weights(stored, plan.mapping), init)
    named = {file_key(key, plan.mapping): value for key, value in weights.items()}
    write_checkpoint(stored, named, plan.config_updates, request.output)
    say("verifying the written file at both revisions")
    sides = Sides(
        request.repository,
        request.profile,
        (old_maps.sha, migration.old.model),
        (new_maps.sha, model),
    )
    verification = verify_migration(
        sides,
        request.checkpoint,
        request.output,
        plan.mapping,
        plan.symbol_rows,
        request.worker,
        plan.not_shipped,
    )
    return replace(migration, verification=verification)


def refusal(plan: MigrationPlan, shown: int = 3) -> str:
    """Why PLAN is not written: its impossible tensors (the first SHOWN named) and the
    config values that changed them."""
    names = [t.key for t in plan.impossible]
    listed = ", ".join(names[:shown]) + (
        f" and {len(names) - shown} more" if len(names) > shown else ""
    )
    said = f"{len(names)} impossible without retraining ({listed})"
    changed = [f"{c.key} {c.checkpoint} → {c.model}" for c in plan.config_updates]
    return said + (f"; the config changed: {', '.join(changed)}" if changed else "")


def _resolve(repository: str | os.PathLike[str], revisions: list[str | None]) -> None:
    """Fail early, naming it, on a revision the repository does not have."""
    repo = open_repository(repository)
    try:
        for revision in revisions:
            if revision is not None:
                resolve_revision(repo, revision)
    finally:
        repo.close()


def _maps(request: Request, revision: str) -> StateMaps:
    return state_maps(
        request.repository,
        revision,
        request.profile,
        timeout=request.worker.timeout,
        python=request.worker.python,
        stub_imports=request.worker.stub_imports,
    )


def _chosen(
    checkpoint: Checkpoint, maps: StateMaps, model: str | None, request: Request
) -> CheckResult:
    """The checkpoint checked against MODEL (default: its own) of MAPS; an error if none."""
    if model is not None and all(m.name != model for m in maps.models):
        known = ", ".join(m.name for m in maps.models)
        raise AuditError(f"profile {maps.profile} has no model {model} (it has {known})")
    result = check(checkpoint, maps, model)
    if result.choice is None or result.comparison is None:
        reason = result.reason or "no model fits it"
        raise AuditError(f"{request.checkpoint}: at {maps.revision}: {reason}")
    return result


def _with_warnings(plan: MigrationPlan, warnings: tuple[str, ...]) -> MigrationPlan:
    return replace(plan, warnings=tuple(dict.fromkeys(warnings)))


def _refused(migration: Migration, why: str) -> Migration:
    return replace(migration, refused=why, output=None)


__all__ = ["Migration", "Request", "Side", "migrate"]

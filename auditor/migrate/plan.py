"""A migration plan: what becomes of each tensor of a checkpoint moved to another revision.

The plan is read off the comparison of the checkpoint with its model at the target revision
(:func:`auditor.checkpoints.check.compare`: shape mismatches, missing and unexpected keys,
likely renames, config values) and, for an embedding whose rows follow a symbol table, the
table's contents at both revisions (:mod:`.symbols`). Each tensor of the new model is

- ``exact``: copied (same key and shape), renamed (its subtree moved) or its rows copied by
  symbol identity; the new model computes what the old one did on the old inputs;
- ``approximate``: left to the new model's initialisation (a key the checkpoint lacks), or
  rows whose symbol the new table dropped; a tensor the new model lacks is dropped and
  marked so too, since the new model computes without it;
- ``impossible``: a learned dimension changed: nothing can fill it but training.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from auditor.checkpoints.results import Comparison, ConfigDifference, KeyMapping
from auditor.migrate.symbols import RowMap, SymbolTable, duplicated, matching_tables
from auditor.runtime.results import Rename, ShapeMismatch

Shape = tuple[int, ...]


class Treatment(str, Enum):
    """How faithfully a tensor reaches the new model."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    IMPOSSIBLE = "impossible"


class Step(str, Enum):
    """What is done to a tensor."""

    COPY = "copy"
    RENAME = "rename"
    SYMBOL_ROWS = "symbol-rows"
    INITIALISE = "initialise"
    DROP = "drop"
    RETRAIN = "retrain"


class NewRows(str, Enum):
    """What fills the rows of symbols the old table lacks."""

    INIT = "init"
    MEAN = "mean"


@dataclass(frozen=True)
class TensorPlan:
    """One tensor: its key in the new model (a dropped one: in the old), where it comes from
    (``source``, the old model's key), its shapes on both sides and why it is so treated."""

    key: str
    step: Step
    treatment: Treatment
    source: str | None
    old_shape: Shape | None
    new_shape: Shape | None
    reason: str


@dataclass(frozen=True)
class SymbolRows:
    """The rows of one embedding copied by symbol identity (``key``: its new key)."""

    key: str
    rows: RowMap

    @property
    def duplicates(self) -> tuple[str, ...]:
        """Symbols the new table holds more than once (k-th occurrence to k-th)."""
        return duplicated(self.rows.new)


@dataclass(frozen=True)
class MigrationPlan:
    """The plan for one checkpoint: its model at both revisions and every tensor's fate.

    ``mapping`` names the checkpoint's keys as the model does (and back, when written);
    ``config_updates`` are stored config values the new model is built with otherwise
    (``checkpoint``: the stored value, ``model``: the new revision's); ``not_shipped`` keys
    of the new model the project's files never hold (GPT-SoVITS's ``enc_q``).
    """

    tensors: tuple[TensorPlan, ...]
    symbol_rows: tuple[SymbolRows, ...] = ()
    renames: tuple[Rename, ...] = ()
    config_updates: tuple[ConfigDifference, ...] = ()
    not_shipped: tuple[str, ...] = ()
    mapping: KeyMapping = field(default_factory=KeyMapping)
    new_rows: NewRows = NewRows.INIT
    warnings: tuple[str, ...] = ()

    @property
    def treatment(self) -> Treatment:
        """The worst treatment of any tensor (``exact`` for an empty plan)."""
        found = {t.treatment for t in self.tensors}
        for worst in (Treatment.IMPOSSIBLE, Treatment.APPROXIMATE):
            if worst in found:
                return worst
        return Treatment.EXACT

    def count(self, treatment: Treatment) -> int:
        """How many tensors are so treated."""
        return sum(t.treatment is treatment for t in self.tensors)

    @property
    def impossible(self) -> tuple[TensorPlan, ...]:
        """The tensors only training can fill."""
        return tuple(t for t in self.tensors if t.treatment is Treatment.IMPOSSIBLE)


def plan_migration(
    comparison: Comparison,
    new_shapes: Mapping[str, Shape],
    old_tables: Sequence[SymbolTable] = (),
    new_tables: Sequence[SymbolTable] = (),
    new_rows: NewRows = NewRows.INIT,
) -> MigrationPlan:
    """The plan of a checkpoint compared (COMPARISON) with a model of map NEW_SHAPES.

    OLD_TABLES and NEW_TABLES are the symbol tables of the two revisions: an embedding whose
    row count follows one of them has its rows copied by symbol."""
    moved = dict(_renamed(comparison.renames, comparison.unexpected_keys))
    mismatched = {m.key: m for m in comparison.mismatches}
    missing = set(comparison.missing_keys)
    not_shipped = set(comparison.not_shipped)
    sources = {target: source for source, target in moved.items()}
    tensors: list[TensorPlan] = []
    rows: list[SymbolRows] = []
    for key, shape in new_shapes.items():
        if key in not_shipped:
            continue
        if key in sources:
            source = sources[key]
            reason = f"renamed from {source}"
            tensors.append(
                TensorPlan(key, Step.RENAME, Treatment.EXACT, source, shape, shape, reason)
            )
        elif key in mismatched:
            tensor, symbol_rows = _mismatch(mismatched[key], old_tables, new_tables, new_rows)
            tensors.append(tensor)
            rows += [symbol_rows] if symbol_rows else []
        elif key in missing:
            reason = "not in the checkpoint: the new model's initialisation"
            tensors.append(
                TensorPlan(key, Step.INITIALISE, Treatment.APPROXIMATE, None, None, shape, reason)
            )
        else:
            tensors.append(TensorPlan(key, Step.COPY, Treatment.EXACT, key, shape, shape, "same"))
    for key in comparison.unexpected_keys:
        if key not in moved:
            reason = "the new model has no such tensor: dropped"
            tensors.append(
                TensorPlan(key, Step.DROP, Treatment.APPROXIMATE, key, None, None, reason)
            )
    return MigrationPlan(
        tensors=tuple(tensors),
        symbol_rows=tuple(rows),
        renames=comparison.renames,
        config_updates=comparison.config_differences,
        not_shipped=comparison.not_shipped,
        mapping=comparison.mapping,
        new_rows=new_rows,
        warnings=tuple(_warnings(rows)),
    )


def _renamed(renames: Sequence[Rename], unexpected: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(old key, new key) of every tensor under a renamed prefix."""
    for rename in renames:
        for key in unexpected:
            if key.startswith(rename.old + "."):
                yield key, rename.new + key[len(rename.old) :]


def _mismatch(
    mismatch: ShapeMismatch,
    old_tables: Sequence[SymbolTable],
    new_tables: Sequence[SymbolTable],
    new_rows: NewRows,
) -> tuple[TensorPlan, SymbolRows | None]:
    key, old, new = mismatch.key, mismatch.old, mismatch.new
    shapes = f"{list(old)} → {list(new)}"
    if len(old) == 2 and len(new) == 2 and old[1] == new[1]:
        found = matching_tables(old_tables, new_tables, old[0], new[0])
        if isinstance(found, RowMap):
            return _rows_plan(key, old, new, found, new_rows), SymbolRows(key, found)
        why = f"{shapes}: its rows follow no symbol table ({found}); retrain"
    else:
        why = f"{shapes}: a learned dimension changed; retrain"
    return TensorPlan(key, Step.RETRAIN, Treatment.IMPOSSIBLE, key, old, new, why), None


def _rows_plan(key: str, old: Shape, new: Shape, rows: RowMap, new_rows: NewRows) -> TensorPlan:
    tables = (
        rows.old.where
        if rows.old.where == rows.new.where
        else f"{rows.old.where} → {rows.new.where}"
    )
    parts = [f"{rows.copied} rows copied by symbol of {tables}"]
    if rows.moved:
        parts.append(f"{rows.moved} of them to another index")
    if rows.added:
        fill = "the mean of the old rows" if new_rows is NewRows.MEAN else "the initialisation"
        parts.append(f"{rows.added} new symbols from {fill}")
    treatment = Treatment.EXACT
    if rows.dropped:
        parts.append(f"{len(rows.dropped)} old symbols the new table lacks are dropped")
        treatment = Treatment.APPROXIMATE
    return TensorPlan(key, Step.SYMBOL_ROWS, treatment, key, old, new, "; ".join(parts))


def _warnings(rows: Sequence[SymbolRows]) -> Iterator[str]:
    for found in rows:
        if found.duplicates:
            shown = ", ".join(found.duplicates[:8]) + (" …" if len(found.duplicates) > 8 else "")
            yield (
                f"{found.key}: the new table {found.rows.new.where} holds "
                f"{len(found.duplicates)} symbols more than once ({shown}): rows follow "
                "occurrence order, and a lookup by symbol finds the last"
            )

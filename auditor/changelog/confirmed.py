"""Matrix cells confirmed at runtime: build the models at each pair of releases and load.

For each pair of releases a row needs (the row's release, a later column that ships its
checkpoints), runtime confirmation (:func:`auditor.runtime.confirm.confirm`) builds the
profile's models at both tips and loads the older one's weights into the newer. Each row's
checkpoints are a model of the profile: the model map's ``runtime`` model, or its variant
of the row's generation (``sovits@v2Pro``). What the runtime saw replaces the static cell,
marked as confirmed, with its evidence (the first tensor whose shape differs, the keys
missing or unexpected, the output error); the static cell's deciding change stays where the
runtime agrees with it. A cell that fails on shapes alone is ``migratable`` where the
migration planner (:mod:`auditor.migrate.cells`) converts every tensor of another shape,
with what the plan does. A cell the runtime could not decide (a model not built, a module
not installed, a pair that could not run) keeps its static status; a worker that cannot
run at all (no torch) stops the confirmation, and the notes say so.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from auditor.changelog.contents import Section
from auditor.changelog.matrix import Cell, Matrix, Row, build_matrix
from auditor.errors import AuditError
from auditor.migrate.cells import migratable, plan_summary
from auditor.migrate.symbols import SymbolTable, symbol_tables
from auditor.runtime.process import WorkerError, WorkerStopped
from auditor.runtime.profile import Profile
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport

#: Runs one confirmation: ``(old tip, new tip) -> report``.
Confirm = Callable[[str, str], RuntimeReport]
#: What a migration of a failing cell's weights would do (None: no plan converts them).
Migrate = Callable[[RuntimeReport, ModelResult], "str | None"]
#: Keys named in a cell's evidence before the rest are counted.
KEYS_SHOWN = 2
#: The cells that compare two releases' checkpoints (the others have nothing to confirm).
COMPARED = ("loads", "strict-false", "fails", "output-differs")


@dataclass(frozen=True)
class ConfirmedMatrix:
    """The matrix with its confirmed cells, and notes on what could not be confirmed."""

    matrix: Matrix
    notes: tuple[str, ...] = ()
    #: The profile the models were built by (None: confirmation did not run).
    profile: str | None = None


def runtime_name(row: Row, runtime: Mapping[str, str]) -> str | None:
    """The profile model that builds ROW's checkpoints (None: the model map names none)."""
    base = runtime.get(row.model)
    if base is None:
        return None
    return f"{base}@{row.generation}" if row.generation else base


def confirm_matrix(
    matrix: Matrix,
    sections: Sequence[Section],
    runtime: Mapping[str, str],
    profile: Profile,
    run: Confirm,
    migrate: Migrate | None = None,
) -> ConfirmedMatrix:
    """MATRIX (of SECTIONS) with the cells RUN can decide confirmed; RUNTIME maps the model
    map's models to the profile's; MIGRATE says what a migration of a failing cell's
    weights does (None: cells that fail stay ``fails``)."""
    tips = {section.release.title: section.release.tip for section in sections}
    reports: dict[tuple[str, str], RuntimeReport | None] = {}
    notes: list[str] = []
    rows: list[Row] = []
    stopped = False
    for row in matrix.rows:
        name = runtime_name(row, runtime)
        cells = list(row.cells)
        for index, cell in enumerate(row.cells):
            if name is None or stopped or cell.status not in COMPARED:
                continue
            pair = (row.release, matrix.releases[index])
            if pair not in reports:
                try:
                    reports[pair] = run(tips[pair[0]], tips[pair[1]])
                except WorkerStopped as error:
                    reports[pair] = None
                    notes.append(f"{pair[0]} → {pair[1]}: {error}")
                except WorkerError as error:  # no torch, no such Python: no pair can run
                    notes.append(f"runtime confirmation stopped: {error}")
                    stopped = True
                    continue
                except AuditError as error:
                    reports[pair] = None
                    notes.append(f"{pair[0]} → {pair[1]}: {error}")
            report = reports[pair]
            result = _result(report, name) if report is not None else None
            if result is not None:
                migration = migrate(report, result) if migrate and report else None
                cells[index] = confirmed_cell(cell, result, migration)
                if not cells[index].confirmed:  # never silent: say why it stays static
                    why = f"{result.outcome.value}: {result.error}" if result.error else ""
                    note = (
                        f"{pair[0]} → {pair[1]}: {name} not decided ({why or result.outcome.value})"
                    )
                    notes += [] if note in notes else [note]
        rows.append(replace(row, cells=tuple(cells)))
    for (old, new), report in reports.items():
        notes += [f"{old} → {new}: {warning}" for warning in report.warnings] if report else []
    return ConfirmedMatrix(replace(matrix, rows=tuple(rows)), tuple(notes), profile.name)


def _result(report: RuntimeReport, name: str) -> ModelResult | None:
    return next((m for m in report.models if m.name == name), None)


def confirmed_cell(static: Cell, result: ModelResult, migration: str | None = None) -> Cell:
    """The cell RESULT decides, keeping STATIC's deciding change where the two agree; STATIC
    itself when the runtime could not decide. A cell that fails on shapes with a MIGRATION
    (what its plan does) is ``migratable``."""
    status = _status(result)
    if status is None:
        return static
    entry = static.entry if static.status == status else None
    if status == "fails" and migration is not None and result.mismatches:
        return Cell("migratable", entry, True, evidence(result), migration)
    return Cell(status, entry, confirmed=True, evidence=evidence(result))


def _status(result: ModelResult) -> str | None:
    outcome = result.outcome
    if outcome is Outcome.LOADS:
        return "loads"
    if outcome is Outcome.LOADS_WITH_MISSING_KEYS:
        return "strict-false"
    if outcome is Outcome.LOADS_OUTPUT_DIFFERS:
        return "output-differs"
    if outcome is Outcome.FAILS_TO_LOAD:
        return "fails"
    if outcome in (Outcome.BUILD_FAILED, Outcome.INFERENCE_FAILED) and result.side == "new":
        return "fails"  # the old weights' model cannot be built or run any more
    return None


def evidence(result: ModelResult) -> str | None:
    """What the runtime saw: ``enc_p.proj.weight [192, 512] -> [256, 512]``, ``2 keys
    missing (sv_emb.weight, sv_emb.bias)``, ``output max relative error 0.31``."""
    if result.mismatches:
        first = result.mismatches[0]
        more = len(result.mismatches) - 1
        shapes = f"{first.key} {list(first.old)} -> {list(first.new)}"
        return shapes + (f" and {more} more" if more else "")
    if result.outcome is Outcome.LOADS_WITH_MISSING_KEYS:
        parts = [
            _keys(keys, word)
            for keys, word in (
                (result.missing_keys, "missing"),
                (result.unexpected_keys, "unexpected"),
            )
            if keys
        ]
        return "; ".join(parts)
    if result.outcome is Outcome.LOADS_OUTPUT_DIFFERS and result.comparison is not None:
        error = result.comparison.max_rel_error
        if error is not None:
            return f"output max relative error {error:.3g}"
        return result.comparison.note
    return result.error


def _keys(keys: Sequence[str], word: str) -> str:
    shown = ", ".join(keys[:KEYS_SHOWN])
    more = f", … {len(keys) - KEYS_SHOWN} more" if len(keys) > KEYS_SHOWN else ""
    return f"{len(keys)} key{'' if len(keys) == 1 else 's'} {word} ({shown}{more})"


def runner(
    path: str | os.PathLike[str],
    profile: Profile,
    device: str = "auto",
    python: str | None = None,
) -> Confirm:
    """A :data:`Confirm` over the repository at PATH: the third-party modules its code
    imports but that are not installed are stubbed, as ``model-audit runtime`` does."""
    from auditor.runtime.confirm import confirm

    def run(old: str, new: str) -> RuntimeReport:
        return confirm(path, old, new, profile, device, python=python, stub_imports=True)

    return run


def migrations(path: str | os.PathLike[str]) -> Migrate:
    """A :data:`Migrate` over the repository at PATH: the planner of ``model-audit migrate``
    on the maps the runtime kept, with the symbol tables of both revisions (read once)."""
    tables: dict[str, tuple[SymbolTable, ...]] = {}

    def tables_at(sha: str) -> tuple[SymbolTable, ...]:
        if sha not in tables:
            tables[sha] = symbol_tables(path, sha)
        return tables[sha]

    def migrate(report: RuntimeReport, result: ModelResult) -> str | None:
        plan = migratable(result, report.old_sha, report.new_sha, tables_at)
        return None if plan is None else plan_summary(plan)

    return migrate


def confirm_changelog(
    path: str | os.PathLike[str],
    sections: Sequence[Section],
    runtime: Mapping[str, str],
    *,
    profile: str | None = None,
    device: str = "auto",
    python: str | None = None,
    run: Confirm | None = None,
    migrate: Migrate | None = None,
) -> ConfirmedMatrix:
    """The matrix of SECTIONS (a changelog's, newest first) with its cells confirmed at
    runtime by PROFILE (default: the one that fits the newest release), or, when that cannot
    run (no torch here and no PYTHON given, no profile), the static matrix and a note why."""
    matrix = build_matrix(sections)
    if python is None and run is None and importlib.util.find_spec("torch") is None:
        return ConfirmedMatrix(matrix, (NO_TORCH,))
    if not sections:
        return ConfirmedMatrix(matrix)
    from auditor.runtime.detect import pick_profile

    try:
        chosen = pick_profile(path, sections[0].release.tip, profile)
    except AuditError as error:
        return ConfirmedMatrix(matrix, (f"runtime confirmation skipped: {error}",))
    return confirm_matrix(
        matrix,
        sections,
        runtime,
        chosen,
        run or runner(path, chosen, device, python),
        migrate or migrations(path),
    )


#: Why cells stay static without torch.
NO_TORCH = (
    "runtime confirmation needs torch, which is not installed for this Python: the cells "
    "are the static audit's (install torch, or give --python an environment that has it)"
)

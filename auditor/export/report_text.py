"""``model-audit export-check`` output: a plain-text table, or JSON
(``schemas/export-check.schema.json``)."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from auditor.domain import Change, Commit
from auditor.export.results import (
    CopyDrift,
    ExportBisect,
    ExportCheck,
    ExportReport,
    GraphCheck,
    ModelExport,
)
from auditor.render.json_report import commit_to_dict, json_value
from auditor.schemas import schema_id
from auditor.wording import how_changed

SCHEMA_VERSION = 1
#: How many drifted facts of one class the table shows before "... N more".
SHOWN = 8


def export_document(check: ExportCheck) -> dict[str, Any]:
    """The JSON document of CHECK: keys in a fixed order, lists in a stable order."""
    report = check.report
    return {
        "$schema": schema_id("export-check"),
        "schema_version": SCHEMA_VERSION,
        "repository": report.repository,
        "profile": report.profile,
        "revision": {"revision": report.revision, "sha": report.sha},
        "device": report.device,
        "verdict": check.verdict.value,
        "models": [_model(m) for m in report.models],
        "skipped": [{"model": name, "reason": why} for name, why in report.skipped],
        "copy_drift": [_drift(d) for d in report.drift],
        "range": None if check.bisect is None else _bisect(check.bisect),
        "warnings": list(report.warnings),
    }


def _model(m: ModelExport) -> dict[str, Any]:
    return {
        "name": m.name,
        "outcome": m.outcome.value,
        "error": m.error,
        "config": m.config,
        "method": m.method,
        "output_shapes": [list(s) for s in m.output_shapes],
        "tolerance": m.tolerance,
        "graphs": [_graph(g) for g in m.graphs],
        "stubbed_imports": list(m.stubbed_imports),
        "seconds": m.seconds,
    }


def _graph(g: GraphCheck) -> dict[str, Any]:
    return {
        "kind": g.kind,
        "how": g.how,
        "error": g.error,
        "max_rel_error": g.max_rel_error,
        "draws": g.draws,
        "note": g.note,
        "warnings": list(g.warnings),
        "compared": g.compared,
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "change": c.kind.value,
        "kind": c.fact_kind.value,
        "key": c.key,
        "parameter": c.parameter,
        "original": json_value(c.old),
        "copy": json_value(c.new),
        "line": c.line,
    }


def _drift(d: CopyDrift) -> dict[str, Any]:
    return {
        "copy": d.copy,
        "original": d.original,
        "class": d.class_name,
        "drifted": bool(d.changes),
        "changes": [_change(c) for c in d.changes],
    }


def _bisect(b: ExportBisect) -> dict[str, Any]:
    def commit(c: Commit | None) -> dict[str, Any] | None:
        return None if c is None else commit_to_dict(c)

    return {
        "range": b.range,
        "base": b.base,
        "tip": b.tip,
        "verdict": b.verdict.value,
        "models": list(b.models),
        "commits_in_range": b.commits_in_range,
        "candidates": b.candidates,
        "searched": b.searched,
        "first_breaking": commit(b.first_breaking),
        "parent_exports": b.parent_exports,
        "undecided": [c.sha for c in b.undecided],
        "trials": [
            {"sha": t.commit.sha, "role": t.role, "verdict": t.verdict, "breaks": t.breaks}
            for t in b.trials
        ],
        "warnings": list(b.warnings),
    }


def render_json(check: ExportCheck) -> str:
    """CHECK as indented JSON."""
    return json.dumps(export_document(check), indent=2, ensure_ascii=False) + "\n"


def _graph_line(g: GraphCheck, tolerance: float) -> str:
    """``torchscript (trace): max relative error 0 over 2 draws (tolerance 0.0001)``."""
    how = f" ({g.how})" if g.how else ""
    if g.error is not None:
        return f"{g.kind}{how}: {g.error}"
    if g.draws and g.max_rel_error is not None:
        draws = f"{g.draws} draw{'s' if g.draws != 1 else ''}"
        judged = f"tolerance {tolerance:g}" if g.compared else str(g.note)
        return f"{g.kind}{how}: max relative error {g.max_rel_error:.3g} over {draws} ({judged})"
    return f"{g.kind}{how}: {g.note or 'not run'}"


def table(report: ExportReport) -> Table:
    """REPORT as a rich table: one row per model, details below its outcome."""
    title = (
        f"export-check: {report.revision} ({report.sha[:7]}), profile {report.profile}, "
        f"device {report.device}"
    )
    grid = Table(title=title, title_justify="left", show_lines=True)
    grid.add_column("model", no_wrap=True)
    grid.add_column("outcome", no_wrap=True)
    grid.add_column("details")
    for m in report.models:
        details: list[str] = []
        if m.error and not m.graphs:
            details.append(m.error)
        if m.method is not None:
            shapes = ", ".join(str(list(s)) for s in m.output_shapes) or "no tensors"
            details.append(f"{m.method}() -> {shapes}")
        for g in m.graphs:
            details.append(_graph_line(g, m.tolerance))
            details += [f"  tracer: {w}" for w in g.warnings]
        if m.stubbed_imports:
            details.append(f"built with stubbed imports: {', '.join(m.stubbed_imports)}")
        grid.add_row(m.name, m.outcome.value, "\n".join(details).replace("[", r"\["))
    for name, why in report.skipped:
        grid.add_row(name, "skipped", why.replace("[", r"\["))
    return grid


def drift_lines(drift: tuple[CopyDrift, ...]) -> list[str]:
    """One line per export copy of a class, then one per fact it drifted on."""
    lines: list[str] = []
    for d in drift:
        n = len(d.changes)
        said = "1 fact differs" if n == 1 else f"{n} facts differ"
        state = said if d.changes else "an exact copy"
        lines.append(f"{d.copy}:{d.class_name} copies {d.original}:{d.class_name}: {state}")
        for c in d.changes[:SHOWN]:
            lines.append(f"  {c.key}: {how_changed(c.kind, c.old, c.new)}")
        if len(d.changes) > SHOWN:
            lines.append(f"  ... {len(d.changes) - SHOWN} more")
    return lines


def bisect_lines(b: ExportBisect) -> list[str]:
    """The search of a range, in a few lines."""
    lines = [f"range {b.range}: {b.verdict.value} ({b.commits_in_range} commits)"]
    if b.models:
        lines.append(f"models exporting at the base: {', '.join(b.models)}")
    if b.first_breaking is not None:
        c = b.first_breaking
        lines.append(f"first commit at which export breaks: {c.short_sha} {c.subject}")
    if b.undecided:
        lines.append(f"undecided between: {', '.join(c.short_sha for c in b.undecided)}")
    for t in b.trials:
        verdict = {True: "breaks", False: "exports", None: "not checked"}[t.breaks]
        lines.append(f"  checked {t.commit.short_sha} ({t.role}): {t.verdict}, {verdict}")
    return lines + [f"warning: {w}" for w in b.warnings]


def render_table(check: ExportCheck, width: int = 120) -> str:
    """CHECK as plain text: the range's search, the table, the export copies' drift, then
    warnings."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(table(check.report))
    text = "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())
    before = bisect_lines(check.bisect) if check.bisect is not None else []
    after = drift_lines(check.report.drift) + [f"warning: {w}" for w in check.report.warnings]
    return "".join(line + "\n" for line in before) + text + "".join(line + "\n" for line in after)

"""``model-audit runtime`` output: a rich table, or JSON (``schemas/runtime.schema.json``)."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from auditor.runtime.results import Outcome, OutputComparison, RuntimeReport, Timings
from auditor.schemas import schema_id
from auditor.wording import counted, key_rename, shape_change

SCHEMA_VERSION = 1
#: How many keys of each list the table shows before "… and N more".
SHOWN = 8

_STYLES = {
    Outcome.LOADS: "green",
    Outcome.LOADS_WITH_MISSING_KEYS: "yellow",
    Outcome.LOADS_OUTPUT_DIFFERS: "red",
    Outcome.FAILS_TO_LOAD: "red",
    Outcome.BUILD_FAILED: "red",
    Outcome.INFERENCE_FAILED: "red",
    Outcome.UNAVAILABLE: "yellow",
    Outcome.TIMEOUT: "yellow",
    Outcome.CRASHED: "yellow",
}


def runtime_document(report: RuntimeReport) -> dict[str, Any]:
    """The JSON document of REPORT: keys in a fixed order, lists in a stable order."""
    return {
        "$schema": schema_id("runtime"),
        "schema_version": SCHEMA_VERSION,
        "repository": report.repository,
        "profile": report.profile,
        "old": {"revision": report.old, "sha": report.old_sha},
        "new": {"revision": report.new, "sha": report.new_sha},
        "device": report.device,
        "all_load": report.all_load,
        "verdict": report.verdict.value,
        "models": [
            {
                "name": m.name,
                "old_model": m.old_model,
                "outcome": m.outcome.value,
                "error": m.error,
                "failed_at": m.side,
                "old_config": m.old_config,
                "new_config": m.new_config,
                "old_tensors": m.old_tensors,
                "new_tensors": m.new_tensors,
                "missing_keys": list(m.missing_keys),
                "unexpected_keys": list(m.unexpected_keys),
                "shape_mismatches": [
                    {"key": s.key, "old": list(s.old), "new": list(s.new)} for s in m.mismatches
                ],
                "renames": [{"old": r.old, "new": r.new, "tensors": r.tensors} for r in m.renames],
                "inference": None
                if m.method is None
                else {"method": m.method, "output_shapes": [list(s) for s in m.output_shapes]},
                "output_comparison": _comparison(m.comparison),
                "stubbed_imports": list(m.stubbed_imports),
                "timings": _timings(m.timings),
            }
            for m in report.models
        ],
        "warnings": list(report.warnings),
        "skipped": [{"model": name, "reason": why} for name, why in report.skipped],
    }


def _comparison(found: OutputComparison | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "compared": found.compared,
        "matches": found.matches,
        "old_shapes": [list(s) for s in found.old_shapes],
        "new_shapes": [list(s) for s in found.new_shapes],
        "max_abs_error": found.max_abs_error,
        "max_rel_error": found.max_rel_error,
        "tolerance": found.tolerance,
        "note": found.note,
    }


def _timings(found: Timings) -> dict[str, Any]:
    return {
        "device": found.device,
        "old_build": found.old_build,
        "new_build": found.new_build,
        "load": found.load,
        "old_inference": found.old_inference,
        "new_inference": found.new_inference,
    }


def render_json(report: RuntimeReport) -> str:
    """REPORT as indented JSON."""
    return json.dumps(runtime_document(report), indent=2, ensure_ascii=False) + "\n"


def table(report: RuntimeReport) -> Table:
    """REPORT as a rich table: one row per model, details below its outcome; a model that
    was skipped (the new revision, or the old with nothing to fall back on, lacks it) has a
    row saying why."""
    title = (
        f"runtime: {report.old} ({report.old_sha[:7]}) -> {report.new} ({report.new_sha[:7]}), "
        f"profile {report.profile}, device {report.device}"
    )
    grid = Table(title=title, title_justify="left", show_lines=True)
    grid.add_column("model", no_wrap=True)
    grid.add_column("outcome", no_wrap=True)
    grid.add_column("details")
    for m in report.models:
        details: list[str] = []
        if m.old_model:
            details.append(f"old weights: {m.old_model} (no {m.name} at the old revision)")
        if m.error:
            details.append(f"{m.side + ': ' if m.side else ''}{m.error}")
        if m.mismatches:
            details.append(f"{counted(len(m.mismatches), 'shape mismatch')} (old -> new):")
        for s in m.mismatches[:SHOWN]:
            details.append("shape " + shape_change(f"{s.key}:", s.old, s.new))
        details += _more(len(m.mismatches), "shape mismatches")
        for r in m.renames:
            details.append(key_rename(r.old, r.new, r.tensors))
        for label, keys in (("missing", m.missing_keys), ("unexpected", m.unexpected_keys)):
            details += [f"{label} {k}" for k in keys[:SHOWN]] + _more(len(keys), f"{label} keys")
        if m.method is not None:
            shapes = ", ".join(str(list(s)) for s in m.output_shapes) or "no tensors"
            details.append(f"{m.method}() -> {shapes}")
        if m.comparison is not None:
            details.append(_comparison_line(m.comparison))
        if m.old_tensors or m.new_tensors:
            details.append(f"state dict: {m.old_tensors} -> {m.new_tensors} tensors")
        if m.stubbed_imports:
            built = "built with stubbed imports" if m.old_tensors else "stubbed imports"
            details.append(f"{built}: {', '.join(m.stubbed_imports)}")
        times = _times_line(m.timings)
        if times:
            details.append(times)
        outcome = f"[{_STYLES[m.outcome]}]{m.outcome.value}[/]"
        grid.add_row(m.name, outcome, "\n".join(details).replace("[", r"\["))
    for name, why in report.skipped:
        grid.add_row(name, "[dim]skipped[/]", why.replace("[", r"\["))
    return grid


def _comparison_line(found: OutputComparison) -> str:
    """One line: how the new outputs, with the old weights, compare with the old ones."""
    if not found.compared:
        return f"outputs not compared: {found.note}"
    if found.old_shapes != found.new_shapes:
        old = ", ".join(str(list(s)) for s in found.old_shapes)
        return f"output shapes differ: old {old}"
    if found.max_rel_error is None:
        return f"outputs differ: {found.note}"
    verdict = "match" if found.matches else "differ from"
    return (
        f"outputs {verdict} the old revision's: max abs error {found.max_abs_error:.3g}, "
        f"relative {found.max_rel_error:.3g} (tolerance {found.tolerance:g})"
    )


def _times_line(found: Timings) -> str:
    """``times on cpu: build 0.41 s -> 0.39 s, load 0.02 s, inference 0.1 s -> 0.09 s``
    (old -> new), or "" when nothing was timed."""
    parts = []
    for what, old, new in (
        ("build", found.old_build, found.new_build),
        ("load", None, found.load),
        ("inference", found.old_inference, found.new_inference),
    ):
        if old is not None and new is not None:
            parts.append(f"{what} {old:.3g} s -> {new:.3g} s")
        elif old is not None or new is not None:
            side = "" if what == "load" else (" (old)" if new is None else " (new)")
            parts.append(f"{what} {old if new is None else new:.3g} s{side}")
    if not parts:
        return ""
    return f"times{f' on {found.device}' if found.device else ''}: {', '.join(parts)}"


def _more(count: int, what: str) -> list[str]:
    return [f"... {count - SHOWN} more {what}"] if count > SHOWN else []


def render_table(report: RuntimeReport, width: int = 120) -> str:
    """REPORT as plain text (the table without colours, skipped models as rows of their
    own), then its warnings."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(table(report))
    lines = [f"warning: {w}" for w in report.warnings]
    text = "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())
    return text + "".join(line + "\n" for line in lines)

"""The terminal report: one rich table per commit (one for a tree comparison), and a
summary line."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from auditor.classify.mirrors import mirrors_of, shown
from auditor.domain import Finding, Report, Severity
from auditor.render.runtime_notes import (
    found_at_runtime,
    judged,
    runtime_counts,
    short_evidence,
)
from auditor.wording import how_changed

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
RUNTIME_STYLE = {"confirmed": "bold", "refuted": "green", "not-checked": "dim"}


def _change(finding: Finding) -> str:
    return how_changed(finding.change, finding.old, finding.new, runtime=found_at_runtime(finding))


def _commit_title(report: Report, sha: str) -> str:
    if report.trees is not None:
        return f"{report.range} (tree comparison)"
    commit = report.commit(sha)
    if commit is None:
        return sha[:7]
    return f"{commit.short_sha}  {commit.date[:10]}  {commit.subject}"


def _location(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _judged_change(finding: Finding) -> Text:
    """The change, and under it the first item of the runtime's evidence."""
    cell = Text(_change(finding))
    note = short_evidence(finding)
    if note:
        cell.append("\n" + note, style="dim")
    return cell


def _verdict(finding: Finding) -> Text:
    if finding.runtime is None:
        return Text("")
    return Text(finding.runtime, style=RUNTIME_STYLE.get(finding.runtime, ""))


def summary(report: Report) -> str:
    """``3 critical, 1 high, … in 42 commits scanned (2 warnings, 1 suppressed)``, or ``…
    between the trees of v1 and v2`` for a tree comparison; a change repeated in mirror
    files counts once (``1 in mirror files``)."""
    changes = shown(report.findings)
    counts = Counter(finding.severity for finding in changes)
    parts = [f"{counts[severity]} {severity.value}" for severity in Severity]
    if report.trees is not None:
        text = f"{', '.join(parts)} between the trees of {' and '.join(report.trees)}"
    else:
        text = f"{', '.join(parts)} in {report.commits_scanned} commits scanned"
    notes = []
    mirrored = len(report.findings) - len(changes)
    if mirrored:
        notes.append(f"{mirrored} more in mirror files")
    if report.warnings:
        count = len(report.warnings)
        notes.append(f"{count} warning{'' if count == 1 else 's'}")
    if report.suppressed:
        notes.append(f"{report.suppressed} suppressed")
    runtime = runtime_counts(changes)
    if runtime:
        notes.append(f"{runtime} at runtime")
    if notes:
        text += f" ({', '.join(notes)})"
    return text


#: Columns of short words, kept on one line.
_UNBROKEN = ("severity", "rule", "runtime")
#: The width the folding columns (parameter, change) keep at least before locations fold too.
_FOLDED_WIDTH = 20


@dataclass(frozen=True)
class _CommitTable:
    """One commit's findings, laid out for the width the console gives it. Keys, changes
    and locations fold (two keys may differ only in a ``[version=v2Pro]`` qualifier, so none
    is ever cut); a location stays on one line while the keys and changes still have
    :data:`_FOLDED_WIDTH` columns beside it."""

    title: Text
    columns: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]

    def _widest(self, column: str) -> int:
        index = self.columns.index(column)
        cells = [column, *(line for row in self.rows for line in row[index].plain.split("\n"))]
        return max(cell_len(cell) for cell in cells)

    def table(self, width: int) -> Table:
        """The table for a console WIDTH columns wide."""
        fixed = sum(self._widest(c) for c in (*_UNBROKEN, "location") if c in self.columns)
        frame = 3 * len(self.columns) + 1  # borders and padding
        whole = {*_UNBROKEN, "location"} if fixed + 2 * _FOLDED_WIDTH + frame <= width else set()
        table = Table(title=self.title, title_justify="left", expand=False)
        for column in self.columns:
            table.add_column(column, overflow="fold", no_wrap=column in (whole or _UNBROKEN))
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)


def renderables(report: Report, warnings: bool = True) -> list[RenderableType]:
    """The tables (one per commit with findings), the warnings (unless WARNINGS is False:
    a terminal shows them on stderr) and the summary. A change
    repeated in mirror files is one row listing every location. After ``scan --confirm`` a
    ``runtime`` column gives each judged finding's verdict, and the first item of its evidence
    is written under its change."""
    parts: list[RenderableType] = []
    order: list[str] = []
    by_commit: dict[str, list[Finding]] = {}
    mirrors = mirrors_of(report.findings)
    changes = shown(report.findings)
    columns: tuple[str, ...] = ("severity", "rule", "parameter", "change", "location")
    runtime = judged(changes)
    if runtime:
        columns += ("runtime",)
    for finding in changes:
        if finding.commit not in by_commit:
            order.append(finding.commit)
        by_commit.setdefault(finding.commit, []).append(finding)
    for sha in order:
        rows: list[tuple[Text, ...]] = []
        for finding in by_commit[sha]:
            places = (finding, *mirrors.get(finding.id, ()))
            cells = (
                Text(finding.severity.value, style=SEVERITY_STYLE[finding.severity]),
                Text(finding.rule),
                Text(finding.key),
                _judged_change(finding) if runtime else Text(_change(finding)),
                Text("\n".join(_location(f) for f in places)),
            )
            rows.append((*cells, _verdict(finding)) if runtime else cells)
        parts.append(_CommitTable(Text(_commit_title(report, sha)), columns, tuple(rows)))
    for warning in report.warnings if warnings else ():
        where = ":".join(
            part for part in (warning.commit and warning.commit[:7], warning.file) if part
        )
        parts.append(
            Text(f"warning: {where + ': ' if where else ''}{warning.message}", style="yellow")
        )
    parts.append(Text(summary(report), style="bold"))
    return parts


def render(report: Report, width: int = 120) -> str:
    """The report as plain text (no colour), for files and tests."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(Group(*renderables(report)))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())

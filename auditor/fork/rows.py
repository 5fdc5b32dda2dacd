"""The many-fork comparison table of ``model-audit forks``: one row per fork.

Columns: the fork, its merge-base and that merge-base's age (days between it and upstream's
tip, so the table does not change with the day it is printed), commits ahead and behind,
the worst finding on each side and between the tips, and the verdict. As in the changelog,
the details of a new variant compared with its sibling (MA401) describe a new model, not a
change to an existing one, so they do not count towards the worst finding.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.domain import Category, Finding, Severity
from auditor.fork.report import ForkReport, ForkRow, Verdict, max_severity
from auditor.render.markdown import escape, table_code
from auditor.render.table import SEVERITY_STYLE

COLUMNS = ("fork", "merge-base", "age", "ahead", "behind", "fork max", "upstream max", "net max")


@dataclass(frozen=True)
class RowSummary:
    """The figures of one fork's row."""

    merge_base: str | None
    age_days: int | None
    ahead: int
    behind: int
    fork_max: str | None
    upstream_max: str | None
    net_max: str | None
    compatible: bool
    verdict: str


def _days(older: str, newer: str) -> int:
    return (datetime.fromisoformat(newer) - datetime.fromisoformat(older)).days


def worst(findings: tuple[Finding, ...]) -> str | None:
    """The worst severity among FINDINGS that change existing models, or None."""
    found = max_severity(tuple(f for f in findings if f.category is not Category.NEW_VARIANT))
    return None if found is None else found.value


def verdict_text(verdicts: tuple[Verdict, ...]) -> str:
    """``compatible``, or each model that is not, with its two ways."""
    if all(v.compatible for v in verdicts):
        return "compatible"
    return "; ".join(
        f"{v.model}: {v.upstream_into_fork.value} / {v.fork_into_upstream.value}"
        for v in verdicts
        if not v.compatible
    )


def summarise(report: ForkReport) -> RowSummary:
    """The row figures of REPORT."""
    age = None
    if report.merge_base_date is not None:
        age = _days(report.merge_base_date, report.upstream.date)
    return RowSummary(
        merge_base=report.merge_base,
        age_days=age,
        ahead=report.fork.commits_ahead,
        behind=report.upstream.commits_ahead,
        fork_max=worst(report.fork.report.findings),
        upstream_max=worst(report.upstream.report.findings),
        net_max=worst(report.net),
        compatible=report.compatible(),
        verdict=verdict_text(report.verdicts),
    )


def _cells(row: ForkRow) -> list[str]:
    if row.report is None:
        return [row.fork, "—", "—", "—", "—", "—", "—", "—", f"error: {row.error}"]
    s = summarise(row.report)
    return [
        row.fork,
        s.merge_base[:7] if s.merge_base else "none (unrelated)",
        "—" if s.age_days is None else f"{s.age_days} d",
        str(s.ahead),
        str(s.behind),
        s.fork_max or "—",
        s.upstream_max or "—",
        s.net_max or "—",
        s.verdict,
    ]


def _styled(cell: str) -> Text:
    try:
        return Text(cell, style=SEVERITY_STYLE[Severity(cell)])
    except ValueError:
        return Text(cell)


def rows_table(upstream: str, rows: list[ForkRow]) -> Table:
    """ROWS as a rich table."""
    grid = Table(title=Text(f"forks of {upstream}"), title_justify="left")
    for column in COLUMNS:
        grid.add_column(column, no_wrap=column != "fork", overflow="fold")
    grid.add_column("verdict (upstream → fork / fork → upstream)", overflow="fold")
    for row in rows:
        grid.add_row(*(_styled(cell) for cell in _cells(row)))
    return grid


def render_rows_text(upstream: str, rows: list[ForkRow], width: int = 1000) -> str:
    """ROWS as a plain-text table, one line per fork (cells are not wrapped)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(rows_table(upstream, rows))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def render_rows_markdown(upstream: str, rows: list[ForkRow]) -> str:
    """ROWS as a Markdown table."""
    header = [*COLUMNS, "verdict (upstream → fork / fork → upstream)"]
    lines = [
        f"## Forks of {table_code(upstream)}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    for row in rows:
        cells = _cells(row)
        cells[0] = table_code(cells[0])
        cells[-1] = escape(cells[-1])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

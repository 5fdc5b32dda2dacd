"""``model-audit fork`` for people: a terminal table or Markdown (JSON is in ``document``).

Both open with the verdicts, then list what the fork changed since the merge-base, what
upstream changed that the fork lacks, and the net difference between the tips.
"""

from __future__ import annotations

import io
from dataclasses import replace

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from auditor.classify.built import site_name
from auditor.classify.effects import Loads
from auditor.domain import Finding, Severity
from auditor.fork.report import Direction, ForkReport, ForkSide, Reason, Verdict
from auditor.render.markdown import change_text, code, escape, table_code
from auditor.render.table import SEVERITY_STYLE

LOADS_STYLE = {Loads.YES: "green", Loads.NON_STRICT: "yellow", Loads.NO: "bold red"}
#: How many reasons of one model the table and Markdown show before "… and N more".
SHOWN = 8
#: How many keys a ``strict=False`` verdict names before "N more".
KEYS_SHOWN = 3


def at_least(report: ForkReport, minimum: Severity) -> ForkReport:
    """REPORT with only findings at or above MINIMUM in its lists (verdicts unchanged)."""

    def keep(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(f for f in findings if f.severity.rank >= minimum.rank)

    def side(s: ForkSide) -> ForkSide:
        return replace(s, report=replace(s.report, findings=keep(s.report.findings)))

    return replace(
        report, fork=side(report.fork), upstream=side(report.upstream), net=keep(report.net)
    )


def loads_text(loads: Loads, reasons: tuple[Reason, ...], direction: Direction) -> str:
    """``strict=False (missing sv_emb.*)``: a verdict with the keys behind it."""
    if loads is not Loads.NON_STRICT:
        return str(loads.value)
    keys = list(
        dict.fromkeys(
            f"{r.effect.value.split('-')[0]} {k}"
            for r in reasons
            if r.direction.covers(direction) and r.effect.loads is Loads.NON_STRICT
            for k in r.keys or (r.key,)
        )
    )
    more = f", {len(keys) - KEYS_SHOWN} more" if len(keys) > KEYS_SHOWN else ""
    return f"{loads.value} ({', '.join(keys[:KEYS_SHOWN])}{more})"


def commits(count: int) -> str:
    """``1 commit``, ``2 commits``."""
    return f"{count} commit{'' if count == 1 else 's'}"


def _commits(reason: Reason) -> str:
    parts = [f"fork {reason.fork_commit[:7]}"] if reason.fork_commit else []
    parts += [f"upstream {reason.upstream_commit[:7]}"] if reason.upstream_commit else []
    return f" [{', '.join(parts)}]" if parts else ""


def unbuilt_text(verdict: Verdict) -> str | None:
    """``left out: 11 differences in code the model does not build (Attention.to_k_c, …)``."""
    if not verdict.unbuilt:
        return None
    names = sorted({site_name(file, key) for file, key in verdict.unbuilt})
    more = f", {len(names) - KEYS_SHOWN} more" if len(names) > KEYS_SHOWN else ""
    count = len(verdict.unbuilt)
    return (
        f"left out: {count} difference{'' if count == 1 else 's'} in code the model does not "
        f"build ({', '.join(names[:KEYS_SHOWN])}{more})"
    )


def _reason_lines(verdict: Verdict) -> list[str]:
    reasons = verdict.reasons
    shown = [r for r in reasons if r.effect.loads is not Loads.YES][:SHOWN]
    lines = [f"{r.severity.value}: {r.message}{_commits(r)}" for r in shown]
    rest = len(reasons) - len(shown)
    if rest:
        lines.append(
            f"… and {rest} more (variants and context)" if not lines else f"… and {rest} more"
        )
    left_out = unbuilt_text(verdict)
    return [*lines, left_out] if left_out else lines


def _title(report: ForkReport) -> str:
    head = (
        f"fork {report.fork.label} ({report.fork.tip[:7]}) against upstream "
        f"{report.upstream.label} ({report.upstream.tip[:7]})"
    )
    if report.merge_base is None:
        return f"{head}: no common history, tips compared tree to tree"
    return (
        f"{head}: merge-base {report.merge_base[:7]} ({(report.merge_base_date or '')[:10]}), "
        f"{report.fork.commits_ahead} ahead, {report.upstream.commits_ahead} behind"
    )


def _findings_table(title: str, findings: tuple[Finding, ...], commits: bool = True) -> Table:
    """FINDINGS as a table; without the commit column for the net difference (one diff)."""
    grid = Table(title=Text(title), title_justify="left")
    columns = ("commit",) * commits + ("severity", "rule", "key", "change", "location")
    for column in columns:
        grid.add_column(column, overflow="fold", no_wrap=column in ("commit", "severity", "rule"))
    for f in findings:
        grid.add_row(
            *(Text(f.commit[:7]),) * commits,
            Text(f.severity.value, style=SEVERITY_STYLE[f.severity]),
            Text(f.rule),
            Text(f.key),
            Text(change_text(f, str)),
            Text(f"{f.file}:{f.line}" if f.line else f.file),
        )
    return grid


def renderables(report: ForkReport) -> list[RenderableType]:
    """The verdicts, the three lists of findings, the warnings."""
    verdicts = Table(show_lines=True)
    for column in ("model", "upstream → fork", "fork → upstream", "why"):
        verdicts.add_column(column, overflow="fold")
    for v in report.verdicts:
        cells = []
        for loads, direction in (
            (v.upstream_into_fork, Direction.UPSTREAM_INTO_FORK),
            (v.fork_into_upstream, Direction.FORK_INTO_UPSTREAM),
        ):
            cells.append(Text(loads_text(loads, v.reasons, direction), style=LOADS_STYLE[loads]))
        why = "\n".join(_reason_lines(v))
        if v.decided_by == "runtime":
            why = f"confirmed at runtime\n{why}".strip()
        verdicts.add_row(Text(v.model), *cells, Text(why))
    shown: list[RenderableType] = [Text(_title(report), style="bold"), verdicts]
    sections = (
        (
            f"what the fork changed ({commits(report.fork.commits_ahead)})",
            report.fork.report.findings,
        ),
        (
            f"what upstream changed that the fork lacks ({commits(report.upstream.commits_ahead)})",
            report.upstream.report.findings,
        ),
        ("net difference, upstream tip → fork tip", report.net),
    )
    for index, (title, findings) in enumerate(sections):
        if index < 2 and not report.related:
            shown.append(Text(f"{title}: not audited, no common history"))
        elif findings:
            shown.append(_findings_table(title, findings, commits=index < 2))
        else:
            shown.append(Text(f"{title}: no findings"))
    for warning in report.warnings:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        shown.append(
            Text(f"warning: {where + ': ' if where else ''}{warning.message}", style="yellow")
        )
    return shown


def render_table(report: ForkReport, width: int = 120) -> str:
    """REPORT as plain text (no colour), for files and pipes."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(Group(*renderables(report)))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _md_findings(
    title: str, findings: tuple[Finding, ...], related: bool = True, commits: bool = True
) -> list[str]:
    if not related:
        return [f"### {title}", "", "Not audited: no common history.", ""]
    if not findings:
        return [f"### {title}", "", "No findings.", ""]
    header = ["commit"] * commits + ["severity", "key", "change", "file"]
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for f in findings:
        where = f"{f.file}:{f.line}" if f.line else f.file
        cells = [f"`{f.commit[:7]}`"] * commits + [
            f.severity.value,
            table_code(f.key),
            change_text(f, table_code),
            table_code(where),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(report: ForkReport) -> str:
    """REPORT as Markdown, for an issue or a pull-request comment."""
    lines = [f"## Fork audit: {code(report.fork.label)} against {code(report.upstream.label)}", ""]
    lines += [escape(_title(report)) + ".", ""]
    lines += ["| model | upstream → fork | fork → upstream | why |", "| --- | --- | --- | --- |"]
    for v in report.verdicts:
        into_fork = loads_text(v.upstream_into_fork, v.reasons, Direction.UPSTREAM_INTO_FORK)
        into_upstream = loads_text(v.fork_into_upstream, v.reasons, Direction.FORK_INTO_UPSTREAM)
        why = "<br>".join(escape(line) for line in _reason_lines(v)) or "—"
        lines.append(
            f"| {escape(v.model)} | {escape(into_fork)} | {escape(into_upstream)} | {why} |"
        )
    lines.append("")
    lines += _md_findings(
        f"What the fork changed ({commits(report.fork.commits_ahead)})",
        report.fork.report.findings,
        report.related,
    )
    lines += _md_findings(
        f"What upstream changed that the fork lacks ({commits(report.upstream.commits_ahead)})",
        report.upstream.report.findings,
        report.related,
    )
    lines += _md_findings("Net difference, upstream tip → fork tip", report.net, commits=False)
    for warning in report.warnings:
        lines.append(f"> warning: {escape(warning.message)}")
    return "\n".join(lines).rstrip("\n") + "\n"

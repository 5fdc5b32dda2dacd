"""The Markdown report, for pull-request comments: a verdict, then findings by severity.

User-controlled text (commit subjects, values, paths) is escaped or put in code spans, so a
subject such as ``fix *all* the <things>`` shows as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from auditor.classify.mirrors import mirrors_of, shown
from auditor.domain import ChangeKind, Finding, Report, Severity
from auditor.render.runtime_notes import evidence, found_at_runtime, runtime_counts
from auditor.rules import rule_by_id
from auditor.wording import how_changed

#: Severities whose findings mean old checkpoints no longer load (or load and misbehave).
BREAKING = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM)
#: Severities listed one finding at a time; ``info`` findings are only counted.
LISTED = (*BREAKING, Severity.LOW)

_FILE_CHANGES = (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def one_line(text: str) -> str:
    """``text`` with line breaks folded into spaces."""
    return _NEWLINES.sub(" ", text)


def escape(text: str) -> str:
    """Prose as Markdown that renders literally: special characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", one_line(text))


def code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    text = one_line(text)
    if not text:
        return "` `"
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table_code(text: str) -> str:
    """A code span for a table cell: a pipe ends the cell even inside code, unless escaped."""
    return code(text).replace("|", "\\|")


def change_text(finding: Finding, span: Callable[[str], str] = code) -> str:
    """What changed, values as ``span`` renders them: `512` → `1024`, or ``file added``."""
    return how_changed(
        finding.change,
        finding.old,
        finding.new,
        span=span,
        runtime=found_at_runtime(finding),
    )


def location(finding: Finding) -> str:
    """``file:line``, or ``file`` when the line is unknown."""
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def commit_text(report: Report, sha: str) -> str:
    """The short sha in a code span and the escaped subject, when the report lists it; the
    range for a tree comparison (its findings belong to no one commit)."""
    if report.trees is not None:
        return f"{code(report.range)} (tree comparison)"
    commit = report.commit(sha)
    if commit is None:
        return code(sha[:7])
    return f"{code(commit.short_sha)} {escape(commit.subject)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def baseline(report: Report) -> str:
    """Where the audited history starts: the range's start, or the first parent shown."""
    if ".." in report.range:
        return code(report.range.split("..", 1)[0])
    for commit in report.commits:
        if commit.parent:
            return code(commit.parent[:7])
    return f"the start of {code(report.range)}"


def verdict(report: Report) -> str:
    """``Checkpoints from `v1.0` load after these changes: no — 3 critical changes`` (a change
    repeated in mirror files counts once)."""
    counts = Counter(finding.severity for finding in shown(report.findings))
    breaking = [f"{counts[s]} {s.value}" for s in BREAKING if counts[s]]
    if breaking:
        total = sum(counts[s] for s in BREAKING)
        answer = f"no — {_join(breaking)} change{'' if total == 1 else 's'}"
    else:
        answer = "yes — no breaking changes found"
    if report.warnings:
        answer += f" ({_plural(len(report.warnings), 'warning')}: not everything was scanned)"
    return f"Checkpoints from {baseline(report)} load after these changes: {answer}"


def severity_counts(report: Report) -> dict[Severity, int]:
    """The changes of REPORT per severity, critical first (a change repeated in mirror files
    counts once): what the counts line says, and the GitHub step outputs too."""
    counts = Counter(finding.severity for finding in shown(report.findings))
    return {severity: counts[severity] for severity in Severity}


def counts_line(report: Report) -> str:
    """``1 critical, 0 high, … in 7 commits scanned``, or ``… between the trees of `v1` and
    `v2``` for a tree comparison (changes, each counted once)."""
    counts = severity_counts(report)
    parts = ", ".join(f"{count} {severity.value}" for severity, count in counts.items())
    if report.trees is not None:
        old, new = report.trees
        return f"{parts} between the trees of {code(old)} and {code(new)}"
    return f"{parts} in {_plural(report.commits_scanned, 'commit')} scanned"


def _entry(report: Report, finding: Finding, mirrors: list[Finding]) -> list[str]:
    rule = rule_by_id(finding.rule)
    rule_text = f"{finding.rule} {code(rule.slug)}" if rule else finding.rule
    subject = code(finding.file if finding.change in _FILE_CHANGES else finding.key)
    where = ", ".join(code(location(f)) for f in (finding, *mirrors))
    lines = [
        f"- **{subject}: {change_text(finding)}** ({rule_text})",
        f"  - where: {where} in {commit_text(report, finding.commit)}",
        f"  - why: {escape(finding.message)}",
    ]
    if finding.runtime is not None:
        found = evidence(finding)
        lines.append(f"  - runtime: **{finding.runtime}**{': ' + escape(found) if found else ''}")
    return [*lines, f"  - what to do: {escape(finding.hint)}"]


def render(report: Report) -> str:
    """The report as GitHub-flavoured Markdown with a final newline."""
    lines = [
        f"## model-audit: {code(report.range)} in {code(report.repository)}",
        "",
        f"**{verdict(report)}**",
        "",
        counts_line(report) + ".",
    ]
    changes = shown(report.findings)
    runtime = runtime_counts(changes)
    if runtime:
        lines += ["", f"Runtime confirmation (the models built at both ends): {runtime}."]
    mirrors = mirrors_of(report.findings)
    for severity in LISTED:
        found = [f for f in changes if f.severity is severity]
        if found:
            lines += ["", f"### {severity.value.capitalize()} ({len(found)})", ""]
            for finding in found:
                lines += _entry(report, finding, mirrors.get(finding.id, []))
    info = sum(1 for f in changes if f.severity is Severity.INFO)
    if info:
        lines += [
            "",
            f"{_plural(info, 'info finding')} (training-only or unknown changes) not listed; "
            "see `--format json`.",
        ]
    if report.warnings:
        lines += ["", f"### Warnings ({len(report.warnings)})", ""]
        for warning in report.warnings:
            where = [code(p) for p in (warning.commit and warning.commit[:7], warning.file) if p]
            prefix = f"{' '.join(where)}: " if where else ""
            lines.append(f"- {prefix}{escape(warning.message)}")
    return "\n".join(lines) + "\n"

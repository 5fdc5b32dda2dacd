"""GitHub Actions workflow commands: one annotation per finding, and a job-summary table.

``::error`` for critical and high findings, ``::warning`` for medium, ``::notice`` for low;
info findings get no annotation. Values are escaped as the runner expects, so a commit
subject or a value can never end a command early or start another one.
"""

from __future__ import annotations

from auditor.classify.mirrors import mirrors_of, shown
from auditor.domain import AuditWarning, ChangeKind, Finding, Report, Severity
from auditor.render.markdown import (
    change_text,
    code,
    commit_text,
    counts_line,
    escape,
    location,
    table_code,
    verdict,
)
from auditor.render.runtime_notes import evidence, found_at_runtime, judged, short_evidence
from auditor.wording import how_changed, what_changed

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}


def escape_data(text: str) -> str:
    """The message of a workflow command: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``file=``, ``title=``): data escaping plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str], message: str) -> str:
    """``::name key=value,…::message`` with every part escaped."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _change(finding: Finding) -> str:
    if finding.change in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
        return f"{finding.file} {how_changed(finding.change, None, None)}"
    if finding.change is ChangeKind.RENAMED:
        return what_changed(finding.change, finding.key, finding.old, finding.new)
    how = how_changed(finding.change, finding.old, finding.new, runtime=found_at_runtime(finding))
    return f"{finding.key} {how}"


def annotation(report: Report, finding: Finding) -> str | None:
    """The workflow command for one finding; None for info findings."""
    name = COMMANDS.get(finding.severity)
    if name is None:
        return None
    properties = {"file": finding.file}
    if finding.line > 0:
        properties["line"] = str(finding.line)
    properties["title"] = f"{finding.rule} {finding.severity.value}: {_change(finding)}"
    commit = report.commit(finding.commit)
    if report.trees is not None:
        where = f"Trees compared: {report.range}"
    else:
        where = "Commit: " + finding.commit[:7] + (f" {commit.subject}" if commit else "")
    message = f"{finding.message}\nWhat to do: {finding.hint}\n{where}"
    if finding.runtime is not None:
        found = evidence(finding)
        message += f"\nRuntime: {finding.runtime}{': ' + found if found else ''}"
    return command(name, properties, message)


def _warning(warning: AuditWarning) -> str:
    properties = {"file": warning.file} if warning.file else {}
    properties["title"] = "model-audit could not scan"
    where = f" (commit {warning.commit[:7]})" if warning.commit else ""
    return command("warning", properties, warning.message + where)


def _runtime_cell(finding: Finding) -> str:
    """``**confirmed** sovits: enc_p.… [322, 192] -> [732, 192]``, or nothing."""
    if finding.runtime is None:
        return ""
    note = short_evidence(finding)
    return f"**{finding.runtime}**{' ' + escape(note) if note else ''}"


def render(report: Report) -> str:
    """One workflow command per finding (info: none) and per warning."""
    lines = [annotation(report, finding) for finding in report.findings]
    lines += [_warning(warning) for warning in report.warnings]
    return "".join(line + "\n" for line in lines if line is not None)


def summary_markdown(report: Report) -> str:
    """The job summary (``GITHUB_STEP_SUMMARY``): the verdict and a table of findings (a
    change repeated in mirror files is one row listing every location; after ``scan
    --confirm``, a runtime column with each verdict and the first of its evidence)."""
    lines = [f"### model-audit: {code(report.range)}", "", f"**{verdict(report)}**", ""]
    changes = shown(report.findings)
    runtime = judged(changes)
    if report.findings:
        header = ["severity", "rule", "parameter", "change", "location", "commit"]
        header += ["runtime"] if runtime else []
        lines += [f"| {' | '.join(header)} |", f"|{' --- |' * len(header)}"]
        mirrors = mirrors_of(report.findings)
        for finding in changes:
            places = (finding, *mirrors.get(finding.id, ()))
            cells = [
                finding.severity.value,
                finding.rule,
                table_code(finding.key),
                change_text(finding, table_code),
                ", ".join(table_code(location(f)) for f in places),
                commit_text(report, finding.commit),
            ]
            if runtime:
                cells.append(_runtime_cell(finding))
            lines.append(f"| {' | '.join(cells)} |")
        lines.append("")
    lines.append(counts_line(report) + ".")
    if report.warnings:
        lines += ["", f"Warnings ({len(report.warnings)}): not everything was scanned.", ""]
        for warning in report.warnings:
            where = [code(p) for p in (warning.commit and warning.commit[:7], warning.file) if p]
            lines.append(f"- {' '.join([*where, escape(warning.message)])}")
    return "\n".join(lines) + "\n"

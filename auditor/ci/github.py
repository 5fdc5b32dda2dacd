"""``model-audit ci github``: the GitHub Action's work, from the event to the step outputs.

1. the range: from ``--range``, or derived from the event (:mod:`auditor.ci.derive`);
2. the history: the clone must hold it, deepened from ``origin`` when allowed
   (:mod:`auditor.ci.shallow`);
3. one scan of that range (:func:`auditor.pipeline.scan`), and, only when asked, its runtime
   confirmation (:class:`auditor.pipeline.Confirmation`: this runs the audited code);
4. what the run leaves: the JSON report, the SARIF file and the Markdown comment body when
   asked, the job summary (``GITHUB_STEP_SUMMARY``) and the step outputs (``GITHUB_OUTPUT``).

The workflow-command annotations are the caller's to print (stdout).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

import git

from auditor.ci.derive import derive_range, range_from_spec
from auditor.ci.event import read_event
from auditor.ci.outputs import step_outputs, write_outputs
from auditor.ci.shallow import AuditRange, History
from auditor.domain import AuditWarning, Report, Severity
from auditor.errors import AuditError
from auditor.history import commit_at, open_repository
from auditor.pipeline import AuditOptions, Confirmation, scan
from auditor.render import json_report, markdown, sarif
from auditor.render.github import summary_markdown

REPORT_NAME = "model-audit-report.json"
#: Findings below this severity are left out of what the run leaves, as in ``scan``.
MIN_SEVERITY = Severity.LOW


@dataclass(frozen=True)
class GitHubRun:
    """What ``model-audit ci github`` was asked to do."""

    path: Path
    fail_on: str = Severity.CRITICAL.value
    revision_range: str | None = None
    fetch: bool = True
    report_file: Path | None = None
    sarif_file: Path | None = None
    comment_file: Path | None = None
    audit: AuditOptions = field(default_factory=AuditOptions)
    #: Confirm the findings at runtime (builds and runs the audited code; off by default).
    confirm: bool = False
    profile: str | None = None
    #: The interpreter the runtime workers run in (the project's own environment).
    python: str | None = None


def audit(
    run: GitHubRun, environ: Mapping[str, str], say: Callable[[str], None] | None = None
) -> Report:
    """Derive the range, make sure the clone holds it, and scan it once."""
    say = say or (lambda message: None)
    with closing(open_repository(run.path)) as repo:
        history = History(repo, fetch=run.fetch, say=say)
        if run.revision_range is not None:
            rng = range_from_spec(run.revision_range)
            say(f"auditing {rng.label}")
        else:
            event = read_event(environ)
            rng = derive_range(event, history)
            say(f"{event.describe()}: auditing {rng.label}")
        if rng.empty:
            report = Report(repository=str(run.path), range=rng.label, commits_scanned=0)
            return _with_warnings(report, rng)
        history.ensure(rng)
        spec = _scan_spec(repo, history, rng)
    confirmation = None
    if run.confirm:
        if ".." in spec:
            say(f"confirming at runtime: {spec}")
        confirmation = Confirmation(run.profile, "auto", run.python, required=False)
    report = scan(run.path, spec, run.audit, confirmation=confirmation)
    return _with_warnings(replace(report, range=rng.label), rng)


def _scan_spec(repo: git.Repo, history: History, rng: AuditRange) -> str:
    """The range to give :func:`scan`: a single commit becomes ``parent..commit``."""
    if not rng.single:
        return f"{rng.base}..{rng.tip}" if rng.base else rng.tip
    tip = history.commit(rng.tip) or rng.tip
    parent = commit_at(repo, tip).parent
    return f"{parent}..{tip}" if parent else tip


def _with_warnings(report: Report, rng: AuditRange) -> Report:
    if not rng.warnings:
        return report
    first = tuple(AuditWarning(message=message) for message in rng.warnings)
    return replace(report, warnings=(*first, *report.warnings))


def shown(report: Report) -> Report:
    """REPORT without the findings below :data:`MIN_SEVERITY`."""
    kept = tuple(f for f in report.findings if f.severity.rank >= MIN_SEVERITY.rank)
    return replace(report, findings=kept)


def report_path(run: GitHubRun, environ: Mapping[str, str]) -> Path:
    """Where the JSON report goes: ``--report``, else the runner's temp dir, else the cwd."""
    if run.report_file is not None:
        return run.report_file
    return Path(environ.get("RUNNER_TEMP") or os.curdir) / REPORT_NAME


def publish(report: Report, run: GitHubRun, environ: Mapping[str, str]) -> dict[str, str]:
    """Write the files, the job summary and the step outputs of REPORT; the outputs."""
    visible = shown(report)
    target = report_path(run, environ)
    _write(target, json_report.render(visible), "JSON report")
    if run.sarif_file is not None:
        _write(run.sarif_file, sarif.render(visible), "SARIF report")
    if run.comment_file is not None:
        _write(run.comment_file, markdown.render(visible), "pull-request comment")
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _write(Path(summary), summary_markdown(visible), "job summary", append=True)
    outputs = step_outputs(visible, str(target), str(run.sarif_file) if run.sarif_file else None)
    write_outputs(outputs, environ)
    return outputs


def exit_code(report: Report, fail_on: str) -> int:
    """1 when a finding is at or above FAIL_ON (a severity, or ``none``), else 0."""
    if fail_on == "none":
        return 0
    threshold = Severity(fail_on)
    return int(any(f.severity.rank >= threshold.rank for f in report.findings))


def _write(path: Path, text: str, what: str, *, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a" if append else "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise AuditError(f"cannot write the {what} to {path}: {error.strerror}") from None

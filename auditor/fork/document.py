"""The JSON contract of ``model-audit fork`` and ``forks`` (``schemas/fork.schema.json``).

Finding, commit and warning objects are those of the scan report, so tools that read
``scan`` output read these too.
"""

from __future__ import annotations

import json
from typing import Any

from auditor import __version__
from auditor.fork.report import ForkReport, ForkRow, ForkSide, Reason, RuntimeCheck, Verdict
from auditor.fork.rows import RowSummary, summarise
from auditor.render.json_report import (
    commit_to_dict,
    finding_to_dict,
    json_value,
    warning_to_dict,
)
from auditor.schemas import schema_id

SCHEMA_VERSION = 1


def _side(side: ForkSide) -> dict[str, Any]:
    return {
        "label": side.label,
        "tip": side.tip,
        "date": side.date,
        "commits_ahead": side.commits_ahead,
        "commits_scanned": side.report.commits_scanned,
        "commits": [commit_to_dict(commit) for commit in side.report.commits],
        "findings": [finding_to_dict(finding) for finding in side.report.findings],
        "suppressed": side.report.suppressed,
    }


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "direction": reason.direction.value,
        "effect": reason.effect.value,
        "severity": reason.severity.value,
        "rule": reason.rule,
        "file": reason.file,
        "key": reason.key,
        "upstream": json_value(reason.upstream),
        "fork": json_value(reason.fork),
        "keys": list(reason.keys),
        "fork_commit": reason.fork_commit,
        "upstream_commit": reason.upstream_commit,
        "message": reason.message,
    }


def _check(check: RuntimeCheck) -> dict[str, Any]:
    return {
        "outcome": check.outcome,
        "missing_keys": list(check.missing_keys),
        "unexpected_keys": list(check.unexpected_keys),
        "mismatched_keys": list(check.mismatched_keys),
        "error": check.error,
    }


def _verdict(verdict: Verdict) -> dict[str, Any]:
    runtime = None
    if verdict.runtime is not None:
        into_fork, into_upstream = verdict.runtime
        runtime = {
            "upstream_into_fork": _check(into_fork),
            "fork_into_upstream": _check(into_upstream),
        }
    return {
        "model": verdict.model,
        "upstream_into_fork": verdict.upstream_into_fork.value,
        "fork_into_upstream": verdict.fork_into_upstream.value,
        "decided_by": verdict.decided_by,
        "reasons": [_reason(reason) for reason in verdict.reasons],
        "runtime": runtime,
        "unbuilt": [{"file": file, "key": key} for file, key in verdict.unbuilt],
    }


def report_body(report: ForkReport) -> dict[str, Any]:
    """The fork report's own fields (without the document header)."""
    return {
        "merge_base": report.merge_base,
        "merge_base_date": report.merge_base_date,
        "fork": _side(report.fork),
        "upstream": _side(report.upstream),
        "net": [finding_to_dict(finding) for finding in report.net],
        "verdicts": [_verdict(verdict) for verdict in report.verdicts],
        "warnings": [warning_to_dict(warning) for warning in report.warnings],
    }


def _header(command: str) -> dict[str, Any]:
    return {
        "$schema": schema_id("fork"),
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-audit", "version": __version__},
        "command": command,
    }


def fork_document(report: ForkReport) -> dict[str, Any]:
    """The JSON document of ``model-audit fork``."""
    return {**_header("fork"), **report_body(report)}


def _summary(summary: RowSummary) -> dict[str, Any]:
    return {
        "merge_base": summary.merge_base,
        "merge_base_age_days": summary.age_days,
        "commits_ahead": summary.ahead,
        "commits_behind": summary.behind,
        "fork_max_severity": summary.fork_max,
        "upstream_max_severity": summary.upstream_max,
        "net_max_severity": summary.net_max,
        "compatible": summary.compatible,
    }


def forks_document(upstream: str, rows: list[ForkRow]) -> dict[str, Any]:
    """The JSON document of ``model-audit forks``: one entry per fork, in the order given."""
    entries: list[dict[str, Any]] = []
    for row in rows:
        report = row.report
        entries.append(
            {
                "fork": row.fork,
                "error": row.error,
                "summary": None if report is None else _summary(summarise(report)),
                "report": None if report is None else report_body(report),
            }
        )
    return {**_header("forks"), "upstream": upstream, "forks": entries}


def dumps(document: dict[str, Any]) -> str:
    """A document as indented JSON with a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

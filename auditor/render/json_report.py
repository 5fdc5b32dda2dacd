"""The JSON report: the stable machine contract (``schemas/report.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from auditor import __version__
from auditor.domain import AuditWarning, Commit, FactValue, Finding, Report
from auditor.schemas import schema_id

SCHEMA_VERSION = 1


def json_value(value: FactValue) -> Any:
    """A fact value as JSON writes it (tuples become lists)."""
    if isinstance(value, tuple):
        return [json_value(item) for item in value]
    return value


def commit_to_dict(commit: Commit) -> dict[str, Any]:
    return {
        "sha": commit.sha,
        "parent": commit.parent,
        "date": commit.date,
        "author": commit.author,
        "subject": commit.subject,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    found = {
        "id": finding.id,
        "rule": finding.rule,
        "change": finding.change.value,
        "commit": finding.commit,
        "parent": finding.parent,
        "file": finding.file,
        "line": finding.line,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "category": finding.category.value,
        "parameter": finding.parameter,
        "key": finding.key,
        "old": json_value(finding.old),
        "new": json_value(finding.new),
        "message": finding.message,
        "hint": finding.hint,
    }
    if finding.mirror_of is not None:
        found["mirror_of"] = finding.mirror_of
    if finding.runtime is not None:
        found["runtime"] = finding.runtime
        found["runtime_evidence"] = finding.runtime_evidence
    return found


def warning_to_dict(warning: AuditWarning) -> dict[str, Any]:
    return {"commit": warning.commit, "file": warning.file, "message": warning.message}


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as the JSON contract's object."""
    return {
        "$schema": schema_id("report"),
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-audit", "version": __version__},
        "repository": report.repository,
        "range": report.range,
        "commits_scanned": report.commits_scanned,
        "commits": [commit_to_dict(commit) for commit in report.commits],
        "findings": [finding_to_dict(finding) for finding in report.findings],
        "warnings": [warning_to_dict(warning) for warning in report.warnings],
        "suppressed": report.suppressed,
    }


def render(report: Report) -> str:
    """The report as indented JSON with a final newline."""
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"

"""The SARIF 2.1.0 report, for code-scanning services (``schemas/sarif-schema-2.1.0.json``).

One run; ``tool.driver.rules`` lists every rule of the catalogue, so results point at
their rule by index. Paths are repo-relative URIs under the ``SRCROOT`` base.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.classify.classifier import project_parameter_rules
from auditor.domain import AuditWarning, Finding, Report, Severity
from auditor.render.json_report import json_value
from auditor.rules import all_rules
from auditor.rules.base import Rule
from auditor.rules.catalogue_doc import rule_markdown

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/model-audit/model-audit"
SRCROOT = "SRCROOT"
FINGERPRINT = "modelAuditFindingId/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "none",
}


def _rules(report: Report) -> list[Rule]:
    """The catalogue, then any rule a finding names that the catalogue lacks (MA100)."""
    rules = list(all_rules())
    known = {rule.id for rule in rules}
    project = project_parameter_rules({"declared": Severity.MEDIUM})
    for rule_id in sorted({finding.rule for finding in report.findings} - known):
        rules += [rule for rule in project if rule.id == rule_id]
    return rules


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor`` with the rule's documentation."""
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} Why: {rule.why}."},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "help": {"text": rule.hint, "markdown": rule_markdown(rule)},
        "properties": {"severity": rule.severity.value, "category": rule.category.value},
    }


def _artifact(path: str) -> dict[str, Any]:
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _location(path: str, line: int = 0) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(path)}
    if line > 0:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    """A ``result`` for one finding; ``ruleIndex`` points into ``tool.driver.rules``."""
    found: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in rule_index:
        found["ruleIndex"] = rule_index[finding.rule]
    found |= {
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding.file, finding.line)],
        "partialFingerprints": {FINGERPRINT: finding.id},
        "properties": {
            "commit": finding.commit,
            "parent": finding.parent,
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "category": finding.category.value,
            "key": finding.key,
            "old": json_value(finding.old),
            "new": json_value(finding.new),
        },
    }
    if finding.runtime is not None:
        found["properties"] |= {
            "runtime": finding.runtime,
            "runtimeEvidence": finding.runtime_evidence,
        }
    return found


def notification(warning: AuditWarning) -> dict[str, Any]:
    """A ``notification`` for something that could not be scanned."""
    text = warning.message
    if warning.commit:
        text += f" (commit {warning.commit[:7]})"
    found: dict[str, Any] = {"level": "warning", "message": {"text": text}}
    if warning.file:
        found["locations"] = [_location(warning.file)]
    if warning.commit:
        found["properties"] = {"commit": warning.commit}
    return found


def report_to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF log object."""
    rules = _rules(report)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    driver = {
        "name": "model-audit",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(rule) for rule in rules],
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [notification(w) for w in report.warnings],
            }
        ],
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the audited repository."}}
        },
        "results": [result(finding, rule_index) for finding in report.findings],
        "properties": {
            "repository": report.repository,
            "range": report.range,
            "commitsScanned": report.commits_scanned,
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    """The report as indented SARIF JSON with a final newline."""
    return json.dumps(report_to_sarif(report), indent=2, ensure_ascii=False) + "\n"

"""The SARIF report: validated against the official SARIF 2.1.0 schema (``schemas/``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.domain import Severity
from auditor.pipeline import AuditOptions, scan
from auditor.render import OutputFormat, render
from auditor.render.sarif import FINGERPRINT, LEVELS
from auditor.rules import all_rules
from auditor.schemas import schema_dir
from tests.render.test_renderers import REPORT

EMPTY = replace(REPORT, commits=(), findings=(), warnings=())


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    """The validator the schema's own ``$schema`` names (draft-04 for SARIF 2.1.0)."""
    schema = json.loads((schema_dir() / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def sarif_of(report: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(report, OutputFormat.SARIF))
    sarif_validator().validate(document)
    return document


def test_the_vendored_schema_is_the_official_one() -> None:
    validator = sarif_validator()
    assert isinstance(validator, jsonschema.Draft4Validator)
    assert validator.schema["id"].endswith(
        "/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )


@pytest.mark.parametrize("report", [REPORT, EMPTY], ids=["golden", "empty"])
def test_reports_follow_the_schema(report: Any) -> None:
    document = sarif_of(report)
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1


def test_validation_really_runs() -> None:
    document = sarif_of(REPORT)
    broken = [
        {**document, "version": "2.0.0"},
        {key: value for key, value in document.items() if key != "runs"},
        {**document, "runs": [{**document["runs"][0], "results": [{"ruleId": "MA101"}]}]},
        {**document, "runs": [{**document["runs"][0], "tool": {"driver": {"nam": "x"}}}]},
    ]
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            sarif_validator().validate(bad)


def test_every_rule_is_described_and_results_point_at_their_rule() -> None:
    run = sarif_of(REPORT)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in all_rules()]
    for descriptor, rule in zip(rules, all_rules(), strict=True):
        assert descriptor["name"] == rule.slug
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity]
        assert descriptor["help"]["text"] == rule.hint
        assert rule.why in descriptor["fullDescription"]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_levels_follow_severity() -> None:
    assert LEVELS == {
        Severity.CRITICAL: "error",
        Severity.HIGH: "error",
        Severity.MEDIUM: "warning",
        Severity.LOW: "note",
        Severity.INFO: "none",
    }
    results = sarif_of(REPORT)["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error", "note"]


def test_fingerprints_locations_and_properties() -> None:
    results = sarif_of(REPORT)["runs"][0]["results"]
    assert [r["partialFingerprints"][FINGERPRINT] for r in results] == [
        f.id for f in REPORT.findings
    ]
    first, _, added = (r["locations"][0]["physicalLocation"] for r in results)
    assert first == {
        "artifactLocation": {"uri": "GPT_SoVITS/configs/s2.json", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 41},
    }
    assert "region" not in added
    assert results[1]["properties"]["old"] == [10, 8, 2, 2]


def test_warnings_are_notifications_of_a_successful_run() -> None:
    invocation = sarif_of(REPORT)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert note["message"]["text"].startswith("cannot read: invalid JSON")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a.json"


def test_project_parameter_findings_get_a_rule_and_odd_paths_are_uris() -> None:
    declared = replace(REPORT.findings[0], rule="MA100", file="配置/my config.json")
    document = sarif_of(replace(REPORT, findings=(declared,)))
    run = document["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "MA100"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "%E9%85%8D%E7%BD%AE/my%20config.json"


def test_the_sample_repository_audit_follows_the_schema(
    sample_repo: Callable[[str], Path],
) -> None:
    report = scan(sample_repo("mini_sovits"), None, AuditOptions(use_cache=False))
    run = sarif_of(report)["runs"][0]
    assert len(run["results"]) == len(report.findings) > 0
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == len(report.warnings)

"""Renderers: golden files compared byte for byte, schema validation, one renderer per format.

Regenerate the golden files after an intended change with ``make golden``.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.domain import (
    AuditWarning,
    Category,
    ChangeKind,
    Commit,
    Confidence,
    Finding,
    Report,
    Severity,
)
from auditor.render import OutputFormat, render
from auditor.render.formats import formats_of
from tests.conftest import validate

GOLDEN = Path(__file__).parent / "golden"
C1, C2, C0 = "1" * 40, "2" * 40, "0" * 40

REPORT = Report(
    repository="mini_sovits",
    range="v1.0..v2.0",
    commits_scanned=7,
    commits=(
        Commit(C1, C0, "2024-01-03T12:00:00+00:00", "Ada", "更大的说话人嵌入 (gin 1024)"),
        Commit(C2, C1, "2024-01-04T12:00:00+00:00", "Ada", "add v2 config"),
    ),
    findings=(
        Finding(
            "a1b2c3d4e5f60718",
            "MA101",
            ChangeKind.MODIFIED,
            C1,
            C0,
            "GPT_SoVITS/configs/s2.json",
            41,
            Severity.CRITICAL,
            Confidence.MEDIUM,
            Category.TENSOR_SHAPE,
            "gin_channels",
            "model.gin_channels",
            512,
            1024,
            "model.gin_channels: 512 → 1024: it sets the shape of stored weights.",
            "Retrain.",
        ),
        Finding(
            "0f1e2d3c4b5a6978",
            "MA110",
            ChangeKind.MODIFIED,
            C1,
            C0,
            "GPT_SoVITS/configs/s2.json",
            12,
            Severity.HIGH,
            Confidence.MEDIUM,
            Category.INPUT_FEATURES,
            "upsample_rates",
            "model.upsample_rates",
            (10, 8, 2, 2),
            (10, 6, 2, 2, 2),
            "model.upsample_rates changed.",
            "Retrain.",
        ),
        Finding(
            "9988776655443322",
            "MA301",
            ChangeKind.FILE_ADDED,
            C2,
            C1,
            "GPT_SoVITS/configs/s2v2.json",
            0,
            Severity.LOW,
            Confidence.MEDIUM,
            Category.CONFIG_FILE,
            "s2v2.json",
            "GPT_SoVITS/configs/s2v2.json",
            None,
            None,
            "GPT_SoVITS/configs/s2v2.json added (40 values).",
            "Ship it.",
        ),
    ),
    warnings=(AuditWarning("cannot read: invalid JSON at line 3, column 5", C2, "a.json"),),
)

EXTENSIONS = {
    OutputFormat.TABLE: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.SARIF: "sarif",
    OutputFormat.GITHUB: "github.txt",
}


def test_every_format_has_a_renderer() -> None:
    assert set(formats_of("scan").renderers) == set(OutputFormat)
    assert set(EXTENSIONS) == set(OutputFormat)


@pytest.mark.parametrize("output_format", list(OutputFormat))
def test_golden(output_format: OutputFormat) -> None:
    text = render(REPORT, output_format)
    golden = GOLDEN / f"report.{EXTENSIONS[output_format]}"
    if os.environ.get("MODEL_AUDIT_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert render(REPORT, output_format) == text


def test_json_follows_the_schema() -> None:
    document = json.loads(render(REPORT, OutputFormat.JSON))
    validate(document, "report")
    assert document["findings"][1]["old"] == [10, 8, 2, 2]
    assert document["commits"][0]["subject"] == "更大的说话人嵌入 (gin 1024)"


def test_empty_report_renders() -> None:
    empty = Report(repository="r", range="HEAD", commits_scanned=3)
    assert render(empty, OutputFormat.TABLE).strip() == (
        "0 critical, 0 high, 0 medium, 0 low, 0 info in 3 commits scanned"
    )
    validate(json.loads(render(empty, OutputFormat.JSON)), "report")


def test_a_tree_comparison_names_the_range_and_scans_no_commit() -> None:
    diff = replace(REPORT, commits_scanned=0, trees=("v1.0", "v2.0"))
    table = render(diff, OutputFormat.TABLE)
    assert "v1.0..v2.0 (tree comparison)" in table
    assert "between the trees of v1.0 and v2.0" in table
    assert "scanned" not in table and "更大的说话人嵌入" not in table
    markdown = render(diff, OutputFormat.MARKDOWN)
    assert "in `v1.0..v2.0` (tree comparison)" in markdown
    assert "between the trees of `v1.0` and `v2.0`." in markdown
    assert "scanned" not in markdown.replace("not everything was scanned", "")
    github = render(diff, OutputFormat.GITHUB)
    assert "Trees compared: v1.0..v2.0" in github and "Commit:" not in github
    assert render(diff, OutputFormat.JSON) == render(
        replace(REPORT, commits_scanned=0), OutputFormat.JSON
    )

"""Findings judged by runtime confirmation (``scan --confirm``): their verdict and evidence in
every renderer, beside findings no runtime judged; golden files compared byte for byte."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.classify.mirrors import group_mirrors
from auditor.domain import Category, ChangeKind, Commit, Confidence, Finding, Report, Severity
from auditor.render import OutputFormat, render
from auditor.render.github import summary_markdown
from auditor.render.runtime_notes import short_evidence
from tests.conftest import validate
from tests.render.test_sarif import sarif_validator

GOLDEN = Path(__file__).parent / "golden"
C1, C0 = "1" * 40, "0" * 40
EMBEDDING = "TextEncoder.__init__.self.text_embedding.num_embeddings"
SILENT = (
    "sovits: the old weights load into the new model, every shape fits, and its output differs "
    "from the old model's on the same inputs (relative error 0.731, tolerance 0.0001): the "
    "model computes something else"
)


def finding(
    ident: str,
    rule: str,
    file: str,
    line: int,
    key: str,
    old: object,
    new: object,
    *,
    severity: Severity = Severity.CRITICAL,
    category: Category = Category.TENSOR_SHAPE,
    runtime: str | None = None,
    evidence: str | None = None,
    confidence: Confidence = Confidence.MEDIUM,
    message: str = "",
) -> Finding:
    return Finding(
        ident * 16, rule, ChangeKind.MODIFIED, C1, C0, file, line, severity, confidence,
        category, key.rpartition(".")[2], key, old, new,  # type: ignore[arg-type]
        message or f"{key}: {old} → {new}.", "Retrain.", runtime=runtime,
        runtime_evidence=evidence,
    )  # fmt: skip


REPORT = Report(
    repository="GPT-SoVITS",
    range="85a57be..20240821v2",
    commits_scanned=112,
    commits=(Commit(C1, C0, "2024-08-21T12:00:00+00:00", "Ada", "v2: bigger symbol table"),),
    findings=group_mirrors(
        [
            finding(
                "a",
                "MA102",
                "GPT_SoVITS/module/models.py",
                194,
                EMBEDDING,
                322,
                732,
                runtime="confirmed",
                confidence=Confidence.HIGH,
                evidence="sovits: enc_p.text_embedding.weight [322, 192] -> [732, 192]; "
                "sovits@v2: enc_p.text_embedding.weight [322, 192] -> [732, 192]",
            ),
            finding(
                "b",
                "MA102",
                "GPT_SoVITS/module/models_onnx.py",
                160,
                EMBEDDING,
                322,
                732,
                runtime="confirmed",
                confidence=Confidence.HIGH,
                evidence="sovits: enc_p.text_embedding.weight [322, 192] -> [732, 192]",
            ),
            finding(
                "c",
                "MA101",
                "GPT_SoVITS/configs/s2.json",
                31,
                "data.filter_length",
                2048,
                1024,
                runtime="refuted",
                confidence=Confidence.LOW,
                evidence="sovits, sovits@v2: every state-dict key and shape is the same at "
                "both revisions",
            ),
            finding(
                "d",
                "MA101",
                "GPT_SoVITS/configs/s1longer.yaml",
                12,
                "model.embedding_dim",
                512,
                1024,
                runtime="not-checked",
                evidence="gpt: build-failed; gpt@v2: build-failed",
            ),
            finding(
                "e",
                "MA110",
                "GPT_SoVITS/configs/s2.json",
                40,
                "model.upsample_rates",
                [10, 8, 2, 2],
                [10, 6, 2, 2, 2],
                severity=Severity.HIGH,
                category=Category.INPUT_FEATURES,
            ),
            finding(
                "f",
                "MA601",
                "GPT_SoVITS/configs/s2.json",
                0,
                "sovits.output",
                None,
                None,
                severity=Severity.HIGH,
                category=Category.RUNTIME,
                runtime="confirmed",
                confidence=Confidence.HIGH,
                message=SILENT,
                evidence=SILENT,
            ),
        ]
    ),
)
EXTENSIONS = {
    OutputFormat.TABLE: "txt",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.GITHUB: "github.txt",
}


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MODEL_AUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("output_format", list(EXTENSIONS))
def test_golden(output_format: OutputFormat) -> None:
    golden(f"runtime.{EXTENSIONS[output_format]}", render(REPORT, output_format))


def test_job_summary_golden() -> None:
    golden("runtime.summary.md", summary_markdown(REPORT))


def squeeze(text: str) -> str:
    return "".join(text.split())


def column(text: str, rule_and_key: str, index: int) -> str:
    """The text, without spaces, of column INDEX in the table row of RULE_AND_KEY (the rule
    and the first characters of the parameter, spaces removed)."""
    lines = text.splitlines()
    starts = [
        i for i, line in enumerate(lines) if line.startswith("│") and line.split("│")[2].strip()
    ]
    first = next(
        i for i in starts if squeeze("".join(lines[i].split("│")[2:4])).startswith(rule_and_key)
    )
    end = next((i for i in starts if i > first), len(lines) - 3)
    return squeeze("".join(line.split("│")[index] for line in lines[first:end] if "│" in line))


def test_table_gives_each_verdict_and_its_first_evidence() -> None:
    text = render(REPORT, OutputFormat.TABLE)
    lines = text.splitlines()
    assert lines[2].split("┃")[-2].strip() == "runtime"
    assert column(text, "MA102TextEncoder", 6) == "confirmed"
    # the primary's evidence, its first item, and how many more, under the change
    assert column(text, "MA102TextEncoder", 4) == squeeze(
        "322 → 732 sovits: enc_p.text_embedding.weight [322, 192] -> [732, 192] (+1 more)"
    )
    assert "GPT_SoVITS/module/models_onnx.py:160" in column(text, "MA102TextEncoder", 5)
    assert column(text, "MA101data.filter", 6) == "refuted"
    assert column(text, "MA101model.embedding", 6) == "not-checked"
    assert column(text, "MA101model.embedding", 4) == squeeze(
        "512 → 1024 gpt: build-failed (+1 more)"
    )
    assert column(text, "MA110model.upsample", 6) == ""  # not judged: an empty cell
    assert column(text, "MA601sovits.output", 4).startswith(
        squeeze("differs at runtime sovits: the old weights")
    )
    assert " ".join(lines[-2:]) == (
        "3 critical, 2 high, 0 medium, 0 low, 0 info in 112 commits scanned (1 more in mirror "
        "files, 2 confirmed, 1 refuted, 1 not-checked at runtime)"
    )


def test_markdown_gives_the_verdict_and_evidence_under_each_finding() -> None:
    text = render(REPORT, OutputFormat.MARKDOWN)
    assert (
        "Runtime confirmation (the models built at both ends): 2 confirmed, 1 refuted, "
        "1 not-checked."
    ) in text
    assert (
        "  - runtime: **confirmed**: sovits: enc\\_p.text\\_embedding.weight \\[322, 192\\] -\\> "
        "\\[732, 192\\]; sovits@v2: enc\\_p.text\\_embedding.weight \\[322, 192\\] "
        "-\\> \\[732, 192\\]"
    ) in text
    assert "  - runtime: **refuted**: sovits, sovits@v2: every state-dict key" in text
    # a finding the runtime made: its evidence is its message, said once
    entry = text[text.index("(MA601") :]
    assert "  - runtime: **confirmed**\n  - what to do:" in entry
    assert text.count("relative error 0.731") == 1
    upsample = text[text.index("model.upsample_rates") :].split("\n- ", 1)[0]
    assert "runtime" not in upsample


def test_github_annotations_and_summary_say_the_verdict() -> None:
    annotations = render(REPORT, OutputFormat.GITHUB).splitlines()
    assert len(annotations) == 6  # one per file: the mirror too
    first = annotations[0]
    assert first.endswith(
        "%0ARuntime: confirmed: sovits: enc_p.text_embedding.weight [322, 192] -> [732, 192]; "
        "sovits@v2: enc_p.text_embedding.weight [322, 192] -> [732, 192]"
    )
    assert not any("Runtime" in line for line in annotations if "MA110" in line)
    assert next(line for line in annotations if "MA601" in line).endswith("%0ARuntime: confirmed")
    summary = summary_markdown(REPORT).splitlines()
    assert summary[4].endswith("| commit | runtime |")
    assert summary[5] == "|" + " --- |" * 7
    refuted = next(line for line in summary if "filter_length" in line)
    assert refuted.endswith("| **refuted** sovits, sovits@v2: every state-dict key and shape is "
                            "the same at both revisions |")  # fmt: skip


def test_machine_formats_carry_the_verdict() -> None:
    document = json.loads(render(REPORT, OutputFormat.JSON))
    validate(document, "report")
    assert [f.get("runtime") for f in document["findings"]] == [
        "confirmed", "confirmed", "refuted", "not-checked", None, "confirmed",
    ]  # fmt: skip
    sarif = json.loads(render(REPORT, OutputFormat.SARIF))
    sarif_validator().validate(sarif)
    properties = [r["properties"] for r in sarif["runs"][0]["results"]]
    assert properties[2]["runtime"] == "refuted"
    assert properties[2]["runtimeEvidence"].startswith("sovits, sovits@v2: every state-dict")
    assert "runtime" not in properties[4]
    # the runtime's own finding points at its rule in the catalogue
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    silent = sarif["runs"][0]["results"][5]
    assert rules[silent["ruleIndex"]]["id"] == silent["ruleId"] == "MA601"
    assert rules[silent["ruleIndex"]]["properties"] == {"severity": "high", "category": "runtime"}


@pytest.mark.parametrize(
    ("evidence", "short"),
    [
        ("gpt: build-failed", "gpt: build-failed"),
        ("a: x [1] -> [2]; b: y [1] -> [2]", "a: x [1] -> [2] (+1 more)"),
        ("a: x; b: y; c: z …", "a: x (+2 more …)"),
        ("sovits: " + "word " * 30, "sovits: " + "word " * 16 + "…"),
    ],
)
def test_short_evidence(evidence: str, short: str) -> None:
    judged = finding("a", "MA101", "f.json", 1, "k", 1, 2, runtime="confirmed", evidence=evidence)
    assert short_evidence(judged) == short

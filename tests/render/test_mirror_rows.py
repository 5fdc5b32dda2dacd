"""A change repeated in a mirror copy (models.py and models_onnx.py) renders as one change."""

from __future__ import annotations

import json

from auditor.classify.mirrors import group_mirrors
from auditor.domain import Category, ChangeKind, Commit, Confidence, Finding, Report, Severity
from auditor.render import OutputFormat, render
from auditor.render.github import summary_markdown
from auditor.render.table import render as render_table
from tests.conftest import validate

C1, C0 = "1" * 40, "0" * 40
KEY = "SynthesizerTrn.__init__.self.ref_encoder"
MESSAGE = (
    "SynthesizerTrn: submodule likely renamed ref_enc → ref_encoder (checkpoint keys ref_enc.* "
    "become ref_encoder.*): its state-dict keys move with it."
)


def renamed(ident: str, file: str, line: int) -> Finding:
    return Finding(
        ident * 16, "MA504", ChangeKind.RENAMED, C1, C0, file, line, Severity.MEDIUM,
        Confidence.MEDIUM, Category.STATE_DICT_KEYS, "ref_encoder", KEY, "ref_enc",
        "ref_encoder", MESSAGE, "Rename the keys of old checkpoints.",
    )  # fmt: skip


REPORT = Report(
    repository="mini_sovits",
    range="v3.0..v3.1",
    commits_scanned=4,
    commits=(Commit(C1, C0, "2024-03-01T12:00:00+00:00", "Ada", "Rename ref_enc"),),
    findings=group_mirrors(
        [
            renamed("a", "GPT_SoVITS/module/models.py", 526),
            renamed("b", "GPT_SoVITS/module/models_onnx.py", 88),
        ]
    ),
)


def test_json_keeps_both_findings_and_names_the_primary() -> None:
    document = json.loads(render(REPORT, OutputFormat.JSON))
    validate(document, "report")
    assert [(f["file"], f.get("mirror_of"), f["change"]) for f in document["findings"]] == [
        ("GPT_SoVITS/module/models.py", None, "renamed"),
        ("GPT_SoVITS/module/models_onnx.py", "a" * 16, "renamed"),
    ]


def test_table_shows_one_row_with_both_locations() -> None:
    text = render_table(REPORT, width=200)
    rows = [line for line in text.splitlines() if "MA504" in line]
    assert len(rows) == 1
    assert "renamed ref_enc → ref_encoder" in rows[0]
    assert "GPT_SoVITS/module/models.py:526" in rows[0]
    below = text.splitlines()[text.splitlines().index(rows[0]) + 1]
    assert "GPT_SoVITS/module/models_onnx.py:88" in below
    assert text.splitlines()[-1] == (
        "0 critical, 0 high, 1 medium, 0 low, 0 info in 4 commits scanned (1 more in mirror files)"
    )


def test_markdown_lists_one_entry_with_both_locations() -> None:
    text = render(REPORT, OutputFormat.MARKDOWN)
    assert "load after these changes: no — 1 medium change**\n" in text
    assert "0 critical, 0 high, 1 medium, 0 low, 0 info in 4 commits scanned." in text
    assert "### Medium (1)" in text
    assert (
        f"- **`{KEY}`: likely renamed `ref_enc` → `ref_encoder`** (MA504 `submodule-renamed`)"
    ) in text
    assert (
        "  - where: `GPT_SoVITS/module/models.py:526`, `GPT_SoVITS/module/models_onnx.py:88` in "
        "`1111111` Rename ref\\_enc"
    ) in text


def test_github_annotates_each_file_and_summarises_one_row() -> None:
    annotations = render(REPORT, OutputFormat.GITHUB).splitlines()
    assert [line.split(",", 1)[0] for line in annotations] == [
        "::warning file=GPT_SoVITS/module/models.py",
        "::warning file=GPT_SoVITS/module/models_onnx.py",
    ]
    rows = [line for line in summary_markdown(REPORT).splitlines() if "MA504" in line]
    assert len(rows) == 1
    assert "`GPT_SoVITS/module/models.py:526`, `GPT_SoVITS/module/models_onnx.py:88`" in rows[0]

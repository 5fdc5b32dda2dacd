"""GitHub Actions workflow commands and the job summary the CLI appends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.domain import Severity
from auditor.render.github import (
    annotation,
    command,
    escape_data,
    escape_property,
    render,
    summary_markdown,
)
from tests.gitrepo import GitRepo
from tests.render.test_renderers import REPORT
from tests.test_cli import run

GIN = REPORT.findings[0]


def test_data_escapes_percent_and_line_breaks() -> None:
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_data("a: b, c") == "a: b, c"


def test_properties_also_escape_colon_and_comma() -> None:
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert command("notice", {"file": "x,y.json", "title": "t:1"}, "m\n::x") == (
        "::notice file=x%2Cy.json,title=t%3A1::m%0A::x"
    )
    assert command("warning", {}, "bare") == "::warning::bare"


def test_a_hostile_subject_cannot_start_another_command() -> None:
    commit = replace(REPORT.commits[0], subject="ok\n::error::forged, 100%")
    line = annotation(replace(REPORT, commits=(commit,)), GIN)
    assert line is not None
    assert "\n" not in line
    assert line.endswith("Commit: 1111111 ok%0A::error::forged, 100%25")


@pytest.mark.parametrize(
    ("severity", "name"),
    [
        (Severity.CRITICAL, "::error "),
        (Severity.HIGH, "::error "),
        (Severity.MEDIUM, "::warning "),
        (Severity.LOW, "::notice "),
    ],
)
def test_levels(severity: Severity, name: str) -> None:
    line = annotation(REPORT, replace(GIN, severity=severity))
    assert line is not None
    assert line.startswith(name)
    assert f"title=MA101 {severity.value}%3A model.gin_channels 512 → 1024::" in line


def test_info_findings_get_no_annotation_and_line_0_no_line() -> None:
    assert annotation(REPORT, replace(GIN, severity=Severity.INFO)) is None
    info_only = replace(REPORT, findings=(replace(GIN, severity=Severity.INFO),), warnings=())
    assert render(info_only) == ""
    file_added = annotation(REPORT, REPORT.findings[2])
    assert file_added is not None
    assert "line=" not in file_added
    assert file_added.startswith("::notice file=GPT_SoVITS/configs/s2v2.json,title=MA301 low")


def test_summary_is_a_table_with_escaped_cells() -> None:
    odd = replace(GIN, key="model.a|b", new="x|y")
    commit = replace(REPORT.commits[0], subject="fix *all* the <things> | more")
    text = summary_markdown(replace(REPORT, commits=(commit,), findings=(odd,)))
    assert "| severity | rule | parameter | change | location | commit |" in text
    assert (
        r"| critical | MA101 | `model.a\|b` | `512` → `"
        r'"x\|y"` | `GPT_SoVITS/configs/s2.json:41` | '
        r"`1111111` fix \*all\* the \<things\> \| more |"
    ) in text
    assert "load after these changes: no — 1 critical change" in text


def test_cli_appends_the_job_summary(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": '{"model": {"gin_channels": 512}}\n'})
    repo.commit("更大的说话人嵌入", {"configs/s2.json": '{"model": {"gin_channels": 1024}}\n'})
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(capsys, "scan", str(repo.path), "--no-cache", "--format", "github")
    assert code == 0
    assert out.startswith("::error file=configs/s2.json,line=1,title=MA101 critical%3A ")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### model-audit: `HEAD`\n")
    assert "更大的说话人嵌入" in text
    assert "| critical | MA101 | `model.gin_channels` | `512` → `1024` |" in text

    run(capsys, "scan", str(repo.path), "--no-cache", "--format", "json")
    assert summary.read_text(encoding="utf-8") == text


def test_an_unwritable_summary_is_a_warning(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": '{"model": {"gin_channels": 512}}\n'})
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    code, out, err = run(capsys, "scan", str(repo.path), "--no-cache", "--format", "github")
    assert code == 0
    assert out == ""
    assert "warning: cannot write the job summary to" in err

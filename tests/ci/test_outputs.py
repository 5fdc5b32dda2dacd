"""Step outputs: ``name=value`` lines, the heredoc form for multiline values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.ci.outputs import format_outputs, step_outputs, write_outputs
from auditor.domain import Report, Severity
from auditor.errors import AuditError
from auditor.render.github import summary_markdown
from tests.render.test_mirror_rows import REPORT as MIRRORED
from tests.render.test_renderers import REPORT


def test_single_line_values() -> None:
    assert format_outputs({"findings": "3", "max-severity": "high"}) == (
        "findings=3\nmax-severity=high\n"
    )


def test_multiline_values_use_a_delimiter() -> None:
    text = format_outputs({"report": "a\nb", "x": "1"}, delimiter="EOF_1")
    assert text == "report<<EOF_1\na\nb\nEOF_1\nx=1\n"


def test_a_value_holding_the_delimiter_is_refused() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        format_outputs({"report": "a\nEOF_1\nsarif=evil"}, delimiter="EOF_1")


def test_the_default_delimiter_is_random() -> None:
    first = format_outputs({"v": "a\nb"}).splitlines()[0]
    second = format_outputs({"v": "a\nb"}).splitlines()[0]
    assert first.startswith("v<<ghadelimiter_")
    assert first != second


def test_step_outputs_name_the_worst_severity() -> None:
    worst = max(REPORT.findings, key=lambda finding: finding.severity.rank).severity
    outputs = step_outputs(REPORT, "r.json", None)
    assert outputs["findings"] == str(len(REPORT.findings))
    assert outputs["max-severity"] == worst.value
    assert (outputs["report"], outputs["sarif"]) == ("r.json", "")


def test_no_findings_is_none() -> None:
    outputs = step_outputs(Report(repository=".", range="HEAD", commits_scanned=0), "r", "s")
    assert outputs == {
        "findings": "0",
        "critical": "0",
        "high": "0",
        "medium": "0",
        "low": "0",
        "info": "0",
        "max-severity": "none",
        "report": "r",
        "sarif": "s",
    }


def test_the_counts_are_the_job_summarys_in_severity_order() -> None:
    """A change repeated in a mirror file counts once, as in the summary's counts line."""
    report = replace(MIRRORED, findings=(*MIRRORED.findings, *REPORT.findings))
    outputs = step_outputs(report, "r.json", None)
    counts = [name for name in outputs if name in {s.value for s in Severity}]
    assert counts == ["critical", "high", "medium", "low", "info"]
    line = next(x for x in summary_markdown(report).splitlines() if x.endswith("scanned."))
    assert line.startswith(", ".join(f"{outputs[name]} {name}" for name in counts) + " in ")
    assert outputs["findings"] == str(sum(int(outputs[name]) for name in counts))
    assert int(outputs["findings"]) == len(report.findings) - 1


def test_write_outputs_appends_to_the_named_file(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier=1\n", encoding="utf-8")
    assert write_outputs({"findings": "2"}, {"GITHUB_OUTPUT": str(path)})
    assert path.read_text(encoding="utf-8") == "earlier=1\nfindings=2\n"


def test_without_github_output_nothing_is_written() -> None:
    assert not write_outputs({"findings": "2"}, {})


def test_an_unwritable_output_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="cannot write the step outputs"):
        write_outputs({"findings": "2"}, {"GITHUB_OUTPUT": str(tmp_path / "no" / "such")})

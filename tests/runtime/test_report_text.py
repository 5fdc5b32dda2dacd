"""``model-audit runtime``'s table: no line of it ends in a space."""

from __future__ import annotations

import pytest

from auditor.runtime.report_text import render_table
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport

REPORT = RuntimeReport(
    repository="GPT-SoVITS",
    profile="gpt-sovits",
    old="20240821v2",
    new="20250606v2pro",
    old_sha="0" * 40,
    new_sha="1" * 40,
    device="cpu",
    models=(ModelResult(name="sovits", outcome=Outcome.LOADS),),
)


@pytest.mark.parametrize("width", [120, 80, 40])
def test_no_line_ends_in_a_space(width: int) -> None:
    text = render_table(REPORT, width=width)
    title = "runtime: 20240821v2 (0000000) -> 20250606v2pro (1111111), profile gpt-sovits"
    assert " ".join(text.split()).startswith(title)  # the title wraps to the table's width
    assert [line for line in text.splitlines() if line != line.rstrip()] == []

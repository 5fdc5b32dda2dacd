"""The terminal table: keys and locations fold at any width, never cut or read as markup."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.render.table import render
from tests.render.test_renderers import REPORT

FILE = "GPT_SoVITS/module/some_rather_long_folder_name/models.py"
KEY = "SynthesizerTrn.__init__{}.self.enc_p.text_embedding.num_embeddings"
KEYS = (KEY.format(""), KEY.format("[version=v2Pro]"))
FINDING = REPORT.findings[0]
QUALIFIED = replace(
    REPORT,
    findings=(
        replace(FINDING, key=KEYS[0], file=FILE, line=1234),
        replace(FINDING, id="b" * 16, key=KEYS[1], file=FILE, line=1240),
    ),
    warnings=(),
)


COLUMNS = ("severity", "rule", "parameter", "change", "location")


def column(text: str, name: str) -> list[str]:
    """The cells of column NAME, each put back together from its folded lines (a narrow
    table folds its headers too, so columns are found by their order)."""
    index = COLUMNS.index(name) + 1
    cells: list[str] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        parts = [cell.strip() for cell in line.split("│")]
        if parts[1]:  # the severity: a new row
            cells.append("")
        cells[-1] += parts[index]
    return cells


@pytest.mark.parametrize("width", [200, 120, 80, 60, 40])
def test_keys_differing_in_a_qualifier_stay_whole(width: int) -> None:
    text = render(QUALIFIED, width=width)
    assert column(text, "parameter") == list(KEYS)
    assert column(text, "location") == [f"{FILE}:1234", f"{FILE}:1240"]


def test_brackets_in_a_commit_subject_are_kept() -> None:
    commit = replace(REPORT.commits[0], subject="[fix] keep [version=v2] keys")
    text = render(replace(QUALIFIED, commits=(commit, *REPORT.commits[1:])))
    assert "[fix] keep [version=v2] keys" in text.splitlines()[0]


def test_no_line_ends_in_a_space() -> None:
    assert all(line == line.rstrip() for line in render(QUALIFIED, width=80).splitlines())

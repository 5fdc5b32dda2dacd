"""``model-audit runtime``'s table: no line of it ends in a space; stubs and timings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.runtime.report_text import render_table, runtime_document
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport, Timings
from tests.conftest import validate

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


def test_stubbed_imports_and_timings_are_shown() -> None:
    times = Timings("cpu", old_build=0.412, new_build=0.39, load=0.02, old_inference=0.1)
    model = ModelResult(
        name="sovits",
        outcome=Outcome.LOADS,
        old_tensors=2,
        new_tensors=2,
        stubbed_imports=("faiss", "librosa"),
        timings=replace(times, new_inference=0.0912),
    )
    text = " ".join(render_table(replace(REPORT, models=(model,)), width=200).split())
    assert "built with stubbed imports: faiss, librosa" in text
    assert "times on cpu: build 0.412 s -> 0.39 s, load 0.02 s, inference 0.1 s -> 0.0912 s" in text
    document = runtime_document(replace(REPORT, models=(model,)))
    validate(document, "runtime")
    assert document["models"][0]["timings"] == {
        "device": "cpu",
        "old_build": 0.412,
        "new_build": 0.39,
        "load": 0.02,
        "old_inference": 0.1,
        "new_inference": 0.0912,
    }


def test_a_model_built_at_one_revision_only_says_which_times_it_has() -> None:
    model = ModelResult(
        name="sovits",
        outcome=Outcome.BUILD_FAILED,
        error="TypeError: bad",
        side="new",
        stubbed_imports=("faiss",),
        timings=Timings("meta", old_build=0.25),
    )
    text = render_table(replace(REPORT, models=(model,)), width=200)
    assert "stubbed imports: faiss" in text and "built with" not in text
    assert "times on meta: build 0.25 s (old)" in text
    bare = render_table(replace(REPORT, models=(ModelResult("sovits", Outcome.LOADS),)))
    assert "times" not in bare and "stubbed" not in bare

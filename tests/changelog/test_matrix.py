"""The compatibility matrix composes per-model verdicts across releases."""

from __future__ import annotations

from auditor.changelog.markdown import render_matrix
from auditor.changelog.matrix import build_matrix
from auditor.classify.effects import Effect, Loads
from tests.changelog.helpers import entry, section, verdict


def test_cells_compose_the_releases_between_row_and_column() -> None:
    shape = entry("model.hidden", commits=("b",))
    inputs = entry("data.hop", effect=Effect.INPUTS, commits=("c",))
    sections = [  # newest first, as a changelog holds them
        section("v4", verdict("gen"), verdict("gpt")),
        section("v3", verdict("gen", Loads.NO, inputs)),
        section("v2", verdict("gen", Loads.NO, shape), verdict("gpt")),
        section("v1", verdict("gen"), verdict("gpt")),
    ]
    matrix = build_matrix(sections)
    assert matrix.releases == ("v1", "v2", "v3", "v4")
    rows = {(row.model, row.release): [c.status for c in row.cells] for row in matrix.rows}
    assert rows[("gen", "v1")] == ["same", "fails", "fails", "fails"]
    assert rows[("gen", "v2")] == ["earlier", "same", "output-differs", "output-differs"]
    assert rows[("gen", "v3")] == ["earlier", "earlier", "same", "loads"]
    # v3 ships no GPT stage: its cell says so, and v2's checkpoints still load at v4
    assert rows[("gpt", "v2")] == ["earlier", "same", "absent", "loads"]
    assert ("gpt", "v3") not in rows


def test_markdown_names_a_deciding_change_once_per_row() -> None:
    shape = entry("model.hidden", commits=("b",))
    sections = [
        section("v3", verdict("gen")),
        section("v2", verdict("gen", Loads.NO, shape)),
        section("v1", verdict("gen")),
    ]
    text = render_matrix(build_matrix(sections), None)
    assert "| Checkpoint from | v1 | v2 | v3 |" in text
    assert "| gen @ v1 | · | fails (`bbbbbbb`: `model.hidden`) | fails |" in text
    assert "| gen @ v2 |  | · | loads |" in text
    assert "gen @ v3" not in text  # the newest release's own checkpoints: no later column


def test_no_trained_model_is_said() -> None:
    assert "No trained model found" in render_matrix(build_matrix([section("v1")]), None)

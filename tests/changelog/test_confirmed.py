"""Matrix cells confirmed at runtime: one confirmation per pair of releases, static cells
kept where the runtime cannot decide, and a note (never a traceback) when it cannot run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.changelog.confirmed import (
    NO_TORCH,
    confirm_changelog,
    confirm_matrix,
    confirmed_cell,
)
from auditor.changelog.contents import Changelog, Section
from auditor.changelog.context import changelog_to_dict
from auditor.changelog.markdown import render_matrix
from auditor.changelog.matrix import Cell, build_matrix
from auditor.classify.effects import Loads
from auditor.runtime.process import WorkerError
from auditor.runtime.profile import parse_profile
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport, ShapeMismatch
from tests.changelog.helpers import entry, release, verdict
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run as run_cli
from tests.tiny_models import NETS, tiny_profile

PROFILE = parse_profile(tiny_profile("net:Net"), "tiny")


def _sections() -> list[Section]:
    shape = entry("model.width", commits=("b",), models=("gen",), finding_ids=("0123456789abcdef",))
    return [
        Section(release("v3", "v2", "3" * 40, "2" * 40), (), 1, models=(verdict("gen"),)),
        Section(
            release("v2", "v1", "2" * 40, "1" * 40),
            (),
            1,
            models=(verdict("gen", Loads.NO, shape),),
        ),
        Section(release("v1", None, "1" * 40, None), (), 1, models=(verdict("gen"),)),
    ]


def _report(old: str, new: str, *results: ModelResult) -> RuntimeReport:
    return RuntimeReport("repo", "tiny", old, new, old, new, "cpu", results)


def test_each_pair_is_confirmed_once_and_decides_its_cells() -> None:
    asked: list[tuple[str, str]] = []

    def run(old: str, new: str) -> RuntimeReport:
        asked.append((old[0], new[0]))
        if new[0] == "2" or old[0] == "1":
            mismatch = ShapeMismatch("proj.weight", (4, 4), (8, 8))
            return _report(
                old, new, ModelResult("net", Outcome.FAILS_TO_LOAD, mismatches=(mismatch,))
            )
        return _report(old, new, ModelResult("net", Outcome.LOADS_OUTPUT_DIFFERS))

    def unavailable(old: str, new: str) -> RuntimeReport:
        return _report(old, new, ModelResult("net", Outcome.UNAVAILABLE, error="no faiss"))

    sections = _sections()
    done = confirm_matrix(build_matrix(sections), sections, {"gen": "net"}, PROFILE, run)
    assert sorted(asked) == [("1", "2"), ("1", "3"), ("2", "3")]
    rows = {row.release: row.cells for row in done.matrix.rows}
    v1 = rows["v1"]
    assert [c.status for c in v1] == ["same", "fails", "fails"]
    assert all(c.confirmed for c in v1[1:])
    assert v1[1].evidence == "proj.weight [4, 4] -> [8, 8]"
    assert v1[1].entry is not None and v1[1].entry.key == "model.width"  # the runtime agrees
    # the static audit saw no break from v2 to v3; the runtime's outputs differ
    assert rows["v2"][2] == Cell("output-differs", None, confirmed=True, evidence=None)
    text = render_matrix(done.matrix, None, done)
    assert "fails (runtime: `proj.weight [4, 4] -> [8, 8]`; `bbbbbbb`: `model.width`)" in text
    assert "| fails (runtime) |" in text  # the same change, named once to the left
    assert "Cells marked `runtime` were confirmed" in text and "profile `tiny`" in text
    static = build_matrix(sections)
    kept = confirm_matrix(static, sections, {"gen": "net"}, PROFILE, unavailable)
    assert kept.matrix == static
    assert kept.notes[0] == "v1 → v2: net not decided (unavailable: no faiss)"


def test_a_failing_cell_whose_tensors_a_migration_converts_is_migratable() -> None:
    rows = ShapeMismatch("enc_p.text_embedding.weight", (3, 4), (4, 4))
    wider = ShapeMismatch("proj.weight", (4, 4), (8, 8))

    def run(old: str, new: str) -> RuntimeReport:
        mismatch = rows if old[0] == "1" else wider
        failed = ModelResult("net", Outcome.FAILS_TO_LOAD, mismatches=(mismatch,))
        return _report(old, new, failed)

    def migrate(report: RuntimeReport, result: ModelResult) -> str | None:
        assert report.old_sha[0] in "12"
        if result.mismatches[0] == rows:
            return "enc_p.text_embedding.weight: 3 rows copied by symbol"
        return None

    sections = _sections()
    done = confirm_matrix(build_matrix(sections), sections, {"gen": "net"}, PROFILE, run, migrate)
    cells = {row.release: row.cells for row in done.matrix.rows}
    assert [c.status for c in cells["v1"]] == ["same", "migratable", "migratable"]
    assert cells["v2"][2].status == "fails"  # no plan converts a wider projection
    first = cells["v1"][1]
    assert first.migration == "enc_p.text_embedding.weight: 3 rows copied by symbol"
    assert first.entry is not None and first.entry.key == "model.width"  # the static break
    text = render_matrix(done.matrix, None, done)
    assert (
        "migratable (runtime: `enc_p.text_embedding.weight [3, 4] -> [4, 4]`; "
        "migrate: `enc_p.text_embedding.weight: 3 rows copied by symbol`; "
        "`bbbbbbb`: `model.width`)"
    ) in text
    assert "`migratable` fails to load, but `model-audit migrate` converts" in text
    document = changelog_to_dict(Changelog("repo", tuple(sections)), confirmed=done)
    validate(document, "changelog")
    (v1,) = [row for row in document["matrix"]["rows"] if row["release"] == "v1"]
    assert v1["cells"][1]["status"] == "migratable"
    assert v1["cells"][1]["migration"] == first.migration
    # a loading cell is never migratable, whatever a plan says
    loads = ModelResult("net", Outcome.LOADS)
    assert confirmed_cell(Cell("loads"), loads, "x") == Cell("loads", None, True, None)


def test_cells_the_runtime_cannot_decide_stay_static() -> None:
    static = Cell("fails", entry())
    for outcome in (Outcome.UNAVAILABLE, Outcome.TIMEOUT, Outcome.CRASHED):
        assert confirmed_cell(static, ModelResult("net", outcome)) is static
    old_side = ModelResult("net", Outcome.BUILD_FAILED, error="boom", side="old")
    assert confirmed_cell(static, old_side) is static
    new_side = ModelResult("net", Outcome.BUILD_FAILED, error="boom", side="new")
    assert confirmed_cell(static, new_side) == Cell("fails", static.entry, True, "boom")
    keys = ModelResult(
        "net",
        Outcome.LOADS_WITH_MISSING_KEYS,
        missing_keys=("sv_emb.weight", "sv_emb.bias", "ge.weight"),
    )
    assert confirmed_cell(static, keys).evidence == (
        "3 keys missing (sv_emb.weight, sv_emb.bias, … 1 more)"
    )


def test_a_worker_that_cannot_run_stops_the_confirmation_with_a_note() -> None:
    calls = []

    def run(old: str, new: str) -> RuntimeReport:
        calls.append(old)
        raise WorkerError("torch is not installed for /usr/bin/python3")

    sections = _sections()
    static = build_matrix(sections)
    done = confirm_matrix(static, sections, {"gen": "net"}, PROFILE, run)
    assert len(calls) == 1 and done.matrix == static
    assert done.notes == (
        "runtime confirmation stopped: torch is not installed for /usr/bin/python3",
    )


def test_without_torch_the_cells_stay_static(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    sections = _sections()
    done = confirm_changelog("repo", sections, {"gen": "net"})
    assert done.matrix == build_matrix(sections) and done.notes == (NO_TORCH,)
    assert done.profile is None
    text = render_matrix(done.matrix, None, done)
    assert "Static audit" in text and "needs torch" in text


MODEL_MAP = """
models:
  - name: net
    runtime: net
concerns:
  - models: [net]
    files: ["nets.py", "conf.json"]
"""


def _tagged(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    own = {".model-audit-profile.yaml": tiny_profile("net:Net")}
    repo.commit("nets", {"nets.py": NETS, "conf.json": '{"width": 4}', **own})
    repo.git("tag", "v1")
    repo.commit("document", {"README.md": "nets\n"})
    repo.git("tag", "v2")
    repo.commit("wider", {"conf.json": '{"width": 8}'})
    repo.git("tag", "v3")
    return repo


@pytest.mark.torch
def test_confirm_cli_builds_each_pair(
    make_repo: Callable[..., GitRepo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = _tagged(make_repo)
    model_map = tmp_path / "models.yaml"
    model_map.write_text(MODEL_MAP, encoding="utf-8")
    args = ["changelog", str(repo.path), "--all-tags", "--no-cache", "--model-map", str(model_map)]
    code, out, err = run_cli(capsys, *args, "--confirm", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "changelog")
    matrix = document["matrix"]
    assert matrix["runtime"] == {"profile": "tiny", "notes": []}
    cells = {row["release"]: row["cells"] for row in matrix["rows"]}
    assert [(c["status"], c["confirmed"]) for c in cells["v1"]] == [
        ("same", False),
        ("loads", True),
        ("fails", True),
    ]
    assert cells["v1"][2]["evidence"] == "proj.weight [4, 4] -> [8, 8] and 1 more"
    code, out, err = run_cli(capsys, *args, "--confirm")
    assert code == 2 and "--confirm confirms the compatibility matrix: add --matrix" in err


EMBEDDED = """
from torch import nn

from symbols import symbols


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)
        self.emb = nn.Embedding(len(symbols), width)
"""


@pytest.mark.torch
def test_confirm_cli_says_which_cells_a_migration_converts(
    make_repo: Callable[..., GitRepo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = make_repo()
    own = {".model-audit-profile.yaml": tiny_profile("net:Net")}
    files = {"nets.py": EMBEDDED, "conf.json": '{"width": 4}', **own}
    repo.commit("nets", {**files, "symbols.py": 'symbols = ["_", "a", "b"]\n'})
    repo.git("tag", "v1")
    repo.commit("japanese", {"symbols.py": 'symbols = ["_", "a", "ja", "b"]\n'})
    repo.git("tag", "v2")
    model_map = tmp_path / "models.yaml"
    model_map.write_text(MODEL_MAP.replace('"conf.json"', '"conf.json", "symbols.py"'), "utf-8")
    args = ["changelog", str(repo.path), "--all-tags", "--no-cache", "--model-map", str(model_map)]
    code, out, err = run_cli(capsys, *args, "--matrix", "--confirm", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "changelog")
    (row,) = [r for r in document["matrix"]["rows"] if r["release"] == "v1"]
    cell = row["cells"][1]
    assert (cell["status"], cell["confirmed"]) == ("migratable", True)
    assert cell["evidence"] == "emb.weight [3, 4] -> [4, 4]"
    assert cell["migration"] == (
        "emb.weight: 3 rows copied by symbol of symbols.py:symbols; 1 of them to another "
        "index; 1 new symbols from the initialisation"
    )

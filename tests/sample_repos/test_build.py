"""The sample-repository builder and the ``mini_sovits`` fixture it builds."""

from __future__ import annotations

import base64
import importlib
import json
import math
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sample_repos import build
from sample_repos.build import SampleError, build_sample

EXPECTED = json.loads(
    (build.SAMPLES_DIR / "mini_sovits" / "expected.json").read_text(encoding="utf-8")
)
TAGS = ("v1.0", "v2.0", "v3.0", "v3.1", "v3.2")
COMMITS = 38


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


def subjects(repo: Path) -> list[str]:
    return git(repo, "log", "--all", "--format=%s").splitlines()


def test_two_builds_give_identical_shas(mini_sovits: Path, tmp_path: Path) -> None:
    again = build_sample("mini_sovits", tmp_path / "again")
    refs = "for-each-ref", "--format=%(refname) %(objectname)"
    assert git(again, *refs) == git(mini_sovits, *refs)
    assert git(again, "rev-parse", "HEAD") == git(mini_sovits, "rev-parse", "HEAD")


def test_history_shape(mini_sovits: Path) -> None:
    assert git(mini_sovits, "tag", "--list").split() == list(TAGS)
    assert int(git(mini_sovits, "rev-list", "--count", "HEAD")) == COMMITS
    assert git(mini_sovits, "status", "--porcelain") == ""
    assert git(mini_sovits, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_subjects_are_unique_and_cover_expected(mini_sovits: Path) -> None:
    all_subjects = subjects(mini_sovits)
    assert len(all_subjects) == len(set(all_subjects))
    named = {f["commit"] for f in EXPECTED["findings"]}
    named |= {w["commit"] for w in EXPECTED["warnings"]} | set(EXPECTED["traps"])
    assert sorted(named - set(all_subjects)) == []


def test_merges_are_real_merge_commits(mini_sovits: Path) -> None:
    merges = git(mini_sovits, "log", "--merges", "--format=%P|%s").splitlines()
    assert len(merges) == 2
    for line in merges:
        parents, subject = line.split("|", 1)
        assert len(parents.split()) == 2, subject
        assert subject.startswith("Merge branch ")


def test_a_trap_never_has_a_finding_above_info() -> None:
    for finding in EXPECTED["findings"]:
        if finding["commit"] in EXPECTED["traps"]:
            assert finding["severity"] == "info", finding


# --- the builder on small synthetic samples ---------------------------------------------


def make_sample(root: Path, history: str, files: dict[str, str] | None = None) -> None:
    tree = root / "tiny" / "tree"
    tree.mkdir(parents=True)
    for name, text in (files or {"a.txt": "alpha\n"}).items():
        (tree / name).write_text(text, encoding="utf-8")
    (root / "tiny" / "history.yaml").write_text(history, encoding="utf-8")


@pytest.fixture
def samples_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(build, "SAMPLES_DIR", tmp_path / "samples")
    yield tmp_path / "samples"


def test_every_step_kind(samples_dir: Path, tmp_path: Path) -> None:
    payload = base64.b64encode(b"\xff\x00binary").decode()
    make_sample(
        samples_dir,
        f"""
- commit: {{subject: root}}
- branch: topic
- commit:
    subject: "édition: ✓"
    author: Ada <ada@example.com>
    rename: {{a.txt: docs/a.txt}}
    write: {{b.txt: "beta\\n"}}
    write_bytes: {{c.bin: "{payload}"}}
    replace: [{{path: docs/a.txt, old: "alpha", new: "ALPHA"}}]
- checkout: main
- commit: {{subject: side, write: {{d.txt: "delta\\n"}}}}
- merge: {{branch: topic, subject: "Merge branch 'topic'"}}
- commit: {{subject: cleanup, delete: [b.txt]}}
- tag: light
- tag: {{name: v1, message: first release}}
""",
    )
    repo = build_sample("tiny", tmp_path / "out")
    assert subjects(repo) == ["cleanup", "Merge branch 'topic'", "side", "édition: ✓", "root"]
    assert sorted(git(repo, "ls-files").split()) == ["c.bin", "d.txt", "docs/a.txt"]
    assert (repo / "c.bin").read_bytes() == b"\xff\x00binary"
    assert (repo / "docs" / "a.txt").read_text() == "ALPHA\n"
    assert git(repo, "log", "-1", "--format=%an|%aI", "HEAD~1^2").strip() == (
        "Ada|2024-01-02T12:00:00+00:00"
    )
    assert git(repo, "cat-file", "-t", "v1").strip() == "tag"
    assert git(repo, "cat-file", "-t", "light").strip() == "commit"


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (
            "- commit: {subject: r}\n"
            "- commit: {subject: x, replace: [{path: a.txt, old: beta, new: b}]}\n",
            "occurs 0 times",
        ),
        (
            "- commit: {subject: r}\n"
            "- commit: {subject: x, replace: [{path: a.txt, old: a, new: b}]}\n",
            "occurs 2 times",
        ),
        ("- commit: {subject: r}\n- commit: {subject: x}\n", "changes nothing"),
        ("- commit: {subject: r}\n- commit: {subject: x, delete: [zz]}\n", "missing 'zz'"),
        ("- commit: {subject: r, write: {../out.txt: x}}\n", "leaves the repository"),
        ("- tag: v1\n", "starting with a commit"),
        ("- commit: {subject: r}\n- rebase: main\n", "unknown step kind"),
        ("- commit: {subject: r}\n- merge: {branch: main}\n", "a merge needs"),
        ("- commit: {subject: r}\n- checkout: nope\n", "git checkout --quiet nope failed"),
        ("- commit: {subject: r, write: {a.txt: [unclosed}\n", "not valid YAML"),
    ],
)
def test_a_history_that_does_not_fit_fails_loudly(
    samples_dir: Path, tmp_path: Path, history: str, message: str
) -> None:
    make_sample(samples_dir, history, {"a.txt": "alpha\n"})
    with pytest.raises(SampleError, match=re.escape(message)):
        build_sample("tiny", tmp_path / "out")


def test_destination_must_be_absent_or_empty(samples_dir: Path, tmp_path: Path) -> None:
    make_sample(samples_dir, "- commit: {subject: r}\n")
    (tmp_path / "out").mkdir()
    build_sample("tiny", tmp_path / "out")
    with pytest.raises(SampleError, match="not an empty folder"):
        build_sample("tiny", tmp_path / "out")


def test_cli(samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_sample(samples_dir, "- commit: {subject: r}\n")
    assert build.main(["tiny", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out")
    assert build.main(["nope", str(tmp_path / "other")]) == 2


# --- the mini model builds and runs at every release ------------------------------------


def load_jsonc(text: str) -> Any:
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE))


def export(repo: Path, tag: str, dest: Path) -> Path:
    archive = dest / f"{tag}.tar"
    subprocess.run(["git", "archive", "-o", str(archive), tag], cwd=repo, check=True)
    with tarfile.open(archive) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest / tag, **safe)
    return dest / tag


def import_models(source_root: Path) -> Any:
    """``module.models`` of an exported tree, imported the way the project's scripts do."""
    for name in [n for n in sys.modules if n.split(".")[0] in ("module", "text")]:
        del sys.modules[name]
    sys.path.insert(0, str(source_root))
    try:
        return importlib.import_module("module.models")
    finally:
        sys.path.remove(str(source_root))
        for name in [n for n in sys.modules if n.split(".")[0] in ("module", "text")]:
            del sys.modules[name]


@pytest.mark.torch
@pytest.mark.parametrize("tag", TAGS)
def test_model_builds_and_runs_at_release(mini_sovits: Path, tmp_path: Path, tag: str) -> None:
    torch = pytest.importorskip("torch")
    tree = export(mini_sovits, tag, tmp_path)
    (config_path,) = tree.glob("GPT_SoVITS/configs*/s2.json")
    hps = load_jsonc(config_path.read_text(encoding="utf-8"))
    models = import_models(tree / "GPT_SoVITS")
    data, model_config = hps["data"], hps["model"]
    torch.manual_seed(0)
    model = models.SynthesizerTrn(
        data["filter_length"] // 2 + 1,
        hps["train"]["segment_size"] // data["hop_length"],
        n_speakers=data["n_speakers"],
        **model_config,
    ).eval()
    assert math.prod(model_config["upsample_rates"]) == data["hop_length"]
    frames = 20
    ssl = torch.randn(1, 768, frames)
    text = torch.randint(0, len(models.symbols), (1, 12))
    refer = torch.randn(1, data["filter_length"] // 2 + 1, 30)
    audio = model(ssl, text, refer)
    assert tuple(audio.shape) == (1, 1, frames * data["hop_length"])
    assert bool(torch.isfinite(audio).all())
    if model_config.get("use_spk"):
        audio = model.infer(ssl, text, refer, sv_emb=torch.randn(1, 20480))
        assert tuple(audio.shape) == (1, 1, frames * data["hop_length"])

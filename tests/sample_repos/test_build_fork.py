"""Forks of a sample repository (``sample_repos/forks``), built the same on every run."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sample_repos import build
from sample_repos.build import SampleError, build_fork


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return done.stdout.decode("utf-8").strip()


@pytest.fixture(scope="module")
def upstream(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


def test_every_fork_builds_the_same_twice(upstream: Path, tmp_path: Path) -> None:
    names = sorted(p.stem for p in build.FORKS_DIR.glob("*.yaml"))
    assert names == ["gin_submodule", "orphan_import", "v2_default", "webui_only"]
    for name in names:
        first = build_fork(name, upstream, tmp_path / "a" / name)
        second = build_fork(name, upstream, tmp_path / "b" / name)
        assert git(first, "log", "--format=%H %ad %an", "--all") == git(
            second, "log", "--format=%H %ad %an", "--all"
        )
        assert git(first, "status", "--porcelain") == ""


def test_a_fork_is_a_clone_and_an_orphan_shares_no_history(upstream: Path, tmp_path: Path) -> None:
    fork = build_fork("gin_submodule", upstream, tmp_path / "gin")
    start = git(upstream, "rev-parse", "main^{/^Re-indent s1longer.yaml with four spaces}")
    assert git(fork, "rev-parse", "HEAD~2") == start
    assert git(fork, "config", "remote.origin.url") == str(upstream.resolve())
    assert git(fork, "rev-list", "--count", "HEAD") == str(
        int(git(upstream, "rev-list", "--count", start)) + 2
    )
    orphan = build_fork("orphan_import", upstream, tmp_path / "orphan")
    assert git(orphan, "rev-list", "--count", "HEAD") == "2"
    assert git(orphan, "remote") == ""
    imported = git(orphan, "rev-list", "--max-parents=0", "HEAD")
    assert git(orphan, "show", "-s", "--format=%s", imported) == "Import GPT-SoVITS"
    tracked = git(orphan, "ls-files").splitlines()
    assert "GPT_SoVITS/module/models.py" in tracked
    assert ".github/workflows/docker.yaml" not in tracked


def test_bad_forks_are_refused(
    upstream: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "FORKS_DIR", tmp_path)
    with pytest.raises(SampleError, match="no fork 'absent'"):
        build_fork("absent", upstream, tmp_path / "x")
    (tmp_path / "bad.yaml").write_text("from: v1.0\nsteps: []\n", encoding="utf-8")
    with pytest.raises(SampleError, match="`steps` must be a non-empty list"):
        build_fork("bad", upstream, tmp_path / "x")
    (tmp_path / "orphan.yaml").write_text(
        "from: v1.0\norphan: true\nsteps: [{tag: x}]\n", encoding="utf-8"
    )
    with pytest.raises(SampleError, match="first step must be a commit"):
        build_fork("orphan", upstream, tmp_path / "x")
    (tmp_path / "stale.yaml").write_text(
        "from: v1.0\nsteps:\n"
        "  - commit: {subject: s, replace: [{path: webui.py, old: nope, new: x}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SampleError, match=r"stale.yaml, step 1: .*'nope' occurs 0 times"):
        build_fork("stale", upstream, tmp_path / "y")

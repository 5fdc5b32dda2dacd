"""Fixtures of the fork-audit tests: mini_sovits and its three scripted forks."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.fork import ForkOptions, ForkReport, audit_fork
from auditor.pipeline import AuditOptions
from sample_repos.build import build_fork

FORKS = ("webui_only", "gin_submodule", "orphan_import")
#: The upstream tip the forks are audited against: a commit named by its subject (subjects
#: are unique in mini_sovits), so commits added to the sample later change no expectation.
TIP = "main^{/^Enlarge the semantic codebook to 2048 tokens}"


@pytest.fixture(scope="session")
def upstream(sample_repo: Callable[[str], Path]) -> Path:
    """mini_sovits, the upstream of every fork."""
    return sample_repo("mini_sovits")


@pytest.fixture(scope="session")
def forks(upstream: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each fork of ``sample_repos/forks/``, built once per session."""
    root = tmp_path_factory.mktemp("forks")
    return {name: build_fork(name, upstream, root / name) for name in FORKS}


@pytest.fixture(scope="session")
def audited(
    upstream: Path, forks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ForkReport]:
    """Each fork audited against upstream's TIP (a clone's path and a ref), once per session."""
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path_factory.mktemp("cache")))
    return {name: audit_fork(path, f"{upstream}@{TIP}", options) for name, path in forks.items()}


def git(repo: Path, *args: str) -> str:
    """Run git in REPO; its stdout, stripped."""
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return done.stdout.decode("utf-8").strip()


def sha(repo: Path, rev: str) -> str:
    return git(repo, "rev-parse", f"{rev}^{{commit}}")


def commit_of(repo: Path, subject: str) -> str:
    """The sha of the commit with this subject in REPO's history."""
    found = git(repo, "log", "--all", "--format=%H", "--fixed-strings", f"--grep={subject}")
    (match,) = found.splitlines()
    return match

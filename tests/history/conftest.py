"""Small real git repositories with deterministic shas, built in ``tmp_path``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import git
import pytest

from auditor.history import open_repository

AUTHOR = "Ada Tester"
EMAIL = "ada@example.com"
EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z


class GitRepo:
    """A work tree built commit by commit; every commit is one minute after the last."""

    def __init__(self, path: Path, *, bare: bool = False) -> None:
        self.path = path
        self.ticks = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("-c", "init.defaultBranch=main", "init", "-q", *(["--bare"] if bare else []))

    def env(self) -> dict[str, str]:
        date = f"@{EPOCH + 60 * self.ticks} +0000"
        return {
            **os.environ,
            "GIT_AUTHOR_NAME": AUTHOR,
            "GIT_AUTHOR_EMAIL": EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR,
            "GIT_COMMITTER_EMAIL": EMAIL,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }

    def git(self, *args: str, cwd: Path | None = None) -> str:
        """Run git in the work tree; its stdout, stripped."""
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.path,
            env=self.env(),
            check=True,
            capture_output=True,
        )
        return done.stdout.decode().strip()

    def write(self, rel: str, content: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data)

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes | None] | None = None,
        *,
        moves: dict[str, str] | None = None,
    ) -> str:
        """Write FILES (None deletes), ``git mv`` MOVES, commit everything; the new sha."""
        for old, new in (moves or {}).items():
            (self.path / new).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", old, new)
        for rel, content in (files or {}).items():
            if content is None:
                (self.path / rel).unlink()
            else:
                self.write(rel, content)
        self.git("add", "-A")
        self.ticks += 1
        self.git("commit", "-q", "--allow-empty", "--allow-empty-message", "-m", message)
        return self.sha("HEAD")

    def sha(self, rev: str) -> str:
        return self.git("rev-parse", rev)

    def blob(self, rev: str, path: str) -> str:
        return self.sha(f"{rev}:{path}")

    def object_file(self, sha: str) -> Path:
        """Where the loose object SHA lies."""
        return self.path / ".git" / "objects" / sha[:2] / sha[2:]


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the user's and the system's git configuration out of the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """A factory: ``make_repo("name")`` makes an empty repository under ``tmp_path``."""

    def make(name: str = "repo", *, bare: bool = False) -> GitRepo:
        return GitRepo(tmp_path / name, bare=bare)

    return make


@pytest.fixture
def opened() -> Iterator[Callable[[str | Path], git.Repo]]:
    """``opened(path)`` is ``open_repository(path)``, closed at the end of the test."""
    repos: list[git.Repo] = []

    def open_(path: str | Path) -> git.Repo:
        repo = open_repository(path)
        repos.append(repo)
        return repo

    yield open_
    for repo in repos:
        repo.close()

"""The index as a tree and as a commit on HEAD, without writing the index, refs or work tree."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import git
import pytest

from auditor.errors import RepositoryError
from auditor.history import open_repository
from auditor.history.index import STAGED_SUBJECT, index_tree, staged_commit, unborn_head
from auditor.history.scratch import scratch_repository
from tests.gitrepo import GitRepo


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under FOLDER: its path and its bytes."""
    return {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()}


@contextmanager
def linked(path: Path) -> Iterator[tuple[git.Repo, git.Repo]]:
    """The repository at PATH and a scratch repository that sees its objects."""
    with (
        closing(open_repository(path)) as repo,
        scratch_repository([repo], "model-audit-test-") as scratch,
        closing(git.Repo(scratch)) as into,
    ):
        yield repo, into


def show(into: git.Repo, rev: str) -> str:
    """``git show REV`` in the scratch repository INTO."""
    return into.git.show(rev)


@pytest.fixture
def staged(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"a.json": "{}\n", "b.txt": "b\n"})
    repo.write("a.json", '{"x": 1}\n')
    repo.write("c.yaml", "c: 1\n")
    repo.git("add", "a.json", "c.yaml")
    repo.write("b.txt", "unstaged\n")  # in the work tree only
    return repo


def test_index_tree_is_what_git_write_tree_gives(staged: GitRepo) -> None:
    index = staged.path / ".git" / "index"
    before = digest(index)
    with linked(staged.path) as (repo, into):
        tree = index_tree(repo, into)
    assert digest(index) == before  # the index was read through a copy
    assert tree == staged.git("write-tree")


def test_staged_commit_holds_the_index_on_head(staged: GitRepo) -> None:
    head = staged.sha("HEAD")
    before = snapshot(staged.path)
    with linked(staged.path) as (repo, into):
        commit = staged_commit(repo, into)
        assert into.git.rev_parse(f"{commit}^") == head
        assert into.git.show("-s", "--format=%s", commit) == STAGED_SUBJECT
        assert show(into, f"{commit}:a.json") == '{"x": 1}'
        assert show(into, f"{commit}:c.yaml") == "c: 1"
        assert show(into, f"{commit}:b.txt") == "b"  # the staged version, not the work tree
    assert snapshot(staged.path) == before  # objects, refs, index and work tree: all as they were


def test_git_index_file_names_the_index_of_a_hook(
    staged: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    staged.git("read-tree", "HEAD")  # the repository's own index: HEAD, nothing staged
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "hook-index"))
    staged.git("read-tree", "HEAD")  # the index `git commit -a` would give its hooks ...
    staged.git("add", "c.yaml")  # ... holding c.yaml
    with linked(staged.path) as (repo, into):
        commit = staged_commit(repo, into)
        assert show(into, f"{commit}:c.yaml") == "c: 1"
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert staged.git("ls-files", "c.yaml") == ""


def test_unmerged_paths_are_an_error(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("root", {"a.json": "1\n"})
    repo.git("checkout", "-q", "-b", "other")
    repo.commit("other", {"a.json": "2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"a.json": "3\n"})
    with pytest.raises(subprocess.CalledProcessError):
        repo.git("merge", "-q", "other")
    with (
        linked(repo.path) as (opened, into),
        pytest.raises(RepositoryError, match="unmerged paths must be resolved first"),
    ):
        index_tree(opened, into)


def test_unborn_head(make_repo: Callable[..., GitRepo], tmp_path: Path) -> None:
    repo = make_repo()
    assert unborn_head(repo.path)
    repo.commit("root", {"a.json": "1\n"})
    assert not unborn_head(repo.path)
    assert not unborn_head(tmp_path / "not-a-repo")

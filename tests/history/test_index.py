"""The index as a tree and as a commit on HEAD, without writing the index, refs or work tree."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from auditor.errors import RepositoryError
from auditor.history import open_repository
from auditor.history.index import STAGED_SUBJECT, index_tree, staged_commit, unborn_head
from tests.gitrepo import GitRepo


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    with closing(open_repository(staged.path)) as repo:
        tree = index_tree(repo)
    assert digest(index) == before  # the index was read through a copy
    assert tree == staged.git("write-tree")


def test_staged_commit_holds_the_index_on_head(staged: GitRepo) -> None:
    head = staged.sha("HEAD")
    refs = staged.git("for-each-ref")
    with closing(open_repository(staged.path)) as repo:
        commit = staged_commit(repo)
    assert staged.sha(f"{commit}^") == head
    assert staged.git("show", "-s", "--format=%s", commit) == STAGED_SUBJECT
    assert staged.git("show", f"{commit}:a.json") == '{"x": 1}'
    assert staged.git("show", f"{commit}:c.yaml") == "c: 1"
    assert staged.git("show", f"{commit}:b.txt") == "b"  # the staged version, not the work tree
    assert (staged.sha("HEAD"), staged.git("for-each-ref")) == (head, refs)
    assert (staged.path / "b.txt").read_text() == "unstaged\n"


def test_git_index_file_names_the_index_of_a_hook(
    staged: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    staged.git("read-tree", "HEAD")  # the repository's own index: HEAD, nothing staged
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "hook-index"))
    staged.git("read-tree", "HEAD")  # the index `git commit -a` would give its hooks ...
    staged.git("add", "c.yaml")  # ... holding c.yaml
    with closing(open_repository(staged.path)) as repo:
        commit = staged_commit(repo)
    assert staged.git("show", f"{commit}:c.yaml") == "c: 1"
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
        closing(open_repository(repo.path)) as opened,
        pytest.raises(RepositoryError, match="unmerged paths must be resolved first"),
    ):
        index_tree(opened)


def test_unborn_head(make_repo: Callable[..., GitRepo], tmp_path: Path) -> None:
    repo = make_repo()
    assert unborn_head(repo.path)
    repo.commit("root", {"a.json": "1\n"})
    assert not unborn_head(repo.path)
    assert not unborn_head(tmp_path / "not-a-repo")

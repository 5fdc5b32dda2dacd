"""A scratch repository reads another repository's objects and writes only its own."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import git
import pytest

from auditor.history import open_repository
from auditor.history._git import run_git
from auditor.history.scratch import scratch_repository
from tests.gitrepo import GitRepo


def test_reads_the_objects_of_a_repository_and_writes_its_own(
    make_repo: Callable[..., GitRepo],
) -> None:
    source = make_repo()
    head = source.commit("root", {"a.json": "{}\n"})
    objects = sorted(p.name for p in (source.path / ".git" / "objects").rglob("*"))
    with closing(open_repository(source.path)) as repo, scratch_repository([repo], "t-") as path:
        with closing(git.Repo(path)) as scratch:
            assert scratch.git.show(f"{head}:a.json") == "{}"
            blob = run_git(scratch, ["hash-object", "-w", "--stdin"], input=b"new\n")[1]
            blob = blob.decode("ascii").strip()
            assert scratch.git.cat_file("-p", blob) == "new"
        assert path.is_dir()
    assert not path.exists()
    assert sorted(p.name for p in (source.path / ".git" / "objects").rglob("*")) == objects


def test_is_removed_when_the_block_fails(make_repo: Callable[..., GitRepo]) -> None:
    source = make_repo()
    source.commit("root", {"a.json": "{}\n"})
    seen: list[Path] = []
    with (
        closing(open_repository(source.path)) as repo,
        pytest.raises(RuntimeError),
        scratch_repository([repo], "t-") as path,
    ):
        seen.append(path)
        raise RuntimeError
    assert seen and not seen[0].exists()


def test_keeps_the_shallow_boundary_of_a_shallow_clone(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    source = make_repo()
    for n in range(3):
        source.commit(f"c{n}", {"a.json": f"{n}\n"})
    clone = tmp_path / "shallow"
    source.git("clone", "-q", "--depth", "1", f"file://{source.path}", str(clone))
    with closing(open_repository(clone)) as repo, scratch_repository([repo], "t-") as path:
        assert (path / "shallow").read_text("ascii") == source.sha("HEAD") + "\n"

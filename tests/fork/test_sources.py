"""What UPSTREAM and FORK name: a revision, a clone (DIR, DIR@REF), or REMOTE/BRANCH."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import pytest

from auditor.errors import RepositoryError
from auditor.fork.sources import fork_source, split_ref, upstream_source
from auditor.history import open_repository
from tests.fork.conftest import git


def test_split_ref(tmp_path: Path) -> None:
    (tmp_path / "clone").mkdir()
    (tmp_path / "odd@name").mkdir()
    assert split_ref(str(tmp_path / "clone")) == (tmp_path / "clone", "HEAD")
    assert split_ref(f"{tmp_path / 'clone'}@v3.1") == (tmp_path / "clone", "v3.1")
    assert split_ref(f"{tmp_path / 'clone'}@HEAD@{{1}}") is None  # not a folder before the last @
    assert split_ref(str(tmp_path / "odd@name")) == (tmp_path / "odd@name", "HEAD")
    assert split_ref(f"{tmp_path / 'absent'}@main") is None
    assert split_ref("") is None


def test_fork_source(tmp_path: Path) -> None:
    assert fork_source(str(tmp_path)).revision == "HEAD"
    assert fork_source(f"{tmp_path}@dev").revision == "dev"
    with pytest.raises(RepositoryError, match="no such directory"):
        fork_source(str(tmp_path / "absent"))


def test_upstream_forms(forks: dict[str, Path], upstream: Path) -> None:
    fork = forks["gin_submodule"]
    with closing(open_repository(fork)) as repo:
        by_ref = upstream_source("origin/main", repo, fork)
        assert (by_ref.repository, by_ref.revision, by_ref.fetched) == (fork, "origin/main", False)
        by_path = upstream_source(f"{upstream}@v3.0", repo, fork)
        assert (by_path.repository, by_path.revision) == (upstream, "v3.0")
        git(fork, "remote", "add", "mirror", str(upstream))
        try:
            fetched = upstream_source("mirror/main", repo, fork)
        finally:
            git(fork, "remote", "remove", "mirror")
        assert fetched.fetched
        assert (fetched.fetch_url, fetched.fetch_branch) == (str(upstream), "main")
        with pytest.raises(RepositoryError, match="REMOTE/BRANCH of a remote configured"):
            upstream_source("elsewhere/main", repo, fork)
        with pytest.raises(RepositoryError, match="empty upstream"):
            upstream_source(" ", repo, fork)


def test_a_relative_remote_url_is_relative_to_the_repository(
    forks: dict[str, Path], upstream: Path
) -> None:
    fork = forks["webui_only"]
    git(fork, "remote", "add", "rel", os.path.relpath(upstream, fork))
    try:
        with closing(open_repository(fork)) as repo:
            source = upstream_source("rel/main", repo, fork)
    finally:
        git(fork, "remote", "remove", "rel")
    assert source.fetch_url == str(upstream)

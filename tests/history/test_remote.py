"""The URL of a remote, read through the git layer."""

from __future__ import annotations

from collections.abc import Callable

import git

from auditor.history import remote_url
from tests.gitrepo import GitRepo


def test_remote_url(
    make_repo: Callable[..., GitRepo], opened: Callable[[object], git.Repo]
) -> None:
    repo = make_repo()
    repo.commit("root", {"a.txt": "a\n"})
    assert remote_url(opened(repo.path)) is None
    repo.git("remote", "add", "origin", "git@github.com:o/r.git")
    repo.git("remote", "add", "fork", "https://gitlab.com/g/r.git")
    assert remote_url(opened(repo.path)) == "git@github.com:o/r.git"
    assert remote_url(opened(repo.path), "fork") == "https://gitlab.com/g/r.git"

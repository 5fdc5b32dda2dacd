"""Where the two tips of a fork audit come from: what ``UPSTREAM`` and ``FORK`` name.

A fork is a directory holding a clone (a work tree or a bare repository), optionally
followed by ``@REF`` (``../my-fork@dev``); its tip is HEAD or REF.

``UPSTREAM`` is tried, in this order, as

1. a revision in the fork's repository (``upstream/main``, ``v3.1``, a sha), as git would;
2. a directory holding another clone, ``DIR`` (its HEAD) or ``DIR@REF``;
3. ``REMOTE/BRANCH`` where REMOTE is a remote configured in the fork's repository but
   BRANCH has not been fetched: it is fetched from the remote's URL into the temporary
   workspace, never into the user's repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.history import remote_url, resolve_revision
from auditor.history._git import run_git


@dataclass(frozen=True)
class TipSource:
    """One tip: a revision in a local repository, or a branch to fetch from a URL.

    ``label`` is the tip as the user gave it. For a local tip ``repository`` is the path of
    the clone and ``revision`` names the commit in it; for a fetched tip ``fetch_url`` and
    ``fetch_branch`` say what to fetch (and ``repository`` is the fork whose remote it is).
    """

    label: str
    repository: Path
    revision: str = "HEAD"
    fetch_url: str | None = None
    fetch_branch: str | None = None

    @property
    def fetched(self) -> bool:
        return self.fetch_url is not None


def split_ref(spec: str) -> tuple[Path, str] | None:
    """``DIR`` or ``DIR@REF`` as (directory, revision) when DIR exists; else None.

    A directory whose own name holds ``@`` is taken whole when it exists.
    """
    if not spec:
        return None
    whole = Path(spec)
    if whole.is_dir():
        return whole, "HEAD"
    folder, at, ref = spec.rpartition("@")
    if at and folder and ref and Path(folder).is_dir():
        return Path(folder), ref
    return None


def fork_source(spec: str) -> TipSource:
    """The fork named by SPEC: ``DIR`` or ``DIR@REF``."""
    found = split_ref(spec)
    if found is None:
        raise RepositoryError(f"fork {spec!r}: no such directory (give DIR or DIR@REF)")
    folder, revision = found
    return TipSource(label=spec, repository=folder, revision=revision)


def upstream_source(spec: str, fork_repo: git.Repo, fork_path: Path) -> TipSource:
    """The upstream named by SPEC, seen from the fork's repository (see the module doc)."""
    if not spec or not spec.strip():
        raise RepositoryError(
            "empty upstream: give a revision, a clone's directory or REMOTE/BRANCH"
        )
    try:
        resolve_revision(fork_repo, spec)
    except RepositoryError:
        pass
    else:
        return TipSource(label=spec, repository=fork_path, revision=spec)
    found = split_ref(spec)
    if found is not None:
        folder, revision = found
        return TipSource(label=spec, repository=folder, revision=revision)
    remote, slash, branch = spec.partition("/")
    if slash and remote and branch and remote in _remotes(fork_repo):
        url = remote_url(fork_repo, remote)
        if url is None:
            raise RepositoryError(f"upstream {spec!r}: remote {remote!r} has no URL")
        return TipSource(
            label=spec,
            repository=fork_path,
            fetch_url=_absolute_url(url, fork_repo),
            fetch_branch=branch,
        )
    raise RepositoryError(
        f"upstream {spec!r} is not a revision in {fork_path}, a directory holding a clone "
        "(DIR or DIR@REF), or REMOTE/BRANCH of a remote configured there"
    )


def _remotes(repo: git.Repo) -> set[str]:
    _, out = run_git(repo, ["remote"], check=False)
    return set(out.decode("utf-8", "replace").split())


def _absolute_url(url: str, repo: git.Repo) -> str:
    """A remote URL that is a relative path is relative to the repository, not to us."""
    if "://" in url or url.startswith("/") or ":" in url.split("/", 1)[0]:
        return url
    base = repo.working_tree_dir or repo.git_dir
    return os.path.normpath(os.path.join(base, url))

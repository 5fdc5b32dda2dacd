"""A temporary repository that sees the commits of a fork and of its upstream at once.

The fork and the upstream usually live in different object databases. Rather than fetching
one into the other (which writes the user's repository), the audit makes a bare repository
under the system's temporary folder whose ``objects/info/alternates`` lists both object
directories (git follows their own alternates too) and whose shallow file is the union of
theirs. Two refs there name the tips; an upstream given as ``REMOTE/BRANCH`` is fetched into
it. Everything else (scans, diffs, runtime confirmation) then runs against this one path.
The user's repositories, refs and config are only read; the workspace is always removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.fork.sources import TipSource
from auditor.history import open_repository, resolve_revision
from auditor.history._git import run_git
from auditor.history.scratch import scratch_repository

TEMP_PREFIX = "model-audit-fork-"
FORK_REF = "refs/heads/fork"
UPSTREAM_REF = "refs/heads/upstream"


@dataclass(frozen=True)
class Workspace:
    """The temporary repository and the two tips, resolved to full shas."""

    path: Path
    repo: git.Repo
    fork_sha: str
    upstream_sha: str


@contextmanager
def open_workspace(fork: TipSource, upstream: TipSource) -> Iterator[Workspace]:
    """A workspace for FORK and UPSTREAM; removed when the block ends, however it ends."""
    with ExitStack() as stack:
        fork_repo = stack.enter_context(closing(open_repository(fork.repository)))
        fork_sha = _resolve(fork_repo, fork)
        repos = [fork_repo]
        upstream_sha: str | None = None
        if not upstream.fetched:
            if _same_repository(fork.repository, upstream.repository):
                upstream_repo = fork_repo
            else:
                upstream_repo = stack.enter_context(closing(open_repository(upstream.repository)))
                repos.append(upstream_repo)
            upstream_sha = _resolve(upstream_repo, upstream)
        temp = stack.enter_context(scratch_repository(repos, TEMP_PREFIX))
        workspace = stack.enter_context(closing(git.Repo(temp)))
        if upstream_sha is None:
            upstream_sha = _fetch(workspace, upstream)
        run_git(workspace, ["update-ref", FORK_REF, fork_sha])
        run_git(workspace, ["update-ref", UPSTREAM_REF, upstream_sha])
        run_git(workspace, ["symbolic-ref", "HEAD", FORK_REF])
        yield Workspace(path=temp, repo=workspace, fork_sha=fork_sha, upstream_sha=upstream_sha)


def _resolve(repo: git.Repo, source: TipSource) -> str:
    try:
        return resolve_revision(repo, source.revision)
    except RepositoryError as error:
        raise RepositoryError(f"{source.label}: {error}") from None


def _same_repository(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _fetch(workspace: git.Repo, upstream: TipSource) -> str:
    """Fetch the upstream branch into the workspace; its sha."""
    assert upstream.fetch_url is not None and upstream.fetch_branch is not None
    refspec = f"+refs/heads/{upstream.fetch_branch}:{UPSTREAM_REF}"
    fetch = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", upstream.fetch_url]
    try:
        run_git(workspace, [*fetch, refspec])
    except RepositoryError as error:
        raise RepositoryError(
            f"upstream {upstream.label!r}: cannot fetch branch {upstream.fetch_branch!r} "
            f"from {upstream.fetch_url}: {error}"
        ) from None
    return resolve_revision(workspace, UPSTREAM_REF)

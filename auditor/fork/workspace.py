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

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.fork.sources import TipSource
from auditor.history import open_repository, resolve_revision, shallow_boundary
from auditor.history._git import git_env, git_executable, run_git

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
        temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        stack.callback(shutil.rmtree, temp, ignore_errors=True)
        _init_bare(temp)
        _link_objects(temp, repos)
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


def _init_bare(path: Path) -> None:
    done = subprocess.run(
        [git_executable(), "init", "--bare", "--quiet", str(path)],
        env=git_env(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise RepositoryError(f"cannot create a temporary repository in {path}: {detail}")


def object_directory(repo: git.Repo) -> Path:
    """Where REPO keeps its objects (the common directory's, for a linked work tree)."""
    _, out = run_git(repo, ["rev-parse", "--git-path", "objects"])
    return Path(repo.git_dir, os.fsdecode(out.rstrip(b"\n"))).resolve()


def _link_objects(workspace: Path, repos: list[git.Repo]) -> None:
    """List the repositories' object directories as alternates (git follows their own
    alternates too), and keep the shallow boundaries whose parents neither one has."""
    directories = list(dict.fromkeys(str(object_directory(repo)) for repo in repos))
    info = workspace / "objects" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "alternates").write_text("".join(d + "\n" for d in directories), encoding="utf-8")
    boundary = sorted(set().union(*(shallow_boundary(repo) for repo in repos)))
    if boundary:
        with closing(git.Repo(workspace)) as linked:
            cut = [sha for sha in boundary if not _parents_present(linked, sha)]
        if cut:
            (workspace / "shallow").write_text("".join(s + "\n" for s in cut), "ascii")


def _parents_present(repo: git.Repo, sha: str) -> bool:
    """Whether every parent of commit SHA is in REPO (a shallow clone's boundary commit
    whose parents the other repository holds is not a boundary here)."""
    rc, raw = run_git(repo, ["cat-file", "commit", sha], check=False)
    if rc != 0:
        return False
    header = raw.split(b"\n\n", 1)[0].decode("ascii", "replace").splitlines()
    parents = [line.split()[1] for line in header if line.startswith("parent ")]
    return all(
        run_git(repo, ["cat-file", "-e", f"{parent}^{{commit}}"], check=False)[0] == 0
        for parent in parents
    )


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

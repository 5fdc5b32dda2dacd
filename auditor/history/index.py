"""The index (staged changes) as a commit, so it can be audited like any revision.

``git write-tree`` turns the index into a tree object and ``git commit-tree`` wraps it in a
commit whose parent is HEAD. Both add objects to an object store, so they run in another
repository that sees the user's objects (a scratch repository,
:mod:`auditor.history.scratch`): the user's repository is only read, its objects, refs and
work tree stay as they were. ``write-tree`` rewrites the index it reads (its cache of trees),
and during ``git commit`` the index is locked, so it reads a copy of the index in a temporary
folder instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.history._git import describe, git_argv, git_env, run_git

#: The subject of the commit that holds the staged changes.
STAGED_SUBJECT = "staged changes"
_IDENTITY = ("user.name=model-audit", "user.email=model-audit@localhost")


def unborn_head(path: str | os.PathLike[str]) -> bool:
    """Whether PATH is a git repository whose HEAD names no commit yet (a first commit)."""
    try:
        repo = git.Repo(path, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, OSError):
        return False
    try:
        rc, _ = run_git(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False)
    finally:
        repo.close()
    return rc != 0


def index_file(repo: git.Repo) -> Path:
    """The index git would commit: ``$GIT_INDEX_FILE`` (set for hooks), else the repo's own.

    A relative ``GIT_INDEX_FILE`` is relative to the current directory, as git reads it.
    """
    given = os.environ.get("GIT_INDEX_FILE")
    if given:
        return Path(given).absolute()
    _, out = run_git(repo, ["rev-parse", "--git-path", "index"])
    return Path(repo.git_dir, os.fsdecode(out.rstrip(b"\n")))


def _copy_shared_indexes(repo: git.Repo, into: git.Repo) -> None:
    """A split index names its shared part, which git looks for in the git directory."""
    for shared in Path(repo.git_dir).glob("sharedindex.*"):
        try:
            shutil.copyfile(shared, Path(into.git_dir, shared.name))
        except OSError as error:
            raise RepositoryError(f"cannot read the index {shared}: {error.strerror}") from None


def index_tree(repo: git.Repo, into: git.Repo) -> str:
    """The sha of a tree object holding the index of REPO (the empty tree when there is none),
    written into INTO, a repository that sees REPO's objects."""
    source = index_file(repo)
    with tempfile.TemporaryDirectory(prefix="model-audit-index-") as folder:
        copy = Path(folder, "index")
        try:
            shutil.copyfile(source, copy)
        except FileNotFoundError:
            pass  # nothing was ever staged: git reads an empty index
        except OSError as error:
            raise RepositoryError(f"cannot read the index {source}: {error.strerror}") from None
        _copy_shared_indexes(repo, into)
        try:
            proc = subprocess.run(
                git_argv(into, ["write-tree"]),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                cwd=into.git_dir,
                env={**git_env(), "GIT_INDEX_FILE": str(copy)},
                check=False,
            )
        except OSError as error:
            raise RepositoryError(f"cannot run git in {describe(repo)}: {error}") from None
    if proc.returncode != 0:
        detail = " ".join(proc.stderr.decode("utf-8", "replace").split())
        raise RepositoryError(
            f"cannot read the staged changes of {describe(repo)} "
            f"(unmerged paths must be resolved first): {detail}"
        )
    return proc.stdout.decode("ascii").strip()


def staged_commit(repo: git.Repo, into: git.Repo) -> str:
    """The sha of a commit holding the index of REPO, with HEAD as its parent, written (with
    its tree) into INTO, a repository that sees REPO's objects."""
    tree = index_tree(repo, into)
    head = run_git(repo, ["rev-parse", "--verify", "HEAD^{commit}"])[1].decode("ascii").strip()
    args = ["commit-tree", "--no-gpg-sign", "-p", head, "-m", STAGED_SUBJECT, tree]
    _, out = run_git(into, args, config=_IDENTITY)
    return out.decode("ascii").strip()

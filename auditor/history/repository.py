"""Opening a repository and resolving the revisions and ranges an audit covers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.history._git import describe, run_git
from auditor.history.ancestry import is_ancestor


def open_repository(path: str | os.PathLike[str]) -> git.Repo:
    """Open the repository at PATH: the root of a work tree, its ``.git`` dir, or a bare repo.

    A subdirectory of a work tree is refused (the message names the root to give instead).
    Raises :class:`RepositoryError` when PATH does not exist, is not a git repository, or
    the repository has no commits. The caller owns the returned repo (``repo.close()``).
    """
    shown = os.fspath(path)
    where = Path(shown)
    if not where.exists():
        raise RepositoryError(f"{shown}: no such file or directory")
    if not where.is_dir():
        raise RepositoryError(f"{shown} is not a git repository (it is not a directory)")
    try:
        repo = git.Repo(where, search_parent_directories=False)
    except git.InvalidGitRepositoryError:
        raise RepositoryError(_not_a_repository(where, shown)) from None
    except (git.NoSuchPathError, OSError) as exc:
        raise RepositoryError(f"{shown}: cannot open repository: {exc}") from None
    try:
        _require_commits(repo, shown)
    except BaseException:
        repo.close()
        raise
    return repo


def _not_a_repository(where: Path, shown: str) -> str:
    message = f"{shown} is not a git repository"
    try:
        outer = git.Repo(where, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, OSError):
        return message
    try:
        root = outer.working_tree_dir or outer.git_dir
    finally:
        outer.close()
    return f"{shown} is not the root of a git repository: it lies inside {root}; give that path"


def _require_commits(repo: git.Repo, shown: str) -> None:
    rc, _ = run_git(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False)
    if rc == 0:
        return
    _, refs = run_git(repo, ["for-each-ref", "--count=1", "--format=%(refname)"])
    if not refs.strip():
        raise RepositoryError(f"{shown} is an empty repository: nothing to audit")


def resolve_revision(repo: git.Repo, rev: str) -> str:
    """The full sha of the commit REV names (annotated tags are peeled).

    Raises :class:`RepositoryError` (``unknown revision 'v9' in /path``) when REV does not
    resolve, or when it names something other than a commit.
    """
    if not rev or "\0" in rev or "\n" in rev:
        raise RepositoryError(f"unknown revision {rev!r} in {describe(repo)}")
    args = ["rev-parse", "--verify", "--quiet", "--end-of-options"]
    rc, out = run_git(repo, [*args, f"{rev}^{{commit}}"], check=False)
    if rc == 0:
        return out.decode("ascii").strip()
    rc, _ = run_git(repo, [*args, rev], check=False)
    if rc == 0:
        raise RepositoryError(f"revision {rev!r} in {describe(repo)} does not name a commit")
    raise RepositoryError(f"unknown revision {rev!r} in {describe(repo)}")


@dataclass(frozen=True)
class RevisionRange:
    """Resolved commits to audit: those reachable from ``tip`` but not from ``base``.

    ``base`` is None for the whole history reachable from ``tip``; ``label`` is the range
    as the user gave it (``HEAD`` when none was given).
    """

    base: str | None
    tip: str
    label: str


def resolve_range(repo: git.Repo, spec: str | None) -> RevisionRange:
    """Resolve SPEC: None (all of HEAD), ``REF`` (all history of REF) or ``A..B``.

    In ``A..B`` an empty side means HEAD, as in git. ``A...B`` is refused, and so is a
    reversed ``A..B`` whose B is an ancestor of A (it holds no commit: ``B..A`` was meant).
    """
    if spec is None:
        return RevisionRange(base=None, tip=resolve_revision(repo, "HEAD"), label="HEAD")
    label = spec.strip()
    if not label:
        raise RepositoryError(f"empty revision range in {describe(repo)}")
    if "..." in label:
        raise RepositoryError(
            f"symmetric range {label!r} is not supported: "
            "give 'A..B' (the commits in B that are not in A) or a single revision"
        )
    if ".." in label:
        left, right = label.split("..", 1)
        if not left and not right:
            raise RepositoryError(f"empty revision range {label!r} in {describe(repo)}")
        base = resolve_revision(repo, left or "HEAD")
        tip = resolve_revision(repo, right or "HEAD")
        if base != tip and is_ancestor(repo, tip, base):
            old, new = left or "HEAD", right or "HEAD"
            raise RepositoryError(
                f"reversed range {label!r} in {describe(repo)}: {new} is an ancestor of {old}, "
                f"so the range holds no commit; did you mean {new}..{old}?"
            )
        return RevisionRange(base=base, tip=tip, label=label)
    return RevisionRange(base=None, tip=resolve_revision(repo, label), label=label)


def shallow_file(repo: git.Repo) -> Path:
    """Where git keeps the list of shallow-boundary commits of REPO (may not exist)."""
    _, out = run_git(repo, ["rev-parse", "--git-path", "shallow"])
    return Path(repo.git_dir, os.fsdecode(out.rstrip(b"\n")))


def shallow_boundary(repo: git.Repo) -> frozenset[str]:
    """The shas of the commits whose parents a shallow clone lacks (empty if not shallow)."""
    try:
        text = shallow_file(repo).read_text(encoding="ascii")
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError) as exc:
        raise RepositoryError(f"cannot read the shallow file of {describe(repo)}: {exc}") from exc
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def is_shallow(repo: git.Repo) -> bool:
    """Whether REPO is a shallow clone (some history is cut off)."""
    return bool(shallow_boundary(repo))

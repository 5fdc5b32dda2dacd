"""Which commits a tip reaches: topological order, reachability with exclusions, ancestry."""

from __future__ import annotations

from collections.abc import Sequence

import git

from auditor.errors import RepositoryError
from auditor.history._git import describe, run_git


def topo_order(repo: git.Repo, tip: str) -> tuple[str, ...]:
    """The shas of every commit reachable from ``tip``, newest first, parents after children."""
    _, out = run_git(repo, ["rev-list", "--topo-order", tip, "--"])
    return tuple(out.decode("ascii").split())


def reachable(repo: git.Repo, tip: str, exclude: Sequence[str] = ()) -> frozenset[str]:
    """The shas reachable from ``tip`` but from none of the commits in ``exclude``."""
    query = "".join(f"{rev}\n" for rev in (tip, *(f"^{sha}" for sha in exclude)))
    _, out = run_git(repo, ["rev-list", "--stdin"], input=query.encode("ascii"))
    return frozenset(out.decode("ascii").split())


def is_ancestor(repo: git.Repo, ancestor: str, descendant: str) -> bool:
    """Whether commit ``ancestor`` is reachable from ``descendant`` (true when they are one)."""
    rc, _ = run_git(repo, ["merge-base", "--is-ancestor", ancestor, descendant], check=False)
    if rc not in (0, 1):  # 1 is "no"; anything else is git failing
        raise RepositoryError(
            f"git merge-base cannot tell whether {ancestor[:12]} is an ancestor of "
            f"{descendant[:12]} in {describe(repo)} (exit status {rc})"
        )
    return rc == 0

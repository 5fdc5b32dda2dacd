"""Which commits a tip reaches: topological order and reachability with exclusions."""

from __future__ import annotations

from collections.abc import Sequence

import git

from auditor.history._git import run_git


def topo_order(repo: git.Repo, tip: str) -> tuple[str, ...]:
    """The shas of every commit reachable from ``tip``, newest first, parents after children."""
    _, out = run_git(repo, ["rev-list", "--topo-order", tip, "--"])
    return tuple(out.decode("ascii").split())


def reachable(repo: git.Repo, tip: str, exclude: Sequence[str] = ()) -> frozenset[str]:
    """The shas reachable from ``tip`` but from none of the commits in ``exclude``."""
    query = "".join(f"{rev}\n" for rev in (tip, *(f"^{sha}" for sha in exclude)))
    _, out = run_git(repo, ["rev-list", "--stdin"], input=query.encode("ascii"))
    return frozenset(out.decode("ascii").split())

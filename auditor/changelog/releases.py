"""Which sections a changelog has, and which commits belong to each.

Tags reachable from HEAD are taken in topological order. A release holds the commits its tag
reaches and no earlier tag does, so every commit belongs to exactly one section even when
tags lie on diverging lines. The first release starts at the root commit (the baseline of
the audit); the commits no tag reaches make the ``Unreleased`` section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import git

from auditor.changelog.contents import Release
from auditor.errors import RepositoryError
from auditor.history import (
    commit_at,
    is_ancestor,
    reachable,
    resolve_revision,
    tags_by_commit,
    topo_order,
)


@dataclass(frozen=True)
class ReleasePlan:
    """The sections to write (newest first), the commits of each, and the range to audit."""

    releases: tuple[Release, ...]
    members: tuple[frozenset[str], ...]
    #: The revision range that covers every section: ``tip`` or ``base..tip`` (shas).
    audit_range: str


def _natural(name: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def release_names(repo: git.Repo) -> dict[str, str]:
    """The tag that names each tagged commit (the highest in natural order when several do)."""
    return {sha: max(names, key=_natural) for sha, names in tags_by_commit(repo).items()}


def release_date(repo: git.Repo, sha: str) -> str:
    """The ISO 8601 date of a release: the author date of its commit."""
    return commit_at(repo, sha).date


def plan_all_tags(repo: git.Repo) -> ReleasePlan:
    """One release per tag reachable from HEAD, oldest at the end, and ``Unreleased`` on top
    when HEAD has commits no tag reaches."""
    head = resolve_revision(repo, "HEAD")
    order = topo_order(repo, head)
    names = release_names(repo)
    tagged = [sha for sha in reversed(order) if sha in names]
    root = order[-1] if order else None
    releases: list[Release] = []
    members: list[frozenset[str]] = []
    previous: str | None = None
    for index, sha in enumerate(tagged):
        members.append(reachable(repo, sha, tagged[:index]))
        releases.append(
            Release(
                version=names[sha],
                tip=sha,
                date=release_date(repo, sha),
                previous=names[previous] if previous else None,
                base=previous,
                root=None if previous else root,
            )
        )
        previous = sha
    if not tagged or tagged[-1] != head:
        unreleased = reachable(repo, head, tagged)
        if unreleased or not tagged:
            members.append(unreleased)
            releases.append(
                Release(
                    version=None,
                    tip=head,
                    date=None,
                    previous=names[previous] if previous else None,
                    base=previous,
                    root=None if previous else root,
                )
            )
    return ReleasePlan(tuple(reversed(releases)), tuple(reversed(members)), head)


def _latest_tag(repo: git.Repo, tip: str, names: dict[str, str], *, inclusive: bool) -> str | None:
    for sha in topo_order(repo, tip):
        if sha in names and (inclusive or sha != tip):
            return sha
    return None


def _refuse_reversed(repo: git.Repo, old: str, base: str, new: str, tip: str) -> None:
    """A section whose end is an ancestor of its start holds no commit: the revisions were
    given the wrong way round."""
    if base != tip and is_ancestor(repo, tip, base):
        raise RepositoryError(
            f"--from {old} --to {new}: {new} is an ancestor of {old}, so no commit lies "
            f"between them; did you mean --from {new} --to {old}?"
        )


def plan_range(repo: git.Repo, old: str | None = None, new: str | None = None) -> ReleasePlan:
    """One section from ``old`` to ``new``.

    Without ``new`` (or with ``HEAD``) the section is ``Unreleased`` and starts, without
    ``old``, at the latest tag HEAD reaches; a section to another revision starts at the
    latest tag before it. With no such tag it starts at the root commit. A ``new`` that is an
    ancestor of ``old`` is refused.
    """
    names = release_names(repo)
    tip = resolve_revision(repo, new or "HEAD")
    unreleased = new is None or new == "HEAD"
    if old is not None:
        start = resolve_revision(repo, old)
        _refuse_reversed(repo, old, start, new or "HEAD", tip)
        base: str | None = start
        previous: str | None = old
    else:
        base = _latest_tag(repo, tip, names, inclusive=unreleased)
        previous = names[base] if base else None
    version = None if unreleased else new
    root = None if base else topo_order(repo, tip)[-1]
    release = Release(
        version=version,
        tip=tip,
        date=None if unreleased else release_date(repo, tip),
        previous=previous,
        base=base,
        root=root,
    )
    members = reachable(repo, tip, [base] if base else [])
    audit_range = f"{base}..{tip}" if base else tip
    return ReleasePlan((release,), (members,), audit_range)

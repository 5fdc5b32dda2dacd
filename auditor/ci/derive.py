"""Which commits an event asks to audit.

- pull request, merge group: ``base..head``, the commits the head adds to the base;
- push to a branch: ``before..after``; for a new branch, the commits not on
  ``origin/<default branch>`` (or ``after`` alone against its parent when that branch is not
  in the clone); when ``before`` is gone (a force-push), ``after`` alone, with a warning;
  when ``after`` is an ancestor of ``before`` (the branch was moved back), nothing;
- push of a tag: ``previous tag..tag``, or all history of the tag when it is the first;
- anything else (workflow_dispatch, schedule): ``latest tag..HEAD``, or all history.
"""

from __future__ import annotations

import git

from auditor.changelog.releases import release_names
from auditor.ci.event import EventKind, GitHubEvent
from auditor.ci.shallow import FETCH_DEPTH_FIX, AuditRange, History, HistoryError, short
from auditor.errors import RepositoryError
from auditor.history import is_ancestor, topo_order


def range_from_spec(spec: str) -> AuditRange:
    """The range a user gave: ``A..B`` (an empty side is HEAD) or ``REF`` (all its history)."""
    label = spec.strip()
    if "..." in label:
        raise RepositoryError(
            f"symmetric range {label!r} is not supported: "
            "give 'A..B' (the commits in B that are not in A) or a single revision"
        )
    if ".." in label:
        left, right = label.split("..", 1)
        return AuditRange(tip=right or "HEAD", base=left or "HEAD", label=label)
    return AuditRange(tip=label or "HEAD", label=label or "HEAD")


def derive_range(event: GitHubEvent, history: History) -> AuditRange:
    """The range EVENT asks to audit in the clone HISTORY reads (fetching what it may)."""
    if event.kind in (EventKind.PULL_REQUEST, EventKind.MERGE_GROUP):
        assert event.base is not None and event.head is not None
        return AuditRange(
            tip=event.head, base=event.base, label=f"{short(event.base)}..{short(event.head)}"
        )
    if event.deleted:
        return AuditRange(tip="", label=f"{event.ref} (deleted)", empty=True)
    if event.kind is EventKind.PUSH:
        return _push(event, history)
    if event.kind is EventKind.TAG:
        return _tag(event, history)
    _complete_for_tags(history)
    latest = latest_tag(history.repo, "HEAD", inclusive=True)
    if latest is None:
        return AuditRange(tip="HEAD", label="HEAD")
    return AuditRange(tip="HEAD", base=latest, label=f"{latest}..HEAD")


def _push(event: GitHubEvent, history: History) -> AuditRange:
    after = event.head
    assert after is not None
    if event.base is not None:
        if history.obtain(event.base):
            label = f"{short(event.base)}..{short(after)}"
            if _moved_back(history, event.base, after):
                moved = (
                    f"the push moved {event.branch or event.ref} back from {short(event.base)} "
                    f"to its ancestor {short(after)}: no new commit to audit"
                )
                return AuditRange(tip=after, label=label, empty=True, warnings=(moved,))
            return AuditRange(tip=after, base=event.base, label=label)
        if history.shallow() and not history.fetch_allowed:
            raise HistoryError(
                f"the commit before the push, {short(event.base)}, is not in the shallow clone "
                f"(fetching is turned off); {FETCH_DEPTH_FIX}"
            )
        why = "force-push" if event.forced else "rewritten history"
        return single(
            after,
            f"the push replaced {short(event.base)}, which is no longer in the repository "
            f"({why}): auditing {short(after)} alone against its parent",
        )
    default = event.default_branch
    if default and event.branch != default:
        base = history.commit(f"refs/remotes/origin/{default}")
        if base is not None:
            return AuditRange(tip=after, base=base, label=f"origin/{default}..{short(after)}")
    return single(after)


def _moved_back(history: History, before: str, after: str) -> bool:
    """Whether AFTER is an ancestor of BEFORE, other than BEFORE itself (``before..after``
    would hold no commit)."""
    old, new = history.commit(before), history.commit(after)
    return (
        old is not None and new is not None and old != new and is_ancestor(history.repo, new, old)
    )


def _tag(event: GitHubEvent, history: History) -> AuditRange:
    assert event.head is not None and event.tag is not None
    _complete_for_tags(history)
    previous = latest_tag(history.repo, event.head, inclusive=False)
    if previous is None:
        return AuditRange(tip=event.head, label=event.tag)
    return AuditRange(tip=event.head, base=previous, label=f"{previous}..{event.tag}")


def single(commit: str, warning: str | None = None) -> AuditRange:
    """COMMIT alone, compared with its parent."""
    return AuditRange(
        tip=commit, single=True, label=short(commit), warnings=(warning,) if warning else ()
    )


def _complete_for_tags(history: History) -> None:
    """Tags are found in history: a shallow clone fetches all of it, with tags, when it may."""
    if history.shallow():
        history.fetch([], tags=True)


def latest_tag(repo: git.Repo, rev: str, *, inclusive: bool) -> str | None:
    """The name of the latest tag REV reaches (REV's own tags too when INCLUSIVE).

    "Latest" as in ``model-audit changelog``: the first tagged commit in topological order.
    """
    names = release_names(repo)
    if not names:
        return None
    try:
        order = topo_order(repo, rev)
    except RepositoryError:
        return None
    for index, sha in enumerate(order):
        if sha in names and (inclusive or index > 0):
            return names[sha]
    return None

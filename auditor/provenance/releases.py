"""Which releases of a repository load a checkpoint, and the first commit of each break.

The releases are the tags the tip reaches, oldest first (several tags on one commit count
once, under the highest name), and the tip itself when no tag is on it. The checkpoint is
checked against each release's models, the releases are grouped into runs that load it
alike, and where a run that loads it (strictly, or with ``strict=False``) is followed by a
release that rejects it, the commits between the two are bisected
(:func:`~auditor.checkpoints.bisect.bisect_checkpoint`) to name the commit that broke it
and what in it does. Every step is bounded: at most ``max_releases`` releases (the newest)
and ``max_bisects`` bisections (the oldest breaks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from auditor.changelog.releases import release_names
from auditor.checkpoints.bisect import CannotCheck, OnTrial, bisect_checkpoint
from auditor.checkpoints.results import (
    BisectResult,
    BisectVerdict,
    CheckOutcome,
    CheckResult,
    Trial,
)
from auditor.errors import AuditError
from auditor.history import open_repository, resolve_revision, topo_order
from auditor.pipeline import AuditOptions
from auditor.provenance.checker import Checker

MAX_RELEASES = 30
MAX_BISECTS = 3
#: How many shape mismatches a fact names before counting the rest.
NAMED = 1


class Status(str, Enum):
    """What a release's code does with the checkpoint."""

    LOADS = "loads"
    #: Loads only with ``strict=False`` (GPT-SoVITS loads its weights so).
    LOADS_NOT_STRICT = "loads-with-missing-keys"
    FAILS = "fails-to-load"
    #: Its models could not be built, or none of them is the checkpoint's.
    NOT_CHECKED = "not-checked"

    @property
    def loads(self) -> bool:
        return self in (Status.LOADS, Status.LOADS_NOT_STRICT)


@dataclass(frozen=True)
class ReleaseCheck:
    """The checkpoint at one release (``name``: its tag, or the tip as given)."""

    name: str
    sha: str
    tagged: bool
    check: CheckResult

    @property
    def status(self) -> Status:
        return status_of(self.check)


@dataclass(frozen=True)
class Run:
    """Consecutive releases with one status, oldest first."""

    status: Status
    releases: tuple[str, ...]


@dataclass(frozen=True)
class Break:
    """A release that rejects the checkpoint after one that loads it, and the commit between
    them that broke it (``bisect``), or why it could not be named (``error``)."""

    after: str
    at: str
    bisect: BisectResult | None = None
    error: str | None = None

    @property
    def fact(self) -> str | None:
        """What breaks it at the commit named: ``enc_p.text_embedding.weight [300, 192] ->
        [714, 192]``."""
        if self.bisect is None or self.bisect.verdict is not BisectVerdict.FOUND:
            return None
        return fact_of(self.bisect.check)


def status_of(check: CheckResult) -> Status:
    """The status CHECK's outcome gives a release."""
    return {
        CheckOutcome.LOADS: Status.LOADS,
        CheckOutcome.LOADS_WITH_MISSING_KEYS: Status.LOADS_NOT_STRICT,
        CheckOutcome.FAILS_TO_LOAD: Status.FAILS,
    }.get(check.outcome, Status.NOT_CHECKED)


def release_points(
    path: str | os.PathLike[str], tip: str = "HEAD", max_releases: int = MAX_RELEASES
) -> tuple[list[tuple[str, str, bool]], int]:
    """``(name, sha, tagged)`` of each release TIP reaches, oldest first, TIP last when no tag
    is on it; and how many older releases were left out to keep MAX_RELEASES."""
    with closing(open_repository(path)) as repo:
        head = resolve_revision(repo, tip)
        names = release_names(repo)
        order = [sha for sha in reversed(topo_order(repo, head)) if sha in names]
    points = [(names[sha], sha, True) for sha in order]
    if head not in names:
        points.append((tip, head, False))
    left_out = max(0, len(points) - max_releases)
    return points[left_out:], left_out


def check_releases(
    checker: Checker,
    points: Sequence[tuple[str, str, bool]],
    on_checked: Callable[[ReleaseCheck], None] | None = None,
) -> tuple[ReleaseCheck, ...]:
    """The checkpoint checked at each of POINTS (its own model chosen at each)."""
    found = []
    for name, sha, tagged in points:
        checked = ReleaseCheck(name, sha, tagged, checker.check_at(name if tagged else sha))
        found.append(checked)
        if on_checked is not None:
            on_checked(checked)
    return tuple(found)


def runs(checks: Sequence[ReleaseCheck]) -> tuple[Run, ...]:
    """CHECKS grouped into runs of one status, in order."""
    grouped: list[Run] = []
    for checked in checks:
        if grouped and grouped[-1].status is checked.status:
            last = grouped[-1]
            grouped[-1] = Run(last.status, (*last.releases, checked.name))
        else:
            grouped.append(Run(checked.status, (checked.name,)))
    return tuple(grouped)


def find_breaks(
    checker: Checker,
    checks: Sequence[ReleaseCheck],
    options: AuditOptions | None = None,
    max_bisects: int = MAX_BISECTS,
    on_bisect: Callable[[str], None] | None = None,
    on_trial: OnTrial | None = None,
) -> tuple[tuple[Break, ...], int]:
    """Each break of CHECKS (a release that loads, then one that rejects), bisected to its
    first commit; and how many breaks were left unbisected to keep MAX_BISECTS."""
    pairs = [
        (old, new)
        for old, new in pairwise(checks)
        if old.status.loads and _worse(new.status, old.status)
    ]
    found = []
    for old, new in pairs[:max_bisects]:
        if on_bisect is not None:
            on_bisect(f"{old.name}..{new.name}")
        try:
            result = bisect_checkpoint(
                checker.path, f"{old.sha}..{new.sha}", checker.check_at, options, on_trial
            )
        except (CannotCheck, AuditError) as error:
            found.append(Break(old.name, new.name, error=str(error)))
            continue
        found.append(Break(old.name, new.name, result))
    found += [Break(old.name, new.name, error="not bisected") for old, new in pairs[max_bisects:]]
    return tuple(found), max(0, len(pairs) - max_bisects)


def trial_line(trial: Trial) -> str:
    """``checked 01aecba (candidate): fails-to-load, rejects``: one commit a bisection checked."""
    verdict = {True: "rejects", False: "accepts", None: "not built"}[trial.rejects]
    return f"checked {trial.commit.short_sha} ({trial.role}): {trial.outcome.value}, {verdict}"


def _worse(new: Status, old: Status) -> bool:
    if new is Status.FAILS:
        return True
    return new is Status.LOADS_NOT_STRICT and old is Status.LOADS


def fact_of(check: CheckResult) -> str | None:
    """What in CHECK rejects the checkpoint, in a phrase: the first shape that differs, or
    the keys missing or unexpected, or a likely rename."""
    c = check.comparison
    if c is None:
        return check.reason
    if c.mismatches:
        first = c.mismatches[0]
        text = f"{first.key} {list(first.old)} -> {list(first.new)}"
        more = len(c.mismatches) - NAMED
        return text + (f" and {more} more shape{'s' if more > 1 else ''}" if more > 0 else "")
    if c.renames:
        r = c.renames[0]
        return f"{r.old}.* renamed {r.new}.* ({r.tensors} tensors)"
    if c.missing_keys:
        return f"keys missing: {_keys(c.missing_keys)}"
    if c.unexpected_keys:
        return f"unexpected keys: {_keys(c.unexpected_keys)}"
    return None


def _keys(keys: Sequence[str]) -> str:
    shown = ", ".join(keys[:3])
    return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")

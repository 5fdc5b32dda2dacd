"""Name the first commit of a range whose model rejects a checkpoint.

Building a revision's models takes seconds, so not every commit is checked. The static audit
(:func:`auditor.pipeline.scan`, first parents only) says which commits change model facts
(tensor shapes, state-dict keys, config files, version defaults): only those can change what
the checkpoint meets, and they are bisected, assuming that once a commit rejects the
checkpoint every later one does. The commit named is then verified: its parent must accept.
When it does not (a change the static audit missed, or a suppressed finding), the commits
between the last one known to accept and the one named are bisected without the filter.
A merge named is followed into the branch it merged, down to the commit that broke.

Every commit is compared with one model: the one the checkpoint belongs to at the base of the
range. A profile's variants share most keys, so choosing afresh at each commit could compare
the checkpoint with v1's model at one commit and v2's at the next.

"Rejects" is relative to the base of the range: a commit rejects the checkpoint when it
fails to load it, or leaves keys missing or unexpected that the base did not. A checkpoint
saved for inference without its training-only weights (GPT-SoVITS drops ``enc_q``) loads
only with ``strict=False`` everywhere; it is rejected where that stops being true.

The search itself (:class:`Bisection`) knows nothing of checkpoints: what a check at a commit
gives and when it "rejects" against the base is a :class:`Judge`, so that another question
asked along a range (``export-check --range``: where does export break?) bisects alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Generic, TypeVar

import git

from auditor.checkpoints.results import (
    BisectResult,
    BisectVerdict,
    CheckOutcome,
    CheckResult,
    Trial,
)
from auditor.domain import Category, Commit, Report
from auditor.errors import AuditError
from auditor.history import commit_at, open_repository, resolve_range
from auditor.history._git import run_git
from auditor.pipeline import AuditOptions, scan

#: Findings of these categories change what a checkpoint meets when it is loaded.
MODEL_CATEGORIES = frozenset(
    {
        Category.TENSOR_SHAPE,
        Category.STATE_DICT_KEYS,
        Category.CONFIG_FILE,
        Category.VERSION_DEFAULT,
    }
)
#: How deep merges are followed into the branches they merged.
MAX_MERGE_DEPTH = 8

#: Checks the checkpoint at a commit sha against the model named (None: the one it belongs to).
CheckAt = Callable[[str, "str | None"], CheckResult]
OnTrial = Callable[[Trial], None]
#: What a check at one commit gives (a :class:`CheckResult`, or another command's result).
R = TypeVar("R")


_UNBUILT = tuple(outcome for outcome in CheckOutcome if outcome.unbuilt)


class CannotCheck(AuditError):
    """The base or the tip of the range cannot be checked, so nothing can be bisected."""


def rejects(result: CheckResult, base: CheckResult) -> bool | None:
    """Whether RESULT rejects the checkpoint that BASE accepts; None when it was not built."""
    if result.outcome.unbuilt:
        return None
    if result.comparison is None or result.outcome is CheckOutcome.FAILS_TO_LOAD:
        return True
    if base.comparison is None or base.comparison.model != result.comparison.model:
        return True
    missing = set(result.comparison.missing_keys) - set(base.comparison.missing_keys)
    unexpected = set(result.comparison.unexpected_keys) - set(base.comparison.unexpected_keys)
    return bool(missing or unexpected)


@dataclass(frozen=True)
class Judge(Generic[R]):
    """How a bisection reads the check at a commit: whether it ``rejects`` against the base's
    (None: it could not be checked), its ``outcome`` (a trial's word), and the ``model`` every
    other commit is checked with (None: no one model)."""

    rejects: Callable[[R, R], bool | None]
    outcome: Callable[[R], Enum]
    model: Callable[[R], str | None]


def _checkpoint_model(result: CheckResult) -> str | None:
    return None if result.comparison is None else result.comparison.model


#: A checkpoint's judge: rejected as :func:`rejects` says, in the model matched at the base.
CHECKPOINT_JUDGE: Judge[CheckResult] = Judge(rejects, lambda r: r.outcome, _checkpoint_model)


@dataclass
class Bisection(Generic[R]):
    """One bisection: the repository, how to check a commit and judge the check, and what was
    checked so far. The static audit's findings of ``categories`` pick the candidates."""

    repo: git.Repo
    path: str
    check_at: Callable[[str, str | None], R]
    options: AuditOptions
    on_trial: OnTrial | None
    judge: Judge[R]
    categories: frozenset[Category] = MODEL_CATEGORIES
    base: R | None = None
    results: dict[str, R] = field(default_factory=dict)
    trials: list[Trial] = field(default_factory=list)
    commits: dict[str, Commit] = field(default_factory=dict)
    flagged: dict[tuple[str, str], tuple[Commit, ...]] = field(default_factory=dict)
    searched: str = "candidates"
    warnings: list[str] = field(default_factory=list)

    def commit(self, sha: str) -> Commit:
        if sha not in self.commits:
            self.commits[sha] = commit_at(self.repo, sha)
        return self.commits[sha]

    @property
    def model(self) -> str | None:
        """The model of the base's check, which every other commit is compared with."""
        return None if self.base is None else self.judge.model(self.base)

    def result(self, sha: str, role: str) -> R:
        """The check at SHA, run once; every first run is recorded as a trial.

        The first commit checked is the base: the others are judged against it, in its model.
        """
        if sha not in self.results:
            result = self.check_at(sha, self.model)
            self.results[sha] = result
            self.base = self.base or result
            verdict = self.judge.rejects(result, self.base)
            trial = Trial(self.commit(sha), role, self.judge.outcome(result), verdict)
            self.trials.append(trial)
            if self.on_trial is not None:
                self.on_trial(trial)
        return self.results[sha]

    def rejects(self, sha: str, role: str) -> bool | None:
        result = self.result(sha, role)
        assert self.base is not None
        return self.judge.rejects(result, self.base)

    def mainline(self, good: str, bad: str) -> list[str]:
        """The first-parent chain from BAD back to (not into) GOOD's history, oldest first."""
        args = ["rev-list", "--first-parent", "--reverse", f"{good}..{bad}", "--"]
        return run_git(self.repo, args)[1].decode("ascii").split()

    def candidates(self, good: str, bad: str) -> tuple[Commit, ...]:
        """The first-parent commits of GOOD..BAD whose findings are of ``categories``."""
        if (good, bad) not in self.flagged:
            options = replace(self.options, first_parent=True)
            self.reuse(good, bad, scan(self.path, f"{good}..{bad}", options))
        return self.flagged[good, bad]

    def reuse(self, good: str, bad: str, report: Report) -> None:
        """Take REPORT, the static audit of GOOD..BAD already run, for that range's
        candidates. Every commit is audited against its first parent whichever walk ran, so
        its first-parent commits' findings are those a first-parent scan finds."""
        line = set(self.mainline(good, bad))
        touched = {f.commit for f in report.findings if f.category in self.categories}
        self.flagged[good, bad] = tuple(
            c for c in report.commits if c.sha in touched and c.sha in line
        )

    def first_rejecting(self, items: Sequence[str], role: str) -> tuple[int, int, bool]:
        """Bisect ITEMS (oldest first), the last of which is known to reject.

        Returns ``(lo, hi, decided)``: ``items[lo]`` accepts (-1: the commit before them),
        ``items[hi]`` rejects. Commits that cannot be built are skipped; ``decided`` is False
        when they fill the gap between ``lo`` and ``hi``.
        """
        lo, hi = -1, len(items) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            order = sorted(range(lo + 1, hi), key=lambda i: (abs(i - mid), i < mid))
            for index in order:
                verdict = self.rejects(items[index], role)
                if verdict is not None:
                    break
            else:
                return lo, hi, False
            if verdict:
                hi = index
            else:
                lo = index
        return lo, hi, True

    def locate(self, good: str, bad: str, depth: int) -> tuple[str | None, list[str]]:
        """The first commit of GOOD..BAD that rejects (GOOD accepts, BAD rejects).

        Returns the commit named (None when undecided) and the commits left undecided.
        """
        line = self.mainline(good, bad)
        flagged = {c.sha for c in self.candidates(good, bad)}
        pool = [*(sha for sha in line if sha in flagged and sha != bad), bad]
        lo, hi, decided = self.first_rejecting(pool, "candidate")
        if not decided:
            return None, pool[lo + 1 : hi + 1]
        named, anchor = pool[hi], good if lo < 0 else pool[lo]
        if named not in flagged:
            self.searched = "all-commits"
        parent = self.commit(named).parent
        if parent is None or self.rejects(parent, "parent") is not False:
            # The static filter missed the change: every commit since the anchor.
            self.searched = "all-commits"
            start = line.index(anchor) + 1 if anchor in line else 0
            between = line[start : line.index(named) + 1]
            lo, hi, decided = self.first_rejecting(between, "commit")
            if not decided:
                return None, between[lo + 1 : hi + 1]
            named = between[hi]
        return self.follow_merge(named, depth)

    def parent_passes(self, named: str, fails_too: str) -> bool | None:
        """Whether the parent of the commit NAMED passes (None: it has none, or could not be
        built); when it does not, FAILS_TOO is warned: the history does not keep failing once
        it fails, so NAMED may not be the first commit."""
        parent = self.commit(named).parent
        passes = None if parent is None else self.rejects(parent, "parent") is False
        if not passes:
            self.warnings.append(
                f"the parent of {named[:7]} {fails_too}, so this may not be the first commit"
            )
        return passes

    def follow_merge(self, named: str, depth: int) -> tuple[str | None, list[str]]:
        """NAMED, or the commit of the branch it merged that broke, when it is a merge."""
        shown = run_git(self.repo, ["log", "-1", "--no-walk", "--format=%P", named, "--"])[1]
        parents = shown.decode("ascii").split()
        if len(parents) < 2 or depth >= MAX_MERGE_DEPTH:
            return named, []
        first, merged = parents[0], parents[1]
        if self.rejects(first, "parent") is not False:
            return named, []
        if self.rejects(merged, "branch") is not True:
            return named, []  # the branch accepts: the merge itself broke it
        return self.locate(first, merged, depth + 1)


def bisect_checkpoint(
    path: str | os.PathLike[str],
    revision_range: str,
    check_at: CheckAt,
    options: AuditOptions | None = None,
    on_trial: OnTrial | None = None,
    scanned: Report | None = None,
) -> BisectResult:
    """The first commit of REVISION_RANGE (``A..B``) whose model rejects the checkpoint.

    CHECK_AT checks the checkpoint at a commit sha, against a model named or (at the base)
    the one it belongs to. SCANNED is the static audit of the range when the caller already
    ran it (with these OPTIONS): it is not run again. Raises :class:`CannotCheck` when the
    models cannot be built at A or B, or A's models hold none of the checkpoint's keys.
    """
    with closing(open_repository(path)) as repo:
        rng = resolve_range(repo, revision_range)
        if rng.base is None:
            raise AuditError(f"--range needs A..B (the commits in B not in A), not {rng.label!r}")
        search = Bisection(
            repo, os.fspath(path), check_at, options or AuditOptions(), on_trial, CHECKPOINT_JUDGE
        )
        if scanned is not None:
            search.reuse(rng.base, rng.tip, scanned)
        common: dict[str, Any] = {
            "range": rng.label,
            "base": rng.base,
            "tip": rng.tip,
            "commits_in_range": len(search.mainline(rng.base, rng.tip)),
        }
        base = _checkable(search.result(rng.base, "base"), "base")
        if base.outcome is CheckOutcome.FAILS_TO_LOAD:
            return _result(search, common, BisectVerdict.REJECTED_AT_BASE, base, searched="none")
        # At the tip the base's model is asked for: found nowhere, it rejects the checkpoint.
        tip = _checkable(search.result(rng.tip, "tip"), "tip", *_UNBUILT)
        if not rejects(tip, base):
            return _result(search, common, BisectVerdict.LOADS_AT_TIP, tip, searched="none")
        common["candidates"] = search.candidates(rng.base, rng.tip)
        named, undecided = search.locate(rng.base, rng.tip, 0)
        if named is None:
            return _result(
                search,
                common,
                BisectVerdict.UNDECIDED,
                tip,
                undecided=tuple(search.commit(sha) for sha in undecided),
            )
        accepts = search.parent_passes(
            named,
            "does not accept the checkpoint either: the history does not keep rejecting once "
            "it rejects",
        )
        return _result(
            search,
            common,
            BisectVerdict.FOUND,
            search.results[named],
            first_rejecting=search.commit(named),
            parent_accepts=accepts,
        )


def _checkable(
    result: CheckResult,
    label: str,
    *unchecked: CheckOutcome,
) -> CheckResult:
    """RESULT, unless its outcome is one of UNCHECKED (default: every outcome not checked)."""
    if result.outcome in (unchecked or (*_UNBUILT, CheckOutcome.NO_MATCHING_MODEL)):
        raise CannotCheck(f"at the {label} of the range ({result.sha[:7]}): {result.reason}")
    return result


def _result(
    search: Bisection[CheckResult],
    common: dict[str, Any],
    verdict: BisectVerdict,
    check: CheckResult,
    **extra: Any,
) -> BisectResult:
    return BisectResult(
        **{"candidates": (), "searched": search.searched, **common, **extra},
        verdict=verdict,
        trials=tuple(search.trials),
        check=check,
        warnings=tuple(search.warnings),
        model=search.model,
    )

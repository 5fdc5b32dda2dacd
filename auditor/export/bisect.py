"""Name the first commit of a range at which a model stops exporting.

The search is ``check-ckpt --range``'s (:class:`auditor.checkpoints.bisect.Bisection`): the
commits the static audit flags are bisected, the commit named is verified against its
parent (all commits are searched when the flags missed it), and a merge is followed into
its branch. Only the judge differs: a commit "breaks" when a model that exports at the base
of the range fails to export there or its graph's outputs differ; a commit where such a
model could not be built or run decides nothing and is skipped.

The static audit cannot see most of what breaks export (a ``forward`` that starts branching
on a tensor's value has no fact), so its findings of every category but ``training`` pick
the candidates, and the verification of the commit named does the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import closing
from typing import Any

from auditor.checkpoints.bisect import Bisection, Judge, OnTrial
from auditor.domain import Category
from auditor.errors import AuditError
from auditor.export.results import (
    ExportBisect,
    ExportOutcome,
    ExportReport,
    RangeTrial,
    RangeVerdict,
)
from auditor.history import open_repository, resolve_range
from auditor.pipeline import AuditOptions

#: Findings of these categories pick the commits checked first.
EXPORT_CATEGORIES = frozenset(Category) - {Category.TRAINING}
#: Exports the profile's models at a commit sha.
ExportAt = Callable[[str], ExportReport]


class CannotSearch(AuditError):
    """The base or the tip of the range cannot be checked, so nothing can be searched."""


def exporting(report: ExportReport) -> tuple[str, ...]:
    """The models that export at REPORT's revision."""
    return tuple(m.name for m in report.models if m.outcome is ExportOutcome.EXPORTS)


def breaks(result: ExportReport, base: ExportReport) -> bool | None:
    """Whether export breaks at RESULT for a model that exports at BASE; None when one of
    those models could not be built or run there (and none breaks)."""
    outcomes = [result.outcome_of(name) for name in exporting(base)]
    if any(o is not None and o.breaks for o in outcomes):
        return True
    if any(o is not ExportOutcome.EXPORTS for o in outcomes):
        return None
    return False


#: How a search of a range judges an export check.
EXPORT_JUDGE: Judge[ExportReport] = Judge(breaks, lambda r: r.verdict, lambda r: None)


def bisect_export(
    path: str | os.PathLike[str],
    revision_range: str,
    export_at: ExportAt,
    options: AuditOptions | None = None,
    on_trial: OnTrial | None = None,
) -> ExportBisect:
    """The first commit of REVISION_RANGE (``A..B``) at which a model that exports at A
    stops exporting. EXPORT_AT exports the models at a commit sha. Raises
    :class:`CannotSearch` when A's models cannot be exported at all (and none breaks) or
    B's cannot be checked."""
    with closing(open_repository(path)) as repo:
        rng = resolve_range(repo, revision_range)
        if rng.base is None:
            raise AuditError(f"--range needs A..B (the commits in B not in A), not {rng.label!r}")
        search: Bisection[ExportReport] = Bisection(
            repo,
            os.fspath(path),
            lambda sha, _model: export_at(sha),
            options or AuditOptions(),
            on_trial,
            EXPORT_JUDGE,
            EXPORT_CATEGORIES,
        )
        common: dict[str, Any] = {
            "range": rng.label,
            "base": rng.base,
            "tip": rng.tip,
            "commits_in_range": len(search.mainline(rng.base, rng.tip)),
        }
        base = search.result(rng.base, "base")
        common["models"] = exporting(base)
        if not common["models"]:
            if any(m.outcome.breaks for m in base.models):
                return _result(search, common, RangeVerdict.BROKEN_AT_BASE, base)
            raise CannotSearch(f"at the base of the range ({rng.base[:7]}): {_why(base)}")
        tip = search.result(rng.tip, "tip")
        at_tip = breaks(tip, base)
        if at_tip is None:
            raise CannotSearch(f"at the tip of the range ({rng.tip[:7]}): {_why(tip)}")
        if not at_tip:
            return _result(search, common, RangeVerdict.EXPORTS_AT_TIP, tip)
        common["candidates"] = len(search.candidates(rng.base, rng.tip))
        named, undecided = search.locate(rng.base, rng.tip, 0)
        if named is None:
            return _result(
                search,
                common,
                RangeVerdict.UNDECIDED,
                tip,
                undecided=tuple(search.commit(sha) for sha in undecided),
            )
        exports = search.parent_passes(
            named,
            "does not export either: export does not stay broken once it breaks in this history",
        )
        return _result(
            search,
            common,
            RangeVerdict.FOUND,
            search.results[named],
            first_breaking=search.commit(named),
            parent_exports=exports,
        )


def _why(report: ExportReport) -> str:
    """Why no model of REPORT can be judged: the first model's error, or that none was."""
    for m in report.models:
        if m.outcome is not ExportOutcome.EXPORTS:
            return f"{m.name}: {m.outcome.value}: {m.error}"
    reasons = "; ".join(f"{name}: {why}" for name, why in report.skipped)
    return f"no model was exported{f' ({reasons})' if reasons else ''}"


def _result(
    search: Bisection[ExportReport],
    common: dict[str, Any],
    verdict: RangeVerdict,
    report: ExportReport,
    **extra: Any,
) -> ExportBisect:
    trials = tuple(
        RangeTrial(t.commit, t.role, str(t.outcome.value), t.rejects) for t in search.trials
    )
    settled = verdict in (RangeVerdict.EXPORTS_AT_TIP, RangeVerdict.BROKEN_AT_BASE)
    return ExportBisect(
        **{"searched": "none" if settled else search.searched, **common, **extra},
        verdict=verdict,
        trials=trials,
        report=report,
        warnings=tuple(search.warnings),
    )

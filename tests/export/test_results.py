"""The verdicts of an export check and of a search of a range."""

from __future__ import annotations

from auditor.domain import Commit
from auditor.export.results import (
    ExportBisect,
    ExportCheck,
    ExportOutcome,
    ExportReport,
    ExportVerdict,
    ModelExport,
    RangeVerdict,
)

SHA = "a" * 40


def report(*outcomes: ExportOutcome) -> ExportReport:
    models = tuple(ModelExport(f"m{i}", o) for i, o in enumerate(outcomes))
    return ExportReport("repo", "tiny", "HEAD", SHA, "cpu", models)


def test_a_model_that_does_not_export_breaks_even_beside_one_not_checked() -> None:
    assert report(ExportOutcome.EXPORTS).verdict is ExportVerdict.EXPORTS
    mixed = report(ExportOutcome.EXPORTS, ExportOutcome.TIMEOUT, ExportOutcome.EXPORT_FAILS)
    assert mixed.verdict is ExportVerdict.BREAKS
    assert report(ExportOutcome.BUILD_FAILED).verdict is ExportVerdict.BREAKS


def test_a_model_not_checked_or_no_model_at_all_is_not_checked() -> None:
    assert report(ExportOutcome.EXPORTS, ExportOutcome.UNAVAILABLE).verdict is (
        ExportVerdict.NOT_CHECKED
    )
    assert report().verdict is ExportVerdict.NOT_CHECKED


def test_only_export_failures_and_differing_graphs_break_export() -> None:
    assert {o for o in ExportOutcome if o.breaks} == {
        ExportOutcome.EXPORT_FAILS,
        ExportOutcome.EXPORTED_OUTPUT_DIFFERS,
    }
    assert report(ExportOutcome.CRASHED).outcome_of("m0") is ExportOutcome.CRASHED
    assert report(ExportOutcome.CRASHED).outcome_of("gone") is None


def test_with_a_range_the_search_decides_the_verdict() -> None:
    broken = report(ExportOutcome.EXPORT_FAILS)
    commit = Commit(SHA, None, "2024-01-01", "Ada", "subject")

    def searched(verdict: RangeVerdict) -> ExportCheck:
        found = ExportBisect("A..B", SHA, SHA, verdict, 1, (), broken, first_breaking=commit)
        return ExportCheck(broken, found)

    assert ExportCheck(broken).verdict is ExportVerdict.BREAKS
    assert searched(RangeVerdict.EXPORTS_AT_TIP).verdict is ExportVerdict.EXPORTS
    assert searched(RangeVerdict.FOUND).verdict is ExportVerdict.BREAKS
    assert searched(RangeVerdict.BROKEN_AT_BASE).verdict is ExportVerdict.BREAKS
    assert searched(RangeVerdict.UNDECIDED).verdict is ExportVerdict.NOT_CHECKED

"""The first commit of a range at which a model stops exporting, found by check-ckpt's search."""

from __future__ import annotations

import pytest

from auditor.domain import Category
from auditor.export.bisect import (
    EXPORT_CATEGORIES,
    CannotSearch,
    bisect_export,
    breaks,
    exporting,
)
from auditor.export.check import export_check
from auditor.export.results import (
    ExportBisect,
    ExportOutcome,
    ExportReport,
    ModelExport,
    RangeVerdict,
)
from auditor.pipeline import AuditOptions
from auditor.runtime.detect import pick_profile
from tests.gitrepo import GitRepo

SHA = "b" * 40


def report(**outcomes: ExportOutcome) -> ExportReport:
    models = tuple(ModelExport(name, o) for name, o in outcomes.items())
    return ExportReport("repo", "tiny", "HEAD", SHA, "cpu", models)


def test_only_the_models_that_export_at_the_base_are_judged() -> None:
    base = report(a=ExportOutcome.EXPORTS, b=ExportOutcome.EXPORT_FAILS)
    assert exporting(base) == ("a",)
    assert breaks(report(a=ExportOutcome.EXPORTS, b=ExportOutcome.EXPORT_FAILS), base) is False
    assert breaks(report(a=ExportOutcome.EXPORTED_OUTPUT_DIFFERS), base) is True
    assert breaks(report(a=ExportOutcome.BUILD_FAILED), base) is None
    assert breaks(report(), base) is None  # the model is gone: nothing to say


def test_training_findings_alone_pick_no_candidate() -> None:
    assert Category.TRAINING not in EXPORT_CATEGORIES
    assert Category.OTHER in EXPORT_CATEGORIES


def _search(repo: GitRepo, revision_range: str) -> ExportBisect:
    profile = pick_profile(repo.path, "HEAD", None)
    return bisect_export(
        repo.path,
        revision_range,
        lambda sha: export_check(repo.path, sha, profile, "cpu", timeout=120),
        AuditOptions(use_cache=False),
    )


@pytest.mark.torch
def test_the_commit_that_breaks_export_is_found_though_no_static_finding_flags_it(
    export_repo: GitRepo,
) -> None:
    pytest.importorskip("torch")
    found = _search(export_repo, "v1..HEAD")
    assert found.verdict is RangeVerdict.FOUND
    assert found.first_breaking is not None
    assert found.first_breaking.subject == "normalise loud inputs"
    assert found.parent_exports is True
    assert found.searched == "all-commits"
    assert found.models == ("plain", "branchy")
    at = {m.name: m.outcome for m in found.report.models}
    assert at == {"plain": ExportOutcome.EXPORTS, "branchy": ExportOutcome.EXPORTED_OUTPUT_DIFFERS}
    roles = [t.role for t in found.trials]
    assert roles[:2] == ["base", "tip"] and "parent" in roles
    assert found.commits_in_range == 3


@pytest.mark.torch
def test_a_range_whose_tip_still_exports_settles_at_the_ends(export_repo: GitRepo) -> None:
    pytest.importorskip("torch")
    found = _search(export_repo, "v1..HEAD~2")
    assert found.verdict is RangeVerdict.EXPORTS_AT_TIP
    assert found.searched == "none"
    assert [t.role for t in found.trials] == ["base", "tip"]


@pytest.mark.torch
def test_a_base_where_no_model_builds_cannot_be_searched(export_repo: GitRepo) -> None:
    pytest.importorskip("torch")
    export_repo.commit("break the config", {"conf.json": "{}"})
    export_repo.git("tag", "broken")
    export_repo.commit("fix it", {"conf.json": '{"width": 4}'})
    with pytest.raises(CannotSearch, match="at the base of the range"):
        _search(export_repo, "broken..HEAD")

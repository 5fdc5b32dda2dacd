"""The many-fork table's figures."""

from __future__ import annotations

from auditor.domain import Category, Severity
from auditor.fork import ForkReport
from auditor.fork.rows import summarise, worst
from tests.fork.test_verdict import finding


def test_new_variant_details_do_not_count_as_the_worst_finding() -> None:
    variant = finding("MA401", Severity.CRITICAL, Category.NEW_VARIANT, "model.gin_channels", 1, 2)
    pin = finding("MA201", Severity.LOW, Category.DEPENDENCY, "torch", "==2.1", "==2.3")
    assert worst((variant, pin)) == "low"
    assert worst((variant,)) is None
    assert worst(()) is None


def test_row_figures(audited: dict[str, ForkReport]) -> None:
    gin = summarise(audited["gin_submodule"])
    assert (gin.ahead, gin.behind, gin.age_days) == (2, 1, 1)
    assert (gin.fork_max, gin.upstream_max, gin.net_max) == ("critical", "critical", "critical")
    assert gin.verdict == "SoVITS generator: no / no; GPT stage: no / no"
    orphan = summarise(audited["orphan_import"])
    assert (orphan.merge_base, orphan.age_days, orphan.fork_max) == (None, None, None)
    webui = summarise(audited["webui_only"])
    assert (webui.compatible, webui.net_max, webui.upstream_max) == (True, "info", None)

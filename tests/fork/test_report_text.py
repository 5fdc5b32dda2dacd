"""Fork renderers: golden files (``make golden`` regenerates them) and what they must say."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.classify.effects import Loads
from auditor.domain import Severity
from auditor.fork import ForkReport, ForkRow
from auditor.fork.report import Direction
from auditor.fork.report_text import at_least, loads_text, render_markdown, render_table
from auditor.fork.rows import render_rows_markdown, render_rows_text, verdict_text
from tests.fork.conftest import FORKS

GOLDEN = Path(__file__).parent / "golden"


def labelled(report: ForkReport, name: str) -> ForkReport:
    """REPORT with the labels a reader would give, not the temporary paths of the test."""
    return replace(
        report,
        repository=name,
        upstream_spec="mini_sovits",
        fork=replace(report.fork, label=name),
        upstream=replace(report.upstream, label="mini_sovits"),
    )


def check_golden(text: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("MODEL_AUDIT_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FORKS)
def test_fork_golden(audited: dict[str, ForkReport], name: str) -> None:
    report = labelled(audited[name], name)
    check_golden(render_table(report), f"{name}.txt")
    check_golden(render_markdown(report), f"{name}.md")


def test_forks_table_golden(audited: dict[str, ForkReport]) -> None:
    rows = [ForkRow(fork=name, report=labelled(audited[name], name)) for name in FORKS]
    rows.append(ForkRow(fork="gone", error="fork 'gone': no such directory (give DIR or DIR@REF)"))
    check_golden(render_rows_text("mini_sovits", rows), "forks.txt")
    check_golden(render_rows_markdown("mini_sovits", rows), "forks.md")


def test_the_verdicts_read_as_the_issue_asks(audited: dict[str, ForkReport]) -> None:
    gin = audited["gin_submodule"]
    text = render_table(gin)
    assert "SoVITS generator │ no" in text
    assert "[fork " in text and "[upstream " in text  # commits behind reasons survive markup
    assert verdict_text(audited["webui_only"].verdicts) == "compatible"
    assert verdict_text(gin.verdicts) == "SoVITS generator: no / no; GPT stage: no / no"
    orphan = render_markdown(audited["orphan_import"])
    assert "no common history, tips compared tree to tree" in orphan
    assert "Not audited: no common history." in orphan


def test_strict_false_names_the_keys(audited: dict[str, ForkReport]) -> None:
    sovits = audited["gin_submodule"].verdicts[0]
    reasons = tuple(r for r in sovits.reasons if r.key.endswith("emo_emb"))
    assert loads_text(Loads.NON_STRICT, reasons, Direction.UPSTREAM_INTO_FORK) == (
        "strict=False (missing emo_emb.*)"
    )
    assert loads_text(Loads.NON_STRICT, reasons, Direction.FORK_INTO_UPSTREAM) == (
        "strict=False (unexpected emo_emb.*)"
    )
    assert loads_text(Loads.NO, reasons, Direction.FORK_INTO_UPSTREAM) == "no"
    unexpected = next(r for r in reasons if r.direction is Direction.FORK_INTO_UPSTREAM)
    many = tuple(replace(unexpected, keys=(f"k{n}.*",)) for n in range(5))
    assert loads_text(Loads.NON_STRICT, many, Direction.FORK_INTO_UPSTREAM) == (
        "strict=False (unexpected k0.*, unexpected k1.*, unexpected k2.*, 2 more)"
    )


def test_min_severity_leaves_verdicts_alone(audited: dict[str, ForkReport]) -> None:
    report = audited["gin_submodule"]
    shown = at_least(report, Severity.CRITICAL)
    assert {f.severity for f in shown.net} == {Severity.CRITICAL}
    assert len(shown.net) < len(report.net)
    assert shown.verdicts == report.verdicts
    assert [f.rule for f in shown.fork.report.findings] == ["MA101"]

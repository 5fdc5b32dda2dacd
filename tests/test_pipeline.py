"""The pipeline audits the sample repositories exactly as their expected.json says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.domain import Report, Severity
from auditor.pipeline import AuditOptions, diff_revisions, scan
from auditor.render.json_report import json_value, report_to_dict
from tests.conftest import expected_of, validate

NO_CACHE = AuditOptions(use_cache=False)


def _subject(report: Report, sha: str | None) -> str | None:
    commit = report.commit(sha) if sha else None
    return commit.subject if commit else None


def _comparable(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def test_mini_sovits_scan_matches_expected(sample_repo: Callable[[str], Path]) -> None:
    expected = expected_of("mini_sovits")
    report = scan(sample_repo("mini_sovits"), None, NO_CACHE)
    validate(report_to_dict(report), "report")
    found = sorted(
        _comparable(
            {
                "commit": _subject(report, f.commit),
                "rule": f.rule,
                "severity": f.severity.value,
                "file": f.file,
                "key": f.key,
                "old": json_value(f.old),
                "new": json_value(f.new),
            }
        )
        for f in report.findings
    )
    assert found == sorted(_comparable(item) for item in expected["findings"])
    for trap in expected["traps"]:
        above_info = [
            f
            for f in report.findings
            if _subject(report, f.commit) == trap and f.severity is not Severity.INFO
        ]
        assert above_info == [], trap
    warned = [(_subject(report, w.commit), w.file, w.message) for w in report.warnings]
    assert len(warned) == len(expected["warnings"])
    for want in expected["warnings"]:
        assert any(
            subject == want["commit"] and file == want["file"] and want["contains"] in text
            for subject, file, text in warned
        ), (want, warned)


def test_scan_is_deterministic_and_cache_gives_the_same_report(
    sample_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    repo = sample_repo("mini_sovits")
    cold = scan(repo, None, AuditOptions(cache_dir=tmp_path / "cache"))
    warm = scan(repo, None, AuditOptions(cache_dir=tmp_path / "cache"))
    assert (
        report_to_dict(cold) == report_to_dict(warm) == report_to_dict(scan(repo, None, NO_CACHE))
    )
    assert (tmp_path / "cache").is_dir()


def test_range_starts_after_its_baseline(sample_repo: Callable[[str], Path]) -> None:
    repo = sample_repo("mini_sovits")
    whole = scan(repo, None, NO_CACHE)
    part = scan(repo, "v1.0..v2.0", NO_CACHE)
    assert part.range == "v1.0..v2.0"
    assert 0 < part.commits_scanned < whole.commits_scanned
    assert {f.id for f in part.findings} <= {f.id for f in whole.findings}


def test_diff_between_tags_reports_net_changes(sample_repo: Callable[[str], Path]) -> None:
    repo = sample_repo("mini_sovits")
    report = diff_revisions(repo, "v1.0", "v3.0", NO_CACHE)
    validate(report_to_dict(report), "report")
    keys = {f.key for f in report.findings if f.severity is Severity.CRITICAL}
    assert "model.gin_channels" in keys
    assert all(f.parent and f.commit for f in report.findings)
    assert diff_revisions(repo, "v2.0", "v2.0", NO_CACHE).findings == ()


@pytest.mark.parametrize("first_parent", [True, False])
def test_first_parent_walk_finds_the_same_changes(
    sample_repo: Callable[[str], Path], first_parent: bool
) -> None:
    report = scan(
        sample_repo("mini_sovits"), None, AuditOptions(use_cache=False, first_parent=first_parent)
    )
    assert any(f.key == "model.gin_channels" for f in report.findings)


def test_diff_pairs_a_config_moved_then_reindented(sample_repo: Callable[[str], Path]) -> None:
    """v2.0..v3.1: s1longer.yaml moved to configs_v2/ and was re-indented; git does not pair
    the two paths, their facts do, and the codebook's new vocabulary size is reported."""
    repo = sample_repo("mini_sovits")
    report = diff_revisions(repo, "v2.0", "v3.1", NO_CACHE)
    s1longer = [f for f in report.findings if f.file.endswith("s1longer.yaml")]
    assert {(f.rule, f.file, f.key, f.old, f.new) for f in s1longer} == {
        ("MA102", "GPT_SoVITS/configs_v2/s1longer.yaml", "model.vocab_size", 1025, 2049),
        ("MA900", "GPT_SoVITS/configs_v2/s1longer.yaml", "data.pad_val", 1024, 2048),
        ("MA999", "GPT_SoVITS/configs_v2/s1longer.yaml", "model.EOS", 1024, 2048),
        ("MA900", "GPT_SoVITS/configs_v2/s1longer.yaml", "model.dropout", 0, 0.1),
    }
    assert all("(file moved from GPT_SoVITS/configs/s1longer.yaml)" in f.message for f in s1longer)
    # s1big.yaml, removed in that range, shares most keys but is not the moved file
    assert [(f.rule, f.file) for f in report.findings if f.file.endswith("s1big.yaml")] == [
        ("MA302", "GPT_SoVITS/configs/s1big.yaml")
    ]

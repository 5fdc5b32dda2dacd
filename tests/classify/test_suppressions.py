"""Suppressions: validation, matching, expiry, counting, and the scan that applies them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.classify.suppressions import (
    Suppressions,
    apply_suppressions,
    find_suppressions,
    parse_suppressions,
    read_suppressions,
)
from auditor.domain import Category, ChangeKind, Confidence, Finding, Report, Severity
from auditor.errors import ConfigError
from auditor.pipeline import AuditOptions, scan
from auditor.render.table import summary
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

TODAY = dt.date(2025, 6, 1)
S2 = '{{"model": {{"gin_channels": {gin}, "hidden_channels": {hidden}}}}}\n'


def finding(fid: str, rule: str, file: str, key: str) -> Finding:
    return Finding(
        fid, rule, ChangeKind.MODIFIED, "c" * 40, None, file, 1, Severity.CRITICAL,
        Confidence.MEDIUM, Category.TENSOR_SHAPE, key.rsplit(".", 1)[-1], key, 1, 2, "m.", "h.",
    )  # fmt: skip


FINDINGS = (
    finding("0000000000000001", "MA101", "GPT_SoVITS/configs/s2.json", "model.gin_channels"),
    finding("0000000000000002", "MA101", "GPT_SoVITS/configs/s2.json", "model.hidden_channels"),
    finding("0000000000000003", "MA101", "tools/s2.json", "model.gin_channels"),
    finding("0000000000000004", "MA201", "requirements.txt", "torch"),
)
REPORT = Report("r", "HEAD", 4, findings=FINDINGS)


def _kept(yaml_text: str, today: dt.date = TODAY) -> tuple[list[str], Report]:
    report = apply_suppressions(REPORT, read_suppressions(yaml_text, "ignore.yaml"), today)
    return [f.id[-1] for f in report.findings], report


def test_by_id() -> None:
    kept, report = _kept("ignore:\n  - id: '0000000000000002'\n    reason: reviewed\n")
    assert kept == ["1", "3", "4"] and report.suppressed == 1


def test_by_rule_file_and_key_globs() -> None:
    assert _kept("ignore:\n  - {rule: MA101, reason: r}\n")[0] == ["4"]
    assert _kept("ignore:\n  - {rule: MA101, file: 'GPT_SoVITS/**', reason: r}\n")[0] == ["3", "4"]
    assert _kept("ignore:\n  - {rule: MA101, file: s2.json, key: '*.gin_*', reason: r}\n")[0] == [
        "2",
        "4",
    ]
    assert _kept("ignore:\n  - {rule: MA102, reason: r}\n")[0] == ["1", "2", "3", "4"]


def test_until_is_the_last_day_and_expiry_warns() -> None:
    text = "ignore:\n  - {rule: MA201, reason: torch pinned, until: 2025-06-01}\n"
    kept, report = _kept(text)
    assert kept == ["1", "2", "3"] and report.warnings == ()
    kept, report = _kept(text, dt.date(2025, 6, 2))
    assert kept == ["1", "2", "3", "4"] and report.suppressed == 0
    (warning,) = report.warnings
    assert warning.message == (
        "ignore.yaml: suppression entry 1 (rule MA201) expired on 2025-06-01 "
        "and no longer applies (torch pinned)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignore:\n  - {rule: MA101}\n", "entry 1 (rule MA101): 'reason' is a required property"),
        (
            "ignore:\n  - {rule: MA101, reason: r}\n  - {id: '0000000000000001', rule: MA101, "
            "reason: r}\n",
            "entry 2 (id 0000000000000001): give either 'id', or 'rule'",
        ),
        ("ignore:\n  - {file: a.json, reason: r}\n", "entry 1: give either 'id', or 'rule'"),
        ("ignore:\n  - {rule: X1, reason: r}\n", "entry 1 (rule X1) 'rule': 'X1' does not match"),
        ("ignore:\n  - {rule: MA101, reason: r, until: 2025-02-30}\n", "'until': '2025-02-30'"),
        ("ignore:\n  - {rule: MA101, reason: r, until: soon}\n", "'until': 'soon' does not match"),
        ("ignores: []\n", "invalid value at '(top level)'"),
        ("ignore: [\n", "2:1: invalid YAML: expected the node content"),
        (
            "ignore:\n  - {rule: MA101, file: 'configs/[s2.json', reason: r}\n",
            "entry 1 (rule MA101) 'file': 'configs/[s2.json' is not a glob: the '[' at column 9 "
            "is never closed",
        ),
        (
            "ignore:\n  - {rule: MA101, file: 'configs/s[2-1].json', reason: r}\n",
            "entry 1 (rule MA101) 'file': 'configs/s[2-1].json' is not a glob: bad character "
            "range 2-1",
        ),
        (
            "ignore:\n  - {rule: MA101, reason: r}\n"
            "  - {rule: MA102, key: 'model.[gin', reason: r}\n",
            "entry 2 (rule MA102) 'key': 'model.[gin' is not a glob",
        ),
    ],
)
def test_invalid_files_name_the_bad_entry(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_suppressions(text, ".model-audit-ignore.yaml")
    assert str(caught.value).startswith(".model-audit-ignore.yaml:")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("source", "text", "message"),
    [
        (
            ".model-audit-ignore.yaml",
            "ignore:\n  - rule: MA101\n    reason: x: y\n",
            ".model-audit-ignore.yaml:3:14: invalid YAML: mapping values are not allowed here",
        ),
        (
            "ignore.json",
            '{"ignore": [\n  {"rule": "MA101",}\n]}\n',
            "ignore.json:2:20: invalid JSON: ",
        ),
    ],
)
def test_syntax_errors_say_file_line_and_column(source: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_suppressions(text, source)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    if source.endswith(".json"):
        assert "YAML" not in str(caught.value)


def test_a_json_ignore_file_is_read_as_json() -> None:
    text = '{"ignore": [{"rule": "MA101", "reason": "r", "until": "2025-06-01"}]}'
    (entry,) = read_suppressions(text, "ignore.json").entries
    assert (entry.rule, entry.until) == ("MA101", dt.date(2025, 6, 1))


def test_no_file_and_empty_file_suppress_nothing() -> None:
    assert find_suppressions(None) == Suppressions()
    assert apply_suppressions(REPORT, find_suppressions(b""), TODAY) == REPORT


def test_summary_counts_suppressed() -> None:
    _, report = _kept("ignore:\n  - {rule: MA101, reason: r}\n")
    assert summary(report).endswith("in 4 commits scanned (3 suppressed)")


@pytest.fixture
def audited(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2.format(gin=256, hidden=192)})
    repo.commit("wider", {"configs/s2.json": S2.format(gin=512, hidden=256)})
    return repo


def test_scan_reads_the_ignore_file_at_the_tip(audited: GitRepo) -> None:
    ignore = "ignore:\n  - rule: MA101\n    key: model.gin_channels\n    reason: by design\n"
    audited.commit("accept", {".model-audit-ignore.yaml": ignore})
    report = scan(audited.path, options=AuditOptions(use_cache=False, today=TODAY))
    assert [f.key for f in report.findings] == ["model.hidden_channels"]
    assert report.suppressed == 1


def test_cli_json_counts_suppressed_and_invalid_file_exits_2(
    capsys: pytest.CaptureFixture[str], audited: GitRepo, tmp_path: Path
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - {rule: MA101, file: '*.json', reason: r}\n", "utf-8")
    args = ["scan", str(audited.path), "--no-cache", "--ignore-file", str(ignore)]
    code, out, _ = run(capsys, *args, "--format", "json")
    document = json.loads(out)
    validate(document, "report")
    assert (code, document["findings"], document["suppressed"]) == (0, [], 2)
    _, out, _ = run(capsys, *args)
    assert "(2 suppressed)" in out
    ignore.write_text("ignore:\n  - {rule: MA101}\n", "utf-8")
    code, _, err = run(capsys, *args)
    assert code == 2 and "entry 1 (rule MA101)" in err and str(ignore) in err


def test_the_tips_ignore_file_says_where_its_syntax_is_wrong(
    capsys: pytest.CaptureFixture[str], audited: GitRepo
) -> None:
    ignore = "ignore:\n  - {rule: MA101, reason: r}\n  - rule: x: y\n"
    audited.commit("accept", {".model-audit-ignore.yaml": ignore})
    code, out, err = run(capsys, "scan", str(audited.path), "--no-cache")
    assert (code, out) == (2, "")
    assert err == (
        "error: .model-audit-ignore.yaml:3:12: invalid YAML: mapping values are not allowed here\n"
    )
    assert err.count("\n") == 1


def test_an_invalid_glob_in_the_ignore_file_is_an_error(
    capsys: pytest.CaptureFixture[str], audited: GitRepo, tmp_path: Path
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - {rule: MA101, file: 'configs/[s2.json', reason: r}\n", "utf-8")
    args = ["scan", str(audited.path), "--no-cache", "--ignore-file", str(ignore)]
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {ignore}: invalid suppression: entry 1 (rule MA101) 'file': 'configs/[s2.json' "
        "is not a glob: the '[' at column 9 is never closed (a literal '[' is written '[[]')\n"
    )


def test_a_runtime_finding_is_suppressed_by_its_rule() -> None:
    from tests.classify.test_classifier import _runtime_finding

    report = Report("r", "v3.1..v3.2", 1, findings=(_runtime_finding(),))
    ignore = parse_suppressions({"ignore": [{"rule": "MA601", "reason": "accepted"}]}, "i.yaml")
    left = apply_suppressions(report, ignore)
    assert (left.findings, left.suppressed) == ((), 1)

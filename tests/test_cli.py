"""The command line: exit codes, formats, outputs and errors without tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import validate
from tests.gitrepo import GitRepo

S2 = '{{"train": {{"learning_rate": {lr}}}, "model": {{"gin_channels": {gin}}}}}\n'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``model-audit ARGS``: (exit code, stdout, stderr)."""
    saved = sys.argv
    sys.argv = ["model-audit", *args]
    try:
        main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2.format(lr=1e-4, gin=512)})
    repo.git("tag", "v1")
    repo.commit("lower the learning rate", {"configs/s2.json": S2.format(lr=5e-5, gin=512)})
    repo.commit("bigger speaker embedding", {"configs/s2.json": S2.format(lr=5e-5, gin=1024)})
    return repo


def test_json_report_validates_and_fail_on_gates(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    code, out, _ = run(
        capsys,
        "scan",
        str(small_repo.path),
        "--no-cache",
        "--format",
        "json",
        "--fail-on",
        "critical",
    )
    assert code == 1
    report = json.loads(out)
    validate(report, "report")
    assert [(f["key"], f["old"], f["new"]) for f in report["findings"]] == [
        ("model.gin_channels", 512, 1024)
    ]
    assert report["commits_scanned"] == 3


def test_learning_rate_only_passes_the_gate(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    code, out, _ = run(
        capsys,
        "scan",
        str(small_repo.path),
        "--no-cache",
        "--range",
        "v1..HEAD~1",
        "--format",
        "json",
        "--fail-on",
        "low",
    )
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_min_severity_info_shows_training_changes(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    _, out, _ = run(
        capsys,
        "scan",
        str(small_repo.path),
        "--no-cache",
        "--format",
        "json",
        "--min-severity",
        "info",
    )
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"MA101", "MA900"}


def test_table_groups_findings_by_commit_and_writes_output_file(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo, tmp_path: Path
) -> None:
    target = tmp_path / "report.txt"
    code, out, _ = run(capsys, "scan", str(small_repo.path), "--no-cache", "-o", str(target))
    assert (code, out) == (0, "")
    text = target.read_text("utf-8")
    assert "bigger speaker embedding" in text
    assert "model.gin_channels" in text and "512 → 1024" in text and "configs/s2.json:1" in text
    assert "1 critical, 0 high, 0 medium, 0 low, 0 info in 3 commits scanned" in text


def test_diff_command(capsys: pytest.CaptureFixture[str], small_repo: GitRepo) -> None:
    code, out, _ = run(
        capsys, "diff", "v1", "HEAD", str(small_repo.path), "--no-cache", "--format", "json"
    )
    report = json.loads(out)
    validate(report, "report")
    assert code == 0
    assert [f["key"] for f in report["findings"]] == ["model.gin_channels"]
    assert report["range"] == "v1..HEAD"


def test_diff_is_a_tree_comparison_not_a_scan(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    code, out, _ = run(capsys, "diff", "v1", "HEAD", str(small_repo.path), "--no-cache")
    assert code == 0
    assert "v1..HEAD (tree comparison)" in out
    assert "1 critical, 0 high, 0 medium, 0 low, 0 info between the trees of v1 and HEAD" in out
    assert "commits scanned" not in out and "bigger speaker embedding" not in out
    code, out, _ = run(
        capsys, "diff", "v1", "HEAD", str(small_repo.path), "--no-cache", "--format", "markdown"
    )
    assert "in `v1..HEAD` (tree comparison)" in out
    assert "between the trees of `v1` and `HEAD`" in out and "scanned" not in out
    code, out, _ = run(
        capsys, "diff", "v1", "HEAD", str(small_repo.path), "--no-cache", "--format", "json"
    )
    report = json.loads(out)
    validate(report, "report")
    assert report["commits_scanned"] == 0
    assert [f["commit"] for f in report["findings"]] == [small_repo.sha("HEAD")]


def test_diff_compares_the_trees_either_way_round(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    code, out, err = run(
        capsys, "diff", "HEAD", "v1", str(small_repo.path), "--no-cache", "--format", "json"
    )
    assert (code, err) == (0, "model-audit: comparing HEAD and v1…\n")
    report = json.loads(out)
    validate(report, "report")
    assert report["range"] == "HEAD..v1"
    assert [(f["key"], f["old"], f["new"]) for f in report["findings"]] == [
        ("model.gin_channels", 1024, 512)
    ]


def test_a_reversed_scan_range_is_an_error_naming_both_ends(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    small_repo.git("tag", "v2")
    code, out, err = run(capsys, "scan", str(small_repo.path), "--no-cache", "--range", "v2..v1")
    assert (code, out) == (2, "")
    assert err == (
        f"error: reversed range 'v2..v1' in {small_repo.path}: v1 is an ancestor of v2, "
        "so the range holds no commit; did you mean v1..v2?\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "{repo}", "--range", "v9..HEAD"], "unknown revision 'v9'"),
        (["diff", "nope", "HEAD", "{repo}"], "unknown revision 'nope'"),
        (["scan", "{tmp}/absent"], "absent"),
        (["scan", "{tmp}"], "not a git repository"),
        (["scan", "{repo}", "--format", "yaml"], "Invalid value for '--format'"),
        (["scan", "{repo}", "--fail-on", "fatal"], "Invalid value for '--fail-on'"),
    ],
)
def test_errors_exit_2_with_one_clear_line(
    capsys: pytest.CaptureFixture[str],
    small_repo: GitRepo,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    filled = [a.format(repo=small_repo.path, tmp=tmp_path) for a in args]
    code, _, err = run(capsys, *filled, "--no-cache")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_empty_repository_is_an_error(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo]
) -> None:
    empty = make_repo("empty")
    code, _, err = run(capsys, "scan", str(empty.path), "--no-cache")
    assert code == 2 and "empty repository" in err


def test_invalid_project_config_names_the_key(
    capsys: pytest.CaptureFixture[str], small_repo: GitRepo
) -> None:
    small_repo.commit("configure", {".model-audit.yaml": "severity:\n  MA101: fatal\n"})
    code, _, err = run(capsys, "scan", str(small_repo.path), "--no-cache")
    assert code == 2
    assert ".model-audit.yaml" in err and "severity.MA101" in err


def test_rules_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["MA101", "tensor-shape-parameter", "critical"]

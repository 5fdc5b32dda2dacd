"""``model-audit ci github`` end to end: a pull request that breaks checkpoints, one that
does not, a shallow clone, pushes, and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.ci.event import ZERO_SHA
from auditor.schemas import schema_dir
from tests.ci.conftest import GIN_LINE, Actions, Run, clone, pull_request, push, s2
from tests.conftest import validate
from tests.gitrepo import GitRepo


@cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((schema_dir() / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@pytest.fixture
def fork(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """main: the base commit; then a PR head doubling gin_channels (HEAD)."""
    repo = make_repo("GPT-SoVITS")
    repo.commit("base", {"configs/s2.json": s2(lr=0.0001, gin=512)})
    repo.git("checkout", "-q", "-b", "feature/sv")
    repo.commit("Double gin_channels for the SV embedding", {"configs/s2.json": s2(gin=1024)})
    return repo


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_breaking_pr(code: int, out: str, actions: Actions, tmp_path: Path) -> None:
    assert code == 1
    annotation = f"::error file=configs/s2.json,line={GIN_LINE},title=MA101 critical%3A "
    assert out.startswith(annotation + "model.gin_channels 512 → 1024::")
    assert "Commit: " in out and "Double gin_channels for the SV embedding" in out
    summary = actions.summary.read_text(encoding="utf-8")
    assert summary.startswith("### model-audit: `")
    assert "| severity | rule | parameter | change | location | commit |" in summary
    row = "| critical | MA101 | `model.gin_channels` | `512` → `1024` | "
    assert f"{row}`configs/s2.json:{GIN_LINE}` |" in summary
    outputs = actions.outputs()
    report_path = actions.temp / "model-audit-report.json"
    assert outputs == {
        "findings": "1",
        "critical": "1",
        "high": "0",
        "medium": "0",
        "low": "0",
        "info": "0",
        "max-severity": "critical",
        "report": str(report_path),
        "sarif": str(tmp_path / "out" / "model-audit.sarif"),
    }
    report = load(report_path)
    validate(report, "report")
    assert [(f["key"], f["old"], f["new"]) for f in report["findings"]] == [
        ("model.gin_channels", 512, 1024)
    ]
    sarif = load(tmp_path / "out" / "model-audit.sarif")
    sarif_validator().validate(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["MA101"]
    comment = (tmp_path / "out" / "comment.md").read_text(encoding="utf-8")
    assert "no — 1 critical change" in comment


def outputs_args(tmp_path: Path) -> list[str]:
    out = tmp_path / "out"
    return ["--sarif", str(out / "model-audit.sarif"), "--comment", str(out / "comment.md")]


def test_a_pull_request_that_breaks_checkpoints_fails(
    cli: Run, actions: Actions, fork: GitRepo, tmp_path: Path
) -> None:
    base, head = fork.sha("main"), fork.sha("HEAD")
    actions.event("pull_request", pull_request(base, head))
    code, out, err = cli("ci", "github", str(fork.path), "--no-cache", *outputs_args(tmp_path))
    assert_breaking_pr(code, out, actions, tmp_path)
    assert f"pull request #7: auditing {base[:7]}..{head[:7]}" in err
    assert load(actions.temp / "model-audit-report.json")["range"] == f"{base[:7]}..{head[:7]}"


def test_a_shallow_clone_is_deepened_from_origin(
    cli: Run, actions: Actions, fork: GitRepo, tmp_path: Path
) -> None:
    base, head = fork.sha("main"), fork.sha("HEAD")
    shallow = clone(fork, tmp_path / "checkout", "--depth", "1")
    assert fork.git("rev-parse", "--is-shallow-repository", cwd=shallow) == "true"
    actions.event("pull_request", pull_request(base, head))
    code, out, err = cli("ci", "github", str(shallow), "--no-cache", *outputs_args(tmp_path))
    assert_breaking_pr(code, out, actions, tmp_path)
    assert "fetching 50 more commits from origin" in err
    assert "shallow" not in json.dumps(load(actions.temp / "model-audit-report.json")["warnings"])


def test_a_shallow_clone_without_fetching_is_an_error_with_the_fix(
    cli: Run, actions: Actions, fork: GitRepo, tmp_path: Path
) -> None:
    shallow = clone(fork, tmp_path / "checkout", "--depth", "1")
    actions.event("pull_request", pull_request(fork.sha("main"), fork.sha("HEAD")))
    code, out, err = cli("ci", "github", str(shallow), "--no-fetch", "--no-cache")
    assert code == 2
    assert out.startswith("::error title=model-audit::the base of the range, ")
    assert "fetch-depth: 0" in out
    assert err.count("\n") == 2  # the range line, then one error line
    assert "error: " in err and "fetch-depth: 0" in err
    assert "Traceback" not in err
    assert actions.output.read_text(encoding="utf-8") == ""


def test_a_learning_rate_change_passes_the_gate(
    cli: Run, actions: Actions, make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = make_repo("lr")
    base = repo.commit("base", {"configs/s2.json": s2(lr=0.0001, gin=512)})
    head = repo.commit("Lower the learning rate", {"configs/s2.json": s2(lr=0.00005, gin=512)})
    actions.event("pull_request", pull_request(base, head))
    code, out, _ = cli("ci", "github", str(repo.path), "--no-cache", "--fail-on", "low")
    assert (code, out) == (0, "")
    outputs = actions.outputs()
    assert (outputs["findings"], outputs["max-severity"], outputs["sarif"]) == ("0", "none", "")
    report = load(Path(outputs["report"]))
    validate(report, "report")
    assert report["findings"] == []
    assert "0 critical, 0 high, 0 medium, 0 low, 0 info in 1 commit scanned." in (
        actions.summary.read_text(encoding="utf-8")
    )


def test_the_outputs_count_what_the_job_summary_counts(
    cli: Run, actions: Actions, make_repo: Callable[..., GitRepo]
) -> None:
    """A change made in a config and its copy is one change in the summary and the outputs;
    the report keeps a finding for each file."""
    repo = make_repo("mirrored")
    base = repo.commit("base", {"configs/s2.json": s2(gin=512), "export/s2.json": s2(gin=512)})
    head = repo.commit(
        "Double gin_channels", {"configs/s2.json": s2(gin=1024), "export/s2.json": s2(gin=1024)}
    )
    actions.event("pull_request", pull_request(base, head))
    code, _, err = cli("ci", "github", str(repo.path), "--no-cache")
    assert code == 1, err
    outputs = actions.outputs()
    assert len(load(Path(outputs["report"]))["findings"]) == 2
    counts = {name: outputs[name] for name in ("critical", "high", "medium", "low", "info")}
    assert list(outputs).index("critical") < list(outputs).index("info")
    line = ", ".join(f"{count} {name}" for name, count in counts.items())
    assert f"\n{line} in 1 commit scanned.\n" in actions.summary.read_text(encoding="utf-8")
    assert (outputs["findings"], counts["critical"]) == ("1", "1")
    assert f"{outputs['findings']} finding(s)" in err


def test_fail_on_none_never_fails(cli: Run, actions: Actions, fork: GitRepo) -> None:
    actions.event("pull_request", pull_request(fork.sha("main"), fork.sha("HEAD")))
    code, _, _ = cli("ci", "github", str(fork.path), "--no-cache", "--fail-on", "none")
    assert code == 0
    assert actions.outputs()["max-severity"] == "critical"


def test_a_force_push_audits_the_new_tip_with_a_warning(
    cli: Run, actions: Actions, fork: GitRepo, tmp_path: Path
) -> None:
    head = fork.sha("HEAD")
    actions.event("push", push("a" * 40, head, "refs/heads/feature/sv", forced=True))
    report = tmp_path / "report.json"
    code, out, _ = cli("ci", "github", str(fork.path), "--no-cache", "--report", str(report))
    assert code == 1
    assert "::warning title=model-audit could not scan::the push replaced aaaaaaa" in out
    document = load(report)
    validate(document, "report")
    assert document["range"] == head[:7]
    assert document["commits_scanned"] == 1
    assert actions.outputs()["report"] == str(report)


def test_a_deleted_branch_has_nothing_to_audit(cli: Run, actions: Actions, fork: GitRepo) -> None:
    actions.event("push", push(fork.sha("HEAD"), ZERO_SHA, "refs/heads/feature/sv"))
    code, out, _ = cli("ci", "github", str(fork.path), "--no-cache")
    assert (code, out) == (0, "")
    assert actions.outputs()["findings"] == "0"


def test_range_overrides_the_event(cli: Run, actions: Actions, fork: GitRepo) -> None:
    actions.event("pull_request", {"broken": True})  # not read at all
    code, _, err = cli("ci", "github", str(fork.path), "--no-cache", "--range", "main..HEAD")
    assert code == 1
    assert "auditing main..HEAD" in err
    assert load(actions.temp / "model-audit-report.json")["range"] == "main..HEAD"


def test_an_unreadable_event_is_one_error_line(cli: Run, actions: Actions, fork: GitRepo) -> None:
    actions.event("pull_request", {"pull_request": {}})
    code, out, err = cli("ci", "github", str(fork.path), "--no-cache")
    assert code == 2
    message = "the event payload has no commit sha at pull_request.base.sha"
    assert out == f"::error title=model-audit::{message}\n"
    assert err == f"error: {message}\n"


def test_outside_actions_it_audits_since_the_latest_tag(
    cli: Run, fork: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_OUTPUT", "RUNNER_TEMP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    fork.git("tag", "v1", "main")
    code, _, err = cli("ci", "github", str(fork.path), "--no-cache")
    assert code == 1
    assert "no GitHub event: auditing v1..HEAD" in err
    assert (tmp_path / "model-audit-report.json").is_file()


@pytest.mark.torch
def test_confirm_adds_what_only_the_runtime_sees(
    cli: Run, actions: Actions, sample_repo: Callable[[str], Path]
) -> None:
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    args = ["ci", "github", repo, "--no-cache", "--range", "v3.1..v3.2", "--fail-on", "high"]
    code, out, err = cli(*args, "--confirm")
    assert code == 1, err
    assert "confirming at runtime: " in err
    report = load(actions.temp / "model-audit-report.json")
    validate(report, "report")
    assert [(f["rule"], f["key"], f["severity"]) for f in report["findings"]] == [
        ("MA601", "sovits.output", "high")
    ]
    assert "title=MA601 high%3A " in out
    assert actions.outputs()["max-severity"] == "high"


def test_confirm_without_an_earlier_revision_keeps_the_static_report(
    cli: Run, actions: Actions, fork: GitRepo
) -> None:
    root = fork.sha("main")
    code, _, err = cli("ci", "github", str(fork.path), "--no-cache", "--range", root, "--confirm")
    assert code == 0, err
    report = load(actions.temp / "model-audit-report.json")
    validate(report, "report")
    (warning,) = [w for w in report["warnings"] if w["message"].startswith("runtime")]
    assert warning["message"] == (
        f"runtime confirmation skipped: {root[:12]} has no earlier revision to load weights from"
    )

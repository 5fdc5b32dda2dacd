"""A new variant does not break the checkpoints users own: MA401 is low, one policy for the
catalogue, the reported severity, SARIF, --fail-on and the changelog's verdict."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from auditor.rules import rule_by_id
from tests.gitrepo import GitRepo
from tests.test_cli import run

S2 = '{"train": {"learning_rate": 0.0001}, "model": {"hidden_channels": 192, "gin_channels": %d}}\n'


@pytest.fixture
def variant_pr(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2 % 512})
    repo.git("tag", "v1")
    repo.commit("Add the v2Pro model", {"configs/s2v2Pro.json": S2 % 1024})
    repo.git("tag", "v2")
    return repo


def test_the_catalogue_says_low() -> None:
    rule = rule_by_id("MA401")
    assert rule is not None and rule.severity.value == "low"


def test_a_new_variant_is_reported_low_and_does_not_fail_ci(
    variant_pr: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["scan", str(variant_pr.path), "--no-cache", "--range", "v1..v2"]
    code, out, err = run(capsys, *args, "--format", "json", "--fail-on", "critical")
    assert code == 0, err
    found = [(f["rule"], f["severity"], f["key"]) for f in json.loads(out)["findings"]]
    assert found == [
        ("MA301", "low", "configs/s2v2Pro.json"),  # a config file added
        ("MA401", "low", "model.gin_channels"),
    ]
    code, out, _ = run(capsys, *args, "--format", "sarif", "--fail-on", "low")
    assert code == 1
    levels = {r["ruleId"]: r["level"] for r in json.loads(out)["runs"][0]["results"]}
    assert levels["MA401"] == "note"


def test_the_changelog_counts_it_apart(
    variant_pr: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "changelog", str(variant_pr.path), "--no-cache", "--all-tags")
    assert code == 0, err
    assert "Checkpoints from v1 load into v2: yes (new variants: 1 difference)" in out

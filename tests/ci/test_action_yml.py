"""The composite action, the example workflows and the pre-commit hook hold together.

actionlint checks workflow files; ``action.yml`` is checked here: its structure, that every
input is used and passed through ``env:`` (never into a script), that every output is
mapped, and that every option it passes exists on ``model-audit ci github``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from auditor.ci.command import FAIL_ON, ci_group, github_command

ROOT = Path(__file__).resolve().parents[2]
INPUTS = {
    "path": ".",
    "range": "",
    "fail-on": "critical",
    "config": "",
    "ignore-file": "",
    "baseline": "",
    "sarif": "",
    "comment": "",
    "confirm": "false",
    "profile": "",
    "confirm-python": "",
    "python-version": "3.11",
    "cache": "true",
}
OUTPUTS = (
    "findings",
    *("critical", "high", "medium", "low", "info"),
    "max-severity",
    "report",
    "sarif",
)


def load(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = load("action.yml")
    return document


def steps_text(action: dict[str, Any]) -> str:
    return yaml.safe_dump(action["runs"]["steps"])


def test_it_is_a_composite_action(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert action["name"] and action["description"]
    for step in action["runs"]["steps"]:
        assert "uses" in step or step["shell"] == "bash"


def test_inputs_and_defaults(action: dict[str, Any]) -> None:
    assert {name: spec.get("default") for name, spec in action["inputs"].items()} == INPUTS
    assert all(spec["description"] for spec in action["inputs"].values())


def test_every_input_is_used(action: dict[str, Any]) -> None:
    text = steps_text(action)
    for name in INPUTS:
        assert f"inputs.{name} }}}}" in text, name


def test_no_expression_reaches_a_shell_script(action: dict[str, Any]) -> None:
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_output_is_mapped_from_the_audit_step(action: dict[str, Any]) -> None:
    ids = {step.get("id") for step in action["runs"]["steps"]}
    assert "audit" in ids
    assert {name: spec["value"] for name, spec in action["outputs"].items()} == {
        name: f"${{{{ steps.audit.outputs.{name} }}}}" for name in OUTPUTS
    }


def test_it_installs_from_its_own_checkout(action: dict[str, Any]) -> None:
    setup, install, *_ = action["runs"]["steps"]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert install["env"]["MODEL_AUDIT_SOURCE"] == "${{ github.action_path }}"
    assert 'pip install --quiet --disable-pip-version-check "$MODEL_AUDIT_SOURCE"' in install["run"]


def test_the_audit_step_passes_real_options(action: dict[str, Any]) -> None:
    audit = next(step for step in action["runs"]["steps"] if step.get("id") == "audit")
    script = audit["run"]
    for variable in audit["env"]:
        assert f'"${variable}"' in script, variable
    known = {opt for param in github_command.params for opt in param.opts}
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", script))
    assert used and used <= known
    assert "args=(ci github " in script
    assert ci_group.get_command(click.Context(ci_group), "github") is github_command


def test_fail_on_values_are_the_cli_ones(action: dict[str, Any]) -> None:
    assert "none" in FAIL_ON
    for value in FAIL_ON:
        assert value in action["inputs"]["fail-on"]["description"]


def test_the_example_workflow() -> None:
    workflow = load("examples/workflows/model-audit.yml")
    assert set(triggers(workflow)) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "pull-requests": "write",
    }
    steps = job["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    audit = next(step for step in steps if step.get("id") == "audit")
    assert set(audit["with"]) <= set(INPUTS)
    upload = next(s for s in steps if s["uses"].startswith("github/codeql-action/upload-sarif"))
    assert upload["uses"].endswith("@v3")
    assert upload["with"]["sarif_file"] == audit["with"]["sarif"]
    comment = next(s for s in steps if s["uses"].startswith("marocchino/sticky-pull-request"))
    assert comment["with"]["path"] == audit["with"]["comment"]


def test_the_self_audit_workflow_runs_the_local_action() -> None:
    workflow = load(".github/workflows/self-audit.yml")
    (job,) = workflow["jobs"].values()
    text = yaml.safe_dump(job)
    assert "python -m sample_repos.build mini_sovits /tmp/mini_sovits" in text
    local = next(step for step in job["steps"] if step.get("uses") == "./")
    assert local["with"]["path"] == "/tmp/mini_sovits"
    assert local["with"]["fail-on"] in FAIL_ON
    assert set(local["with"]) <= set(INPUTS)


def test_the_pre_commit_hook() -> None:
    (hook,) = load(".pre-commit-hooks.yaml")
    assert hook["id"] == "model-audit"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, group, command = hook["entry"].split()
    assert (program, group) == ("model-audit", "ci")
    assert ci_group.get_command(click.Context(ci_group), command) is not None
    files = re.compile(hook["files"])
    for path in ("GPT_SoVITS/configs/s2.json", "s1longer.yaml", "requirements.txt", "m.py"):
        assert files.search(path), path
    assert not files.search("pretrained_models/s2G488k.pth")


def test_the_fact_cache_is_restored_keyed_on_version_and_repository(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    key = cache["with"]["key"]
    assert "steps.install.outputs.version" in key and "github.repository" in key
    assert cache["with"]["restore-keys"].strip() in key
    audit = next(step for step in steps if step.get("id") == "audit")
    assert '--cache-dir "$CACHE_DIR"' in audit["run"] and "--no-cache" in audit["run"]
    said = next(step for step in steps if step.get("name") == "Say whether the cache was hit")
    assert "fact cache hit" in said["run"]

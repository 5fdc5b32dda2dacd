"""The workflow and action files follow GitHub's schemas (as `make lint` checks), and the
check does catch a broken file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_repository_workflows_and_action_are_valid() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    workflows += sorted((ROOT / "examples" / "workflows").glob("*.yml"))
    assert check("vendor.github-workflows", *workflows).returncode == 0
    assert check("vendor.github-actions", ROOT / "action.yml").returncode == 0


def test_a_broken_workflow_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps: 3\n", encoding="utf-8")
    result = check("vendor.github-workflows", broken)
    assert result.returncode != 0, result.stdout


def test_a_broken_action_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text("name: x\nruns:\n  using: teleport\n", encoding="utf-8")
    assert check("vendor.github-actions", broken).returncode != 0

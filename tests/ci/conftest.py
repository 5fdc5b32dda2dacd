"""Fixtures for the CI tests: a config file's history, GitHub Actions' environment, the CLI."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.gitrepo import GitRepo

S2 = '{{\n  "train": {{"learning_rate": {lr}}},\n  "model": {{"gin_channels": {gin}}}\n}}\n'
#: The line of ``gin_channels`` in :data:`S2`.
GIN_LINE = 3


def s2(lr: float = 0.0001, gin: int = 512) -> str:
    """A small ``configs/s2.json``."""
    return S2.format(lr=lr, gin=gin)


@dataclass
class Actions:
    """The files a GitHub Actions runner gives a step, under one folder."""

    root: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def summary(self) -> Path:
        return self.root / "step_summary.md"

    @property
    def output(self) -> Path:
        return self.root / "github_output"

    @property
    def temp(self) -> Path:
        return self.root / "runner_temp"

    def event(self, name: str, payload: dict[str, Any]) -> None:
        """Set ``GITHUB_EVENT_NAME`` and write the payload ``GITHUB_EVENT_PATH`` names."""
        path = self.root / "event.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        self.monkeypatch.setenv("GITHUB_EVENT_NAME", name)
        self.monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))

    def outputs(self) -> dict[str, str]:
        """The step outputs written so far (both forms of the file format)."""
        values: dict[str, str] = {}
        lines = iter(self.output.read_text(encoding="utf-8").splitlines())
        for line in lines:
            if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
                name, marker = line.split("<<", 1)
                body: list[str] = []
                for part in lines:
                    if part == marker:
                        break
                    body.append(part)
                values[name] = "\n".join(body)
            else:
                name, value = line.split("=", 1)
                values[name] = value
        return values


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Actions:
    """GitHub Actions' environment: summary, output and temp folder set, no event yet."""
    env = Actions(tmp_path / "runner", monkeypatch)
    env.temp.mkdir(parents=True)
    env.summary.touch()
    env.output.touch()
    for name in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "MODEL_AUDIT_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(env.summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(env.output))
    monkeypatch.setenv("RUNNER_TEMP", str(env.temp))
    return env


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``model-audit ARGS`` in process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
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

    return run


def clone(source: GitRepo, dest: Path, *args: str) -> Path:
    """``git clone ARGS file://SOURCE DEST`` (file:// so that ``--depth`` applies)."""
    source.git("clone", "-q", *args, f"file://{source.path}", str(dest), cwd=dest.parent)
    return dest


def pull_request(base: str, head: str, number: int = 7) -> dict[str, Any]:
    """A ``pull_request`` payload as GitHub sends it, trimmed to its usual top-level keys."""
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "title": "Bigger speaker embedding",
            "head": {
                "label": "contributor:feature/sv",
                "ref": "feature/sv",
                "sha": head,
                "repo": {"full_name": "contributor/GPT-SoVITS"},
            },
            "base": {
                "label": "RVC-Boss:main",
                "ref": "main",
                "sha": base,
                "repo": {"full_name": "RVC-Boss/GPT-SoVITS"},
            },
        },
        "repository": {"full_name": "RVC-Boss/GPT-SoVITS", "default_branch": "main"},
        "sender": {"login": "contributor"},
    }


def push(
    before: str, after: str, ref: str = "refs/heads/main", *, forced: bool = False
) -> dict[str, Any]:
    """A ``push`` payload as GitHub sends it, trimmed to its usual top-level keys."""
    zero = "0" * 40
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "base_ref": None,
        "created": before == zero,
        "deleted": after == zero,
        "forced": forced,
        "compare": f"https://github.com/RVC-Boss/GPT-SoVITS/compare/{before[:12]}...{after[:12]}",
        "commits": [],
        "head_commit": None if after == zero else {"id": after, "message": "..."},
        "repository": {"full_name": "RVC-Boss/GPT-SoVITS", "default_branch": "main"},
        "pusher": {"name": "RVC-Boss"},
        "sender": {"login": "RVC-Boss"},
    }

"""Shared fixtures: sample repositories built once per session, schema validation."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.schemas import load_schema
from sample_repos.build import build_sample
from tests.gitrepo import GitRepo

SAMPLES = Path(__file__).resolve().parent.parent / "sample_repos"


@pytest.fixture(scope="session")
def sample_repo(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build a sample repository (once per session) and return its path."""
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            built[name] = build_sample(name, tmp_path_factory.mktemp(name) / name)
        return built[name]

    return build


def expected_of(name: str) -> dict[str, Any]:
    """The ``expected.json`` of a sample repository."""
    data: dict[str, Any] = json.loads((SAMPLES / name / "expected.json").read_text("utf-8"))
    return data


def validate(document: Any, schema: str) -> None:
    """Fail the test unless ``document`` follows ``schemas/<schema>.schema.json``."""
    jsonschema.Draft202012Validator(load_schema(schema)).validate(document)


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the user's and the system's git configuration out of the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """A factory: ``make_repo("name")`` makes an empty repository under ``tmp_path``."""

    def make(name: str = "repo", *, bare: bool = False) -> GitRepo:
        return GitRepo(tmp_path / name, bare=bare)

    return make

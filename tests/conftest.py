"""Shared fixtures: sample repositories built once per session, schema validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.schemas import load_schema
from sample_repos.build import build_sample

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

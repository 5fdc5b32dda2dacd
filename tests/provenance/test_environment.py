"""Installed versions (never importing torch), the project's requirements, and drift."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import closing
from importlib import metadata
from pathlib import Path

import pytest

from auditor.errors import AuditError
from auditor.history import open_repository, resolve_revision
from auditor.provenance.environment import (
    Drift,
    Environment,
    Requirement,
    drift,
    environment,
    package_names,
    project_requirements,
)
from tests.gitrepo import GitRepo


def test_this_python() -> None:
    found = environment(["jsonschema", "no-such-package-here"])
    assert found.python == ".".join(map(str, sys.version_info[:3]))
    assert found.platform == sys.platform
    assert found.packages == {
        "jsonschema": metadata.version("jsonschema"),
        "no-such-package-here": None,
    }


def test_another_python_is_asked_in_a_subprocess() -> None:
    assert environment(["click"], sys.executable) == environment(["click"])


def test_a_python_that_cannot_answer_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(AuditError, match=rf"cannot ask {fake} for its packages: broken"):
        environment(["torch"], str(fake))


def test_requirements_at_the_root_of_a_revision(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit(
        "pins",
        {
            "requirements.txt": "numpy==1.24.4\ntorch==2.1.0  # CUDA 11.8\nlibrosa\n",
            "extra-req.txt": "faster-whisper\ntorch>=2.0\n",
            "tools/uvr5/requirements.txt": "onnxruntime==1.16\n",
        },
    )
    with closing(open_repository(repo.path)) as git_repo:
        found = project_requirements(git_repo, resolve_revision(git_repo, "HEAD"))
    assert found == (
        Requirement("faster-whisper", "", "extra-req.txt"),
        Requirement("torch", ">=2.0", "extra-req.txt"),
        Requirement("librosa", "", "requirements.txt"),
        Requirement("numpy", "==1.24.4", "requirements.txt"),
    )
    assert package_names(found) == (
        "torch",
        "torchaudio",
        "transformers",
        "faster-whisper",
        "librosa",
        "numpy",
    )


def test_drift_names_what_moved() -> None:
    stamped = Environment("3.10.12", "linux", {"torch": "2.1.0", "numpy": "1.24.4", "peft": None})
    now = Environment("3.11.7", "linux", {"torch": "2.5.1+cu121", "numpy": "1.24.4"})
    assert drift(stamped, now) == (
        Drift("python", "3.10.12", "3.11.7"),
        Drift("torch", "2.1.0", "2.5.1+cu121"),
    )
    assert Drift("torch", "2.1.0", "2.5.1").major
    assert not Drift("torch", "2.1.0", "2.1.2+cpu").major
    assert Drift("peft", None, "0.11.1").major

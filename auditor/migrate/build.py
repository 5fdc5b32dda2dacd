"""One profile model built for real at one revision, in a runtime worker of its own.

The revision's files are materialised from git objects into a temporary folder (always
removed) and the worker (:mod:`auditor.runtime.worker`) is asked for that one model on the
CPU with the fields a migration needs: ``save`` (its initial state dict), ``load`` (a state
dict to load), ``record`` / ``reference`` (inference on seeded inputs, recorded at the old
revision and compared at the new).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import AuditError
from auditor.history import BlobReader, files_at, open_repository
from auditor.runtime.confirm import run_worker
from auditor.runtime.materialise import materialise
from auditor.runtime.profile import Profile
from auditor.runtime.request import build_request
from auditor.runtime.revision_worker import revision_name

TEMP_PREFIX = "model-audit-migrate-"


@dataclass(frozen=True)
class Worker:
    """How workers run: the Python, its timeout per model, whether imports are stubbed."""

    timeout: float | None = None
    python: str | None = None
    stub_imports: bool = False


def run_model(
    path: str | os.PathLike[str],
    sha: str,
    profile: Profile,
    model: str,
    fields: Mapping[str, Any],
    worker: Worker,
) -> dict[str, Any]:
    """Build MODEL of PROFILE at commit SHA on the CPU with FIELDS set in its request entry
    (``inputs: None`` runs no inference); the worker's result for it."""
    repo = open_repository(path)
    try:
        with (
            tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
            BlobReader(repo) as blobs,
        ):
            tree = files_at(repo, sha)
            done = materialise(blobs, tree, profile.files, Path(temp) / "tree")
            request = build_request(
                profile, blobs, tree, done.root, stub_imports=worker.stub_imports
            ).for_device("cpu", {model})
            for entry in request["models"]:
                entry.update(fields)
            limit = profile.timeout if worker.timeout is None else worker.timeout
            answer = run_worker(
                request,
                done.root,
                Path(temp) / "request.json",
                limit,
                python=worker.python,
                revision=f"revision {revision_name(sha, sha)}",
            )
    finally:
        repo.close()
    result: dict[str, Any] = dict(answer["models"].get(model, {}))
    return result


def initial_state(
    path: str | os.PathLike[str],
    sha: str,
    profile: Profile,
    model: str,
    worker: Worker,
) -> dict[str, Any]:
    """The initial state dict of MODEL built at SHA (tensors on the CPU).

    Raises :class:`BuildFailed` when the model cannot be built there."""
    import torch

    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp:
        target = Path(temp) / "init.pt"
        result = run_model(path, sha, profile, model, {"save": str(target), "inputs": None}, worker)
        if not result.get("built") or not target.is_file():
            raise BuildFailed(f"{model} could not be built at {sha[:7]}: {result.get('error')}")
        state: dict[str, Any] = torch.load(target, map_location="cpu", weights_only=True)
    return state


class BuildFailed(AuditError):
    """A model could not be built for real at a revision whose maps it built on."""

"""Runtime confirmation: build a profile's models at two revisions and load old into new.

For each revision the profile's files are materialised from git objects into a temporary
folder (always removed) and a worker process (:mod:`auditor.runtime.worker`) builds the models
there. The old revision's worker saves each state dict; the new revision's worker loads it and
runs inference. This module turns the two workers' answers into a :class:`RuntimeReport`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import auditor
from auditor.errors import AuditError
from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.evaluate import ExpressionError
from auditor.runtime.materialise import ConfigUnavailable, materialise, read_config
from auditor.runtime.model import ModelResult, Outcome, RuntimeReport, ShapeMismatch
from auditor.runtime.profile import ModelSpec, Profile, TensorSpec, Term

TEMP_PREFIX = "model-audit-runtime-"
DEVICES = ("auto", "cpu", "cuda")


class WorkerError(AuditError):
    """A worker could not run at all (no torch, no CUDA when asked for, no answer)."""


@dataclass(frozen=True)
class Side:
    """What one revision's worker said: per model, its raw result and its config path."""

    device: str
    models: Mapping[str, Mapping[str, Any]]
    configs: Mapping[str, str | None]


def confirm(
    path: str | os.PathLike[str],
    old: str,
    new: str,
    profile: Profile,
    device: str = "auto",
    *,
    timeout: float | None = None,
) -> RuntimeReport:
    """Load each model's weights built at OLD into the same model built at NEW."""
    if device not in DEVICES:
        raise AuditError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    repo = open_repository(path)
    try:
        old_sha = resolve_revision(repo, old)
        new_sha = resolve_revision(repo, new)
        warnings: list[str] = []
        limit = profile.timeout if timeout is None else timeout
        with (
            tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
            BlobReader(repo) as blobs,
        ):
            work = Path(temp)
            weights = {m.name: work / "weights" / f"{m.name}.pt" for m in profile.models}
            (work / "weights").mkdir()
            sides: list[Side] = []
            for label, sha in (("old", old_sha), ("new", new_sha)):
                tree = files_at(repo, sha)
                done = materialise(blobs, tree, profile.files, work / label)
                warnings += [f"{label} ({sha[:7]}): {p}: blob is missing" for p in done.missing]
                request, configs = worker_request(profile, blobs, tree, device, done.root)
                for entry in request["models"]:
                    target = weights[entry["name"]]
                    if label == "old":
                        entry["save"] = str(target)
                    elif target.is_file():
                        entry["load"] = str(target)
                answer = run_worker(request, done.root, work / f"{label}.json", limit)
                sides.append(Side(answer["device"], answer["models"], configs))
    finally:
        repo.close()
    results = tuple(outcome(spec, sides[0], sides[1]) for spec in profile.models)
    return RuntimeReport(
        repository=os.fspath(path),
        profile=profile.name,
        old=old,
        new=new,
        old_sha=old_sha,
        new_sha=new_sha,
        device=sides[1].device,
        models=results,
        warnings=tuple(warnings),
    )


def worker_request(
    profile: Profile, blobs: BlobReader, tree: dict[str, str], device: str, root: Path
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The worker's request for one revision, and the config each model was built from."""
    models: list[dict[str, Any]] = []
    configs: dict[str, str | None] = {}
    for spec in profile.models:
        entry: dict[str, Any] = {"name": spec.name, "module": spec.module, "class": spec.class_name}
        configs[spec.name] = None
        try:
            config_path, hps = read_config(blobs, tree, spec.config)
            configs[spec.name] = config_path
            entry.update(_constructor(spec, hps), hps=hps, error=None)
            entry["inputs"] = None if spec.inputs is None else _inputs_json(spec)
        except (ConfigUnavailable, ExpressionError) as error:
            entry["error"] = str(error)
        models.append(entry)
    sys_path = [str((root / p).resolve()) for p in profile.sys_path]
    return {"device": device, "sys_path": sys_path, "models": models}, configs


def _constructor(spec: ModelSpec, hps: Any) -> dict[str, Any]:
    """The evaluated ``args`` and ``kwargs`` (``kwargs`` then each ``splat``) of SPEC."""
    namespace = {"hps": hps}
    args = [term.value(namespace) for term in spec.args]
    kwargs = {name: term.value(namespace) for name, term in spec.kwargs}
    for term in spec.splat:
        extra = term.value(namespace)
        if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
            raise ExpressionError(f"{term.key}: splat of a {type(extra).__name__}, not a mapping")
        twice = sorted(set(kwargs) & set(extra))
        if twice:
            raise ExpressionError(f"{term.key}: keyword given twice: {', '.join(twice)}")
        kwargs.update(extra)
    return {"args": args, "kwargs": kwargs}


def _inputs_json(spec: ModelSpec) -> dict[str, Any]:
    assert spec.inputs is not None

    def tensor(t: TensorSpec) -> dict[str, Any]:
        def term(x: Term | None) -> dict[str, Any] | None:
            return None if x is None else x.to_json()

        shape = [s.to_json() for s in t.shape]
        return {
            "name": t.name,
            "dtype": t.dtype,
            "shape": shape,
            "low": term(t.low),
            "high": term(t.high),
        }

    return {
        "method": spec.inputs.method,
        "seed": spec.inputs.seed,
        "args": [tensor(t) for t in spec.inputs.args],
        "kwargs": [tensor(t) for t in spec.inputs.kwargs],
    }


def run_worker(
    request: Mapping[str, Any], root: Path, request_file: Path, timeout: float
) -> dict[str, Any]:
    """Run a worker in ROOT on REQUEST; its answer, or :class:`WorkerError`."""
    request_file.write_text(json.dumps(request), encoding="utf-8")
    package_parent = str(Path(auditor.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "auditor.runtime.worker", str(request_file)]
    try:
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise WorkerError(f"the runtime worker ran past its timeout of {timeout:g} s") from None
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = tail[-1] if tail else f"exit status {done.returncode}"
        raise WorkerError(f"the runtime worker gave no answer: {why}") from None
    if "fatal" in answer:
        raise WorkerError(str(answer["fatal"]))
    return answer


def outcome(spec: ModelSpec, old: Side, new: Side) -> ModelResult:
    """The outcome for SPEC from what the old and the new worker said about it."""
    base: dict[str, Any] = {
        "name": spec.name,
        "old_config": old.configs.get(spec.name),
        "new_config": new.configs.get(spec.name),
    }
    for label, side in (("old", old), ("new", new)):
        raw = side.models.get(spec.name, {})
        if not raw.get("built"):
            error = raw.get("error") or "not built"
            return ModelResult(**base, outcome=Outcome.BUILD_FAILED, error=error, side=label)
    before, after = old.models[spec.name], new.models[spec.name]
    base.update(old_tensors=len(before["parameters"]), new_tensors=len(after["parameters"]))
    load = after.get("load") or {}
    base.update(
        missing_keys=tuple(load.get("missing", ())),
        unexpected_keys=tuple(load.get("unexpected", ())),
        mismatches=tuple(
            ShapeMismatch(m["key"], tuple(m["old"]), tuple(m["new"]))
            for m in load.get("mismatched", ())
        ),
    )
    if not load.get("loaded"):
        return ModelResult(**base, outcome=Outcome.FAILS_TO_LOAD, error=load.get("error"))
    inference = after.get("inference")
    if inference is not None:
        base.update(
            method=spec.inputs.method if spec.inputs else None,
            output_shapes=tuple(tuple(s) for s in inference["output_shapes"]),
        )
        if not inference["ok"]:
            return ModelResult(**base, outcome=Outcome.INFERENCE_FAILED, error=inference["error"])
    if base["missing_keys"] or base["unexpected_keys"]:
        return ModelResult(**base, outcome=Outcome.LOADS_WITH_MISSING_KEYS)
    return ModelResult(**base, outcome=Outcome.LOADS)

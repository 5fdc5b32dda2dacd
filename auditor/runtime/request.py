"""Worker requests: what one revision's worker must build, evaluated from the profile.

The profile's expressions are evaluated here, in the auditor's own process, over the config
the revision holds; the worker receives plain values (and the input specs as JSON terms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.history import BlobReader
from auditor.runtime.evaluate import ExpressionError
from auditor.runtime.materialise import ConfigUnavailable, read_config
from auditor.runtime.profile import ModelSpec, Profile, TensorSpec, Term


@dataclass(frozen=True)
class Request:
    """A worker request for one revision, and the config each model was built from."""

    document: dict[str, Any]
    configs: dict[str, str | None]

    def for_device(self, device: str, names: set[str] | None = None) -> dict[str, Any]:
        """A copy of the request for DEVICE, keeping only the models NAMES (default all)."""
        models = [dict(m) for m in self.document["models"] if names is None or m["name"] in names]
        return {**self.document, "device": device, "models": models}


def build_request(
    profile: Profile, blobs: BlobReader, tree: Mapping[str, str], root: Path
) -> Request:
    """The worker request of PROFILE for the revision whose files are TREE, under ROOT."""
    models: list[dict[str, Any]] = []
    configs: dict[str, str | None] = {}
    for spec in profile.models:
        entry: dict[str, Any] = {"name": spec.name, "module": spec.module, "class": spec.class_name}
        configs[spec.name] = None
        try:
            config_path, hps = read_config(blobs, dict(tree), spec.config)
            configs[spec.name] = config_path
            entry.update(constructor(spec, hps), hps=hps, error=None)
            entry["inputs"] = None if spec.inputs is None else inputs_json(spec)
        except (ConfigUnavailable, ExpressionError) as error:
            entry["error"] = str(error)
        models.append(entry)
    sys_path = [str((root / p).resolve()) for p in profile.sys_path]
    document = {"device": "cpu", "sys_path": sys_path, "models": models}
    return Request(document=document, configs=configs)


def constructor(spec: ModelSpec, hps: Any) -> dict[str, Any]:
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


def inputs_json(spec: ModelSpec) -> dict[str, Any]:
    """SPEC's inference inputs as the worker reads them (terms as JSON)."""
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

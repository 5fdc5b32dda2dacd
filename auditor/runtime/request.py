"""Worker requests: what one revision's worker must build, evaluated from the profile.

The profile's expressions are evaluated here, in the auditor's own process, over the config
the revision holds; the worker receives plain values (and the input specs as JSON terms).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.history import BlobReader
from auditor.runtime.evaluate import ExpressionError
from auditor.runtime.materialise import ConfigUnavailable, read_config
from auditor.runtime.profile import ModelSpec, Profile, TensorSpec
from auditor.runtime.terms import Term


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
    profile: Profile,
    blobs: BlobReader,
    tree: Mapping[str, str],
    root: Path,
    *,
    stub_imports: bool = False,
) -> Request:
    """The worker request of PROFILE for the revision whose files are TREE, under ROOT.

    A model none of whose config candidates is in TREE is not applicable at the revision
    (the worker says the same of one none of whose modules exists). With STUB_IMPORTS the
    worker stubs the third-party modules the models' code imports but that are not installed
    (:mod:`auditor.runtime.stubs`); without, such a model is unavailable."""
    models: list[dict[str, Any]] = []
    configs: dict[str, str | None] = {}
    for spec in profile.models:
        entry: dict[str, Any] = {
            "name": spec.name,
            "modules": list(spec.modules),
            "class": spec.class_name,
            "requires": list(spec.requires),
            "variant": spec.variant,
            "stub_modules": list(spec.stub_modules),
        }
        configs[spec.name] = None
        if not any(path in tree for path in spec.config):
            entry.update(
                error=f"no {' or '.join(spec.config)} at this revision", not_applicable=True
            )
            models.append(entry)
            continue
        try:
            config_path, hps = read_config(blobs, dict(tree), spec.config)
            configs[spec.name] = config_path
            hps = with_overrides(hps, spec.overrides)
            entry.update(constructor(spec, hps), hps=hps, error=None)
            entry["inputs"] = inputs_json(spec) or None
        except (ConfigUnavailable, ExpressionError) as error:
            entry["error"] = str(error)
        models.append(entry)
    sys_path = [str((root / p).resolve()) for p in profile.sys_path]
    document = {
        "device": "cpu",
        "sys_path": sys_path,
        "own_modules": own_modules(tree, [*profile.sys_path, "."]),
        "stub_imports": stub_imports,
        "exports": {module: list(names) for module, names in profile.exports.items()},
        "models": models,
    }
    return Request(document=document, configs=configs)


def own_modules(tree: Mapping[str, str], roots: Iterable[str]) -> list[str]:
    """Top-level module names the repository holds under ROOTS (its folders on sys.path;
    the worker's working folder, the tree's root, is one).

    A missing import of one of these is the repository's own problem (a file the profile
    did not materialise, a broken revision), not a package to install.
    """
    names: set[str] = set()
    for root in roots:
        prefix = "" if root in ("", ".") else root.strip("/") + "/"
        for path in tree:
            if not path.startswith(prefix):
                continue
            first, _, rest = path[len(prefix) :].partition("/")
            names.add(first if rest else first.removesuffix(".py"))
    return sorted(names)


def with_overrides(hps: Mapping[str, Any], overrides: Iterable[tuple[str, Any]]) -> Any:
    """A copy of HPS with each dotted key of OVERRIDES set (missing sections are created)."""
    result = copy.deepcopy(dict(hps))
    for dotted, value in overrides:
        *sections, leaf = dotted.split(".")
        target = result
        for section in sections:
            if not isinstance(target.get(section), dict):
                target[section] = {}
            target = target[section]
        target[leaf] = value
    return result


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


def inputs_json(spec: ModelSpec) -> list[dict[str, Any]]:
    """SPEC's inference inputs as the worker reads them (terms as JSON), in order of choice."""

    def term(x: Term | None) -> dict[str, Any] | None:
        return None if x is None else x.to_json()

    def tensor(t: TensorSpec) -> dict[str, Any]:
        shape = [s.to_json() for s in t.shape]
        return {
            "name": t.name,
            "dtype": t.dtype,
            "shape": shape,
            "low": term(t.low),
            "high": term(t.high),
        }

    choices = [spec.inputs, *spec.alternatives] if spec.inputs is not None else []
    return [
        {
            "method": choice.method,
            "seed": choice.seed,
            "args": [tensor(t) for t in choice.args],
            "kwargs": [tensor(t) for t in choice.kwargs],
            "outputs": None if choice.outputs is None else list(choice.outputs),
        }
        for choice in choices
    ]

"""State-dict maps: the shape of every state-dict key of each profile model at one revision.

A checkpoint is checked against these maps instead of being loaded. The models are built by
a worker process (:mod:`auditor.runtime.worker`) from the revision's files, materialised from
git objects into a temporary folder that is always removed; on the ``meta`` device nothing is
allocated, so even large models map in a moment.

Every model of the profile has a map, variants included: a model that does not exist at the
revision (none of its config files or modules; for a variant, its class or a constructor
parameter it needs) is marked ``not_applicable`` rather than reported as a build failure, and
:attr:`StateMaps.applicable` leaves it out.
"""

from __future__ import annotations

import ast
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from auditor.errors import AuditError
from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.confirm import run_worker
from auditor.runtime.materialise import materialise
from auditor.runtime.profile import ModelSpec, Profile
from auditor.runtime.request import build_request
from auditor.runtime.revision_worker import revision_name

TEMP_PREFIX = "model-audit-maps-"
#: Devices a map can be built on: ``meta`` allocates nothing; ``cpu`` runs the real init.
MAP_DEVICES = ("meta", "cpu")


@dataclass(frozen=True)
class ModelMap:
    """One profile model at one revision: its state-dict shapes, or why it was not built.

    ``config`` is the config file it was built from and ``hps`` that file's content;
    ``config_keys`` are the dotted config keys its constructor reads (see :func:`covers`).
    ``unavailable`` says the build failed only because the code imports a module that is not
    installed here; ``stopped`` that its worker ran past its timeout (``timeout``) or died
    (``crashed``) on it; ``not_applicable`` that this revision does not have the model (``error``
    says why). ``base`` and ``variant`` name what a variant (``sovits@v2``) is a
    variant of and the variant itself; both are None for a profile's own models.
    ``shipped_without``: the profile's globs of keys the project's saved weights leave out.
    ``stubbed_imports``: the modules, not installed here, stubbed to build it.
    """

    name: str
    class_name: str
    built: bool
    error: str | None = None
    unavailable: bool = False
    stopped: str | None = None
    not_applicable: bool = False
    base: str | None = None
    variant: str | None = None
    config: str | None = None
    hps: Mapping[str, Any] | None = None
    config_keys: tuple[str, ...] = ()
    shapes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    dtypes: Mapping[str, str] = field(default_factory=dict)
    #: Globs of the keys the project leaves out of the weights it ships (the profile's).
    shipped_without: tuple[str, ...] = ()
    stubbed_imports: tuple[str, ...] = ()

    def ships(self, key: str) -> bool:
        """Whether the weights the project ships hold KEY (a key of this model)."""
        return not any(fnmatchcase(key, glob) for glob in self.shipped_without)


@dataclass(frozen=True)
class StateMaps:
    """The maps of every model of a profile, built at one revision."""

    repository: str
    revision: str
    sha: str
    profile: str
    device: str
    models: tuple[ModelMap, ...]
    warnings: tuple[str, ...] = ()

    @property
    def applicable(self) -> tuple[ModelMap, ...]:
        """The models that exist at this revision: every one but those it lacks."""
        return tuple(model for model in self.models if not model.not_applicable)


def state_maps(
    path: str | os.PathLike[str],
    rev: str,
    profile: Profile,
    *,
    device: str = "meta",
    timeout: float | None = None,
    python: str | None = None,
    stub_imports: bool = False,
) -> StateMaps:
    """Build each model of PROFILE at REV in a worker and return their state-dict maps.

    The worker runs in PYTHON (the audited project's environment; default: the auditor's);
    with STUB_IMPORTS it stubs the third-party modules the code imports that are not installed.

    Raises :class:`~auditor.errors.RepositoryError` for an unknown revision and
    :class:`~auditor.runtime.confirm.WorkerError` when the worker cannot run at all.
    """
    if device not in MAP_DEVICES:
        raise AuditError(f"unknown device {device!r} (choose from {', '.join(MAP_DEVICES)})")
    repo = open_repository(path)
    try:
        sha = resolve_revision(repo, rev)
        limit = profile.timeout if timeout is None else timeout
        with (
            tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
            BlobReader(repo) as blobs,
        ):
            tree = files_at(repo, sha)
            done = materialise(blobs, tree, profile.files, Path(temp) / "tree")
            request = build_request(profile, blobs, tree, done.root, stub_imports=stub_imports)
            document = request.for_device(device)
            request_file = Path(temp) / "request.json"
            revision = f"revision {revision_name(rev, sha)}"
            answer = run_worker(
                document, done.root, request_file, limit, python=python, revision=revision
            )
    finally:
        repo.close()
    entries = {entry["name"]: entry for entry in document["models"]}
    models = tuple(
        _model_map(spec, answer["models"].get(spec.name, {}), entries[spec.name], request.configs)
        for spec in profile.models
    )
    return StateMaps(
        repository=os.fspath(path),
        revision=rev,
        sha=sha,
        profile=profile.name,
        device=str(answer.get("device", device)),
        models=models,
        warnings=tuple(f"{sha[:7]}: {p}: blob is missing" for p in done.missing),
    )


def _model_map(
    spec: ModelSpec,
    raw: Mapping[str, Any],
    entry: Mapping[str, Any],
    configs: Mapping[str, str | None],
) -> ModelMap:
    hps = entry.get("hps")
    common: dict[str, Any] = {
        "name": spec.name,
        "class_name": spec.class_name,
        "config": configs.get(spec.name),
        "hps": hps if isinstance(hps, Mapping) else None,
        "config_keys": config_keys(spec),
        "base": spec.base,
        "variant": spec.variant,
        "shipped_without": spec.shipped_without,
        "stubbed_imports": tuple(str(m) for m in raw.get("stubbed", ())),
    }
    if not raw.get("built"):
        error = raw.get("error") or entry.get("error") or "not built"
        return ModelMap(
            **common,
            built=False,
            error=str(error),
            unavailable=bool(raw.get("unavailable")),
            stopped=str(raw["stopped"]) if raw.get("stopped") else None,
            not_applicable=bool(raw.get("not_applicable") or entry.get("not_applicable")),
        )
    shapes = {str(k): tuple(int(d) for d in v) for k, v in raw.get("parameters", {}).items()}
    dtypes = {str(k): str(v) for k, v in raw.get("dtypes", {}).items()}
    return ModelMap(**common, built=True, shapes=shapes, dtypes=dtypes)


def config_keys(spec: ModelSpec) -> tuple[str, ...]:
    """The config keys SPEC's constructor reads: ``data.filter_length``, ``model`` (a splat).

    A key also stands for every key under it (``model`` for ``model.hidden_channels``);
    ``""`` (the whole config passed as one argument) stands for every key.
    """
    found: set[str] = set()
    for term in [*spec.args, *(t for _, t in spec.kwargs), *spec.splat]:
        for expression in term.expressions:
            found.update(_hps_chains(expression.tree))
    return tuple(sorted(k for k in found if not any(covers(c, k) for c in found if c != k)))


def covers(read: str, key: str) -> bool:
    """Whether reading config key READ reads KEY (the same key, or a section holding it)."""
    return read == "" or key == read or key.startswith(read + ".")


def _hps_chains(node: ast.AST) -> Iterator[str]:
    """``data.filter_length`` for each outermost ``hps.data.filter_length`` under NODE."""
    parts: list[str] = []
    inner = node
    while isinstance(inner, ast.Attribute):
        parts.append(inner.attr)
        inner = inner.value
    if isinstance(inner, ast.Name) and inner.id == "hps":
        yield ".".join(reversed(parts))
        return
    for child in ast.iter_child_nodes(node):
        yield from _hps_chains(child)

"""Runtime profiles: data that says how to build and run a repository's models.

A profile is YAML (``auditor/runtime/profiles/<name>.yaml``, or a user's file) validated
against ``schemas/profile.schema.json``. Every expression is parsed when the profile loads,
so a bad one is reported with its profile key before any revision is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from auditor.errors import AuditError
from auditor.runtime.evaluate import ExpressionError, parse_expression
from auditor.runtime.terms import Term
from auditor.schemas import load_schema

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_TIMEOUT = 300.0
#: The largest relative output error (max |new - old| / max |old|) that still matches.
DEFAULT_TOLERANCE = 1e-4
#: The names expressions may read: the config while building, also the model for inputs.
BUILD_NAMES = frozenset({"hps"})
INPUT_NAMES = frozenset({"hps", "model"})


class ProfileError(AuditError):
    """A profile is missing, is not valid YAML, or does not follow its schema."""


@dataclass(frozen=True)
class TensorSpec:
    """A dummy input tensor: its shape, dtype and, for integer tensors, its value range."""

    name: str
    shape: tuple[Term, ...]
    dtype: str = "float"
    low: Term | None = None
    high: Term | None = None


@dataclass(frozen=True)
class InferenceSpec:
    """Which method to call on a built model, with which dummy inputs."""

    method: str = "forward"
    seed: int = 0
    args: tuple[TensorSpec, ...] = ()
    kwargs: tuple[TensorSpec, ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model: ``module.class(*args, **kwargs, **splat)`` over its config."""

    name: str
    module: str
    class_name: str
    config: tuple[str, ...]
    args: tuple[Term, ...] = ()
    kwargs: tuple[tuple[str, Term], ...] = ()
    splat: tuple[Term, ...] = ()
    inputs: InferenceSpec | None = None
    #: Inputs for a model that lacks ``inputs.method``: the first whose method it has is run.
    alternatives: tuple[InferenceSpec, ...] = ()
    tolerance: float = DEFAULT_TOLERANCE
    #: For a variant: the model it is a variant of, and the variant's name.
    base: str | None = None
    variant: str | None = None
    #: Config values the variant sets before the model is built (``model.version: v2``).
    overrides: tuple[tuple[str, Any], ...] = ()
    #: Constructor parameters the class must take for the variant to exist at a revision.
    requires: tuple[str, ...] = ()
    #: Globs of state-dict keys the project leaves out of the weights it ships (``enc_q.*``,
    #: GPT-SoVITS's training-only posterior encoder): a checkpoint lacking them still loads.
    shipped_without: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A whole profile; ``source`` is where it was read from (for messages)."""

    name: str
    source: str
    files: tuple[str, ...]
    sys_path: tuple[str, ...]
    models: tuple[ModelSpec, ...]
    timeout: float = DEFAULT_TIMEOUT
    #: Repository paths whose presence marks a repository this profile fits.
    detect: tuple[str, ...] = ()


def available_profiles() -> list[str]:
    """The names of the profiles that ship with the auditor."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.yaml"))


def load_profile(spec: str) -> Profile:
    """The profile named SPEC (a shipped profile) or stored at path SPEC (a YAML file)."""
    path = Path(spec)
    if not path.is_file():
        if "/" in spec or spec.endswith((".yaml", ".yml")):
            raise ProfileError(f"profile file {spec} does not exist")
        path = PROFILE_DIR / f"{spec}.yaml"
        if not path.is_file():
            names = ", ".join(available_profiles())
            raise ProfileError(f"no profile named {spec!r} (available: {names})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileError(f"cannot read profile {spec}: {error}") from None
    return parse_profile(text, spec)


def parse_profile(text: str, source: str) -> Profile:
    """Parse and validate the YAML TEXT of a profile read from SOURCE."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProfileError(f"profile {source} is not valid YAML: {error}") from None
    validator = jsonschema.Draft202012Validator(load_schema("profile"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        raise ProfileError(f"profile {source}: {_key(first.path) or '(top)'}: {first.message}")
    try:
        return _profile(data, source)
    except ExpressionError as error:
        raise ProfileError(f"profile {source}: {error}") from None


def _key(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _profile(data: dict[str, Any], source: str) -> Profile:
    tolerance = float(data.get("tolerance", DEFAULT_TOLERANCE))
    models: list[ModelSpec] = []
    for i, entry in enumerate(data["models"]):
        base = _model(entry, f"models[{i}]", tolerance)
        models.append(base)
        for j, variant in enumerate(entry.get("variants", [])):
            models.append(_variant(base, variant, f"models[{i}].variants[{j}]"))
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ProfileError(f"profile {source}: models: names must be unique: {names}")
    return Profile(
        name=data["name"],
        source=source,
        files=tuple(data["files"]),
        sys_path=tuple(data.get("sys_path", ())),
        models=tuple(models),
        timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
        detect=tuple(data.get("detect", ())),
    )


def _model(data: dict[str, Any], key: str, tolerance: float) -> ModelSpec:
    config = data["config"]
    splat = data.get("splat", [])
    splat = [splat] if isinstance(splat, str) else splat
    choices = _choices(data.get("inputs"), f"{key}.inputs")
    return ModelSpec(
        name=data["name"],
        module=data["module"],
        class_name=data["class"],
        config=(config,) if isinstance(config, str) else tuple(config),
        args=tuple(
            term(v, f"{key}.args[{i}]", BUILD_NAMES) for i, v in enumerate(data.get("args", []))
        ),
        kwargs=tuple(
            (name, term(v, f"{key}.kwargs.{name}", BUILD_NAMES))
            for name, v in data.get("kwargs", {}).items()
        ),
        splat=tuple(term(v, f"{key}.splat[{i}]", BUILD_NAMES) for i, v in enumerate(splat)),
        inputs=choices[0] if choices else None,
        alternatives=choices[1:],
        tolerance=float(data.get("tolerance", tolerance)),
        shipped_without=tuple(data.get("shipped_without", ())),
    )


def _variant(base: ModelSpec, data: dict[str, Any], key: str) -> ModelSpec:
    """BASE as the variant DATA describes it: another config, class, settings or inputs."""
    config = data.get("config", base.config)
    choices = (base.inputs, *base.alternatives) if base.inputs else ()
    if "inputs" in data:
        choices = _choices(data["inputs"], f"{key}.inputs")
    return replace(
        base,
        name=f"{base.name}@{data['name']}",
        class_name=data.get("class", base.class_name),
        config=(config,) if isinstance(config, str) else tuple(config),
        inputs=choices[0] if choices else None,
        alternatives=tuple(choices[1:]),
        base=base.name,
        variant=data["name"],
        overrides=tuple(data.get("set", {}).items()),
        requires=tuple(data.get("requires", ())),
        shipped_without=tuple(data.get("shipped_without", base.shipped_without)),
    )


def _choices(data: Any, key: str) -> tuple[InferenceSpec, ...]:
    """The inputs written at KEY: none, one mapping, or a list tried in order."""
    if data is None:
        return ()
    if isinstance(data, dict):
        return (_inputs(data, key),)
    return tuple(_inputs(item, f"{key}[{i}]") for i, item in enumerate(data))


def _inputs(data: dict[str, Any], key: str) -> InferenceSpec:
    return InferenceSpec(
        method=data.get("method", "forward"),
        seed=data.get("seed", 0),
        args=tuple(_tensor(t, f"{key}.args[{i}]") for i, t in enumerate(data.get("args", []))),
        kwargs=tuple(
            _tensor(t, f"{key}.kwargs[{i}]") for i, t in enumerate(data.get("kwargs", []))
        ),
    )


def _tensor(data: dict[str, Any], key: str) -> TensorSpec:
    bounds = data.get("range")
    dtype = data.get("dtype", "float")
    if bounds is not None and dtype not in ("long", "int"):
        raise ExpressionError(f"{key}.range: only long and int tensors take a range")
    return TensorSpec(
        name=data["name"],
        shape=tuple(term(v, f"{key}.shape[{i}]", INPUT_NAMES) for i, v in enumerate(data["shape"])),
        dtype=dtype,
        low=None if bounds is None else term(bounds[0], f"{key}.range[0]", INPUT_NAMES),
        high=None if bounds is None else term(bounds[1], f"{key}.range[1]", INPUT_NAMES),
    )


def term(value: Any, key: str, names: frozenset[str]) -> Term:
    """The term written at KEY: strings are expressions that may read only NAMES."""
    if not isinstance(value, str):
        return Term(key=key, literal=value)
    try:
        expression = parse_expression(value)
    except ExpressionError as error:
        raise ExpressionError(f"{key}: {error}") from None
    unknown = expression.names - names
    if unknown:
        raise ExpressionError(
            f"{key}: {value!r} reads {', '.join(sorted(unknown))}; "
            f"only {', '.join(sorted(names))} can be read here"
        )
    return Term(key=key, expression=expression)

"""Runtime profiles: data that says how to build and run a repository's models.

A profile is YAML (``auditor/runtime/profiles/<name>.yaml``, or a user's file) validated
against ``schemas/profile.schema.json``. Every expression is parsed when the profile loads,
so a bad one is reported with its profile key before any revision is touched; so is a
variant's ``fallback`` that names no variant of its model.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    """Which method to call on a built model, with which dummy inputs.

    ``outputs``: the positions of the returned values to compare (a value that is not a tuple
    or list is one value at position 0); None compares them all.
    """

    method: str = "forward"
    seed: int = 0
    args: tuple[TensorSpec, ...] = ()
    kwargs: tuple[TensorSpec, ...] = ()
    outputs: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model: ``module.class(*args, **kwargs, **splat)`` over its config.

    ``modules`` are candidates: the first that exists at a revision is imported (a module
    that moved); a revision with none of them, or none of the ``config`` candidates, does not
    have the model (it is not applicable there, not failed).
    """

    name: str
    modules: tuple[str, ...]
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
    #: The repository's own modules the worker stubs for this model (the profile's and the
    #: model's ``stub_modules``): a training-only extension never committed, a module that
    #: reads files or exits when imported.
    stub_modules: tuple[str, ...] = ()
    #: For a variant: the model whose old weights it receives when the old revision lacks it
    #: (default: ``base``).
    fallback: str | None = None

    @property
    def module(self) -> str:
        """The first of the candidate modules."""
        return self.modules[0]


@dataclass(frozen=True)
class Profile:
    """A whole profile; ``source`` is where it was read from (for messages)."""

    name: str
    source: str
    files: tuple[str, ...]
    sys_path: tuple[str, ...]
    models: tuple[ModelSpec, ...]
    timeout: float = DEFAULT_TIMEOUT
    #: What marks a repository this profile fits: every group has one of its paths.
    detect: tuple[tuple[str, ...], ...] = ()
    #: The repository's own modules stubbed for every model.
    stub_modules: tuple[str, ...] = ()
    #: Names installed libraries no longer export (by library module, ``module.attribute``
    #: sources) that the worker restores before any build.
    exports: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def fits(self, paths: Container[str]) -> bool:
        """Whether PATHS (a revision's files) hold one path of each ``detect`` group."""
        return bool(self.detect) and all(any(p in paths for p in group) for group in self.detect)


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
        # of a oneOf (a term, inputs: one or a list), the alternative that came closest
        first = jsonschema.exceptions.best_match(errors[:1])
        assert first is not None
        raise ProfileError(
            f"profile {source}: {_key(first.absolute_path) or '(top)'}: {first.message}"
        )
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
    stubs = tuple(data.get("stub_modules", ()))
    models: list[ModelSpec] = []
    for i, entry in enumerate(data["models"]):
        key = f"models[{i}]"
        base = _model(entry, key, tolerance, stubs)
        variants = entry.get("variants", [])
        family = {base.name, *(f"{base.name}@{v['name']}" for v in variants)}
        models.append(base)
        for j, variant in enumerate(variants):
            models.append(_variant(base, variant, f"{key}.variants[{j}]", family))
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ProfileError(f"profile {source}: models: names must be unique: {names}")
    _check_fallbacks(models, source)
    return Profile(
        name=data["name"],
        source=source,
        files=tuple(data["files"]),
        sys_path=tuple(data.get("sys_path", ())),
        models=tuple(models),
        timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
        detect=tuple(_group(item) for item in data.get("detect", ())),
        stub_modules=stubs,
        exports={module: tuple(names) for module, names in data.get("exports", {}).items()},
    )


def _group(item: str | Sequence[str]) -> tuple[str, ...]:
    return (item,) if isinstance(item, str) else tuple(item)


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    """A name or a list of candidate names, as a tuple."""
    return (value,) if isinstance(value, str) else tuple(value)


def _merged(*lists: Sequence[str]) -> tuple[str, ...]:
    """The names of LISTS in order, each once."""
    return tuple(dict.fromkeys(name for names in lists for name in names))


def _model(data: dict[str, Any], key: str, tolerance: float, stubs: tuple[str, ...]) -> ModelSpec:
    splat = data.get("splat", [])
    splat = [splat] if isinstance(splat, str) else splat
    choices = _choices(data.get("inputs"), f"{key}.inputs")
    return ModelSpec(
        name=data["name"],
        modules=_names(data["module"]),
        class_name=data["class"],
        config=_names(data["config"]),
        args=tuple(
            term(v, f"{key}.args[{i}]", BUILD_NAMES) for i, v in enumerate(data.get("args", []))
        ),
        kwargs=_kwargs(data.get("kwargs", {}), key),
        splat=tuple(term(v, f"{key}.splat[{i}]", BUILD_NAMES) for i, v in enumerate(splat)),
        inputs=choices[0] if choices else None,
        alternatives=choices[1:],
        tolerance=float(data.get("tolerance", tolerance)),
        shipped_without=tuple(data.get("shipped_without", ())),
        stub_modules=_merged(stubs, data.get("stub_modules", ())),
    )


def _kwargs(data: dict[str, Any], key: str) -> tuple[tuple[str, Term], ...]:
    return tuple((name, term(v, f"{key}.kwargs.{name}", BUILD_NAMES)) for name, v in data.items())


def _variant(base: ModelSpec, data: dict[str, Any], key: str, names: set[str]) -> ModelSpec:
    """BASE as the variant DATA describes it: another module, class, config, settings,
    keyword arguments or inputs. NAMES are the model's own and its variants' names."""
    choices = (base.inputs, *base.alternatives) if base.inputs else ()
    if "inputs" in data:
        choices = _choices(data["inputs"], f"{key}.inputs")
    kwargs = dict(base.kwargs)
    kwargs.update(_kwargs(data.get("kwargs", {}), key))
    fallback = None
    if "fallback" in data:
        fallback = base.name if data["fallback"] == base.name else f"{base.name}@{data['fallback']}"
        if fallback not in names:
            raise ExpressionError(
                f"{key}.fallback: {base.name} has no variant {data['fallback']!r}"
            )
    return replace(
        base,
        name=f"{base.name}@{data['name']}",
        modules=_names(data.get("module", base.modules)),
        class_name=data.get("class", base.class_name),
        config=_names(data.get("config", base.config)),
        kwargs=tuple(kwargs.items()),
        inputs=choices[0] if choices else None,
        alternatives=tuple(choices[1:]),
        base=base.name,
        variant=data["name"],
        overrides=tuple(data.get("set", {}).items()),
        requires=tuple(data.get("requires", ())),
        shipped_without=tuple(data.get("shipped_without", base.shipped_without)),
        stub_modules=_merged(base.stub_modules, data.get("stub_modules", ())),
        fallback=fallback,
    )


def _check_fallbacks(models: Sequence[ModelSpec], source: str) -> None:
    """Refuse a variant whose fallbacks lead back to it."""
    by_name = {m.name: m for m in models}
    for model in models:
        seen = [model.name]
        current = model.fallback
        while current is not None:
            if current in seen:
                chain = " -> ".join([*seen, current])
                raise ProfileError(f"profile {source}: {model.name}: fallback cycle: {chain}")
            seen.append(current)
            current = by_name[current].fallback


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
        outputs=tuple(data["outputs"]) if "outputs" in data else None,
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
    """The term written at KEY: a string is an expression that may read only NAMES;
    ``{literal: V}`` is V itself (a string too), ``{first: [...]}`` the first of its terms
    that resolves; anything else is a literal."""
    if isinstance(value, dict) and "literal" in value:
        return Term(key=key, literal=value["literal"])
    if isinstance(value, dict) and "first" in value:
        return Term(
            key=key,
            first=tuple(term(v, f"{key}.first[{i}]", names) for i, v in enumerate(value["first"])),
        )
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

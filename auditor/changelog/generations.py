"""Checkpoint generations: which variants of each trained model a release ships.

A generation is a variant of a model of the runtime profile (``sovits@v2Pro``: the SoVITS
generator's v2Pro checkpoints), for the trained models the model map ties to that profile
(``runtime: sovits``). A release ships a generation when, read statically from its tree,
the variant could be built the way runtime confirmation builds it
(:func:`auditor.runtime.build.build`): a config of the variant's exists, the first of its
modules that exists defines its class, and that class's ``__init__`` takes the parameters
the variant requires. The model's own build (the profile's base model) is a generation of
its own only where no shipped variant reads the same config (GPT-SoVITS's GPT stage keeps
``s1longer.yaml`` beside its v2 ``s1longer-v2.yaml``; the SoVITS stage's base build is one
of its versions). A model with no shipped variant has no generations: one row is its own.

Only the repository's own profile or a shipped profile that fits is read; none is inferred
(an inferred profile names models the model map does not know).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from auditor.classify.concerns import ModelMap
from auditor.runtime.detect import declared_profile as runtime_declared_profile
from auditor.runtime.profile import ModelSpec, Profile, ProfileError

#: Reads a file of the release's tree (None: absent or unreadable).
ReadFile = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Generation:
    """One generation of a trained model: ``name`` is the variant's (None: the model's own
    build), ``runtime`` the profile model that builds it (``sovits@v2Pro``), ``configs`` the
    config files it is built from, ``class_name`` its class, and ``tags`` the key conditions
    of the facts only it builds (``version=v2Pro``)."""

    model: str
    name: str | None
    runtime: str
    class_name: str
    configs: tuple[str, ...]
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``SoVITS generator v2Pro``; the model's own build: ``GPT stage, default build``."""
        return f"{self.model} {self.name}" if self.name else f"{self.model}, default build"


def variant_values(generation: Generation) -> frozenset[str]:
    """The values GENERATION's build sets (``v2Pro`` of ``version=v2Pro``)."""
    return frozenset(tag.split("=", 1)[1] for tag in generation.tags if "=" in tag)


def declared_profile(files: Mapping[str, str], read: ReadFile) -> Profile | None:
    """The repository's own profile in FILES, else the first shipped profile that fits them,
    else None (an own profile that cannot be read is None too: the changelog goes on)."""
    try:
        found = runtime_declared_profile(files, read, "the newest release")
    except ProfileError:
        return None
    return found.profile if found is not None else None


def generations_at(
    mapping: ModelMap, profile: Profile | None, files: Mapping[str, str], read: ReadFile
) -> dict[str, tuple[Generation, ...]]:
    """The generations each trained model of MAPPING ships in a tree (FILES, READ), for the
    models that ship at least one variant of PROFILE."""
    if profile is None:
        return {}
    found: dict[str, tuple[Generation, ...]] = {}
    for model, runtime in mapping.runtime.items():
        base = next((m for m in profile.models if m.name == runtime), None)
        if base is None:
            continue
        variants = [m for m in profile.models if m.base == runtime]
        shipped = [v for v in variants if _builds(v, profile, files, read)]
        if not shipped:
            continue
        used = {_config(v, files) for v in shipped}
        own = _builds(base, profile, files, read) and _config(base, files) not in used
        chosen = ([base] if own else []) + shipped
        found[model] = tuple(_generation(model, spec) for spec in chosen)
    return found


def _generation(model: str, spec: ModelSpec) -> Generation:
    tags = tuple(f"{key.rsplit('.', 1)[-1]}={value}" for key, value in spec.overrides)
    return Generation(model, spec.variant, spec.name, spec.class_name, spec.config, tags)


def _config(spec: ModelSpec, files: Mapping[str, str]) -> str | None:
    return next((c for c in spec.config if c in files), None)


def _builds(spec: ModelSpec, profile: Profile, files: Mapping[str, str], read: ReadFile) -> bool:
    if _config(spec, files) is None:
        return False
    source = _module_source(spec, profile, files, read)
    if source is None:
        return False
    params = init_parameters(source, spec.class_name)
    return params is not None and all(p in params for p in spec.requires)


def _module_source(
    spec: ModelSpec, profile: Profile, files: Mapping[str, str], read: ReadFile
) -> str | None:
    """The text of the first of SPEC's modules that exists under the profile's sys_path."""
    for module in spec.modules:
        stem = module.replace(".", "/")
        for folder in profile.sys_path or (".",):
            prefix = "" if folder in ("", ".") else folder.rstrip("/") + "/"
            for path in (f"{prefix}{stem}.py", f"{prefix}{stem}/__init__.py"):
                if path in files:
                    data = read(path)
                    return None if data is None else data.decode("utf-8", "replace")
    return None


def init_parameters(source: str, class_name: str) -> frozenset[str] | None:
    """The named parameters of CLASS_NAME's ``__init__`` in SOURCE (a module's text); None
    when the module does not parse or does not define the class at its top level. A class
    without its own ``__init__`` takes none that a variant could require."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args
                    named = (*args.posonlyargs, *args.args, *args.kwonlyargs)
                    return frozenset(a.arg for a in named[1:] if a not in args.posonlyargs)
            return frozenset()
    return None

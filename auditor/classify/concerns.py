"""Which model a finding concerns (``SoVITS generator``, ``GPT stage``), read from data.

The mapping is ``auditor/classify/models.yaml`` (or a user's file of the same form): file globs
and class globs to model names. Verdicts are given per model, so a fork that only touched
the GPT stage keeps a clean verdict for the SoVITS generator.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import AuditError
from auditor.extract.selection import FileSelection

MODEL_MAP = Path(__file__).resolve().parent / "models.yaml"
ALL = "all"
CHECKPOINT = "checkpoint"
SCOPES = (CHECKPOINT, "inference", "other")
_QUALIFIER = re.compile(r"\[[^\]]*\]$")


class ModelMapError(AuditError):
    """A model map is missing, is not valid YAML, or does not have the documented form."""


@dataclass(frozen=True)
class Concern:
    """One entry: findings in these files or classes concern these models (None: all).

    ``roots`` are globs of the models' top classes: a finding about a class of the entry
    that no root builds (:mod:`auditor.classify.built`) does not decide their verdicts.
    """

    models: tuple[str, ...] | None
    files: FileSelection
    classes: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()

    def matches(self, file: str, cls: str | None) -> bool:
        if self.files.selects(file):
            return True
        return cls is not None and any(fnmatch.fnmatchcase(cls, p) for p in self.classes)


@dataclass(frozen=True)
class ModelMap:
    """Model names in their order, the runtime model of each, and the concern entries."""

    models: tuple[str, ...]
    entries: tuple[Concern, ...]
    fallback: str
    runtime: Mapping[str, str] = field(default_factory=dict)
    #: Each model's scope, when it is not ``checkpoint``: ``inference`` (serving and export
    #: code) or ``other`` (tools that hold no checkpoint users train).
    scopes: Mapping[str, str] = field(default_factory=dict)

    def scope(self, model: str) -> str:
        """``checkpoint``, ``inference`` or ``other``; the fallback's is ``checkpoint``: a
        finding the map places nowhere may still be about a trained model."""
        return self.scopes.get(model, CHECKPOINT)

    def entry(self, file: str, key: str) -> Concern | None:
        """The first entry that matches a finding in FILE about KEY, if any."""
        cls = class_of(file, key)
        return next((entry for entry in self.entries if entry.matches(file, cls)), None)

    def concerns(self, file: str, key: str, present: Iterable[str]) -> tuple[str, ...]:
        """The models a finding in FILE about KEY concerns; PRESENT stands in for ``all``."""
        entry = self.entry(file, key)
        if entry is None:
            return (self.fallback,)
        return tuple(present) if entry.models is None else entry.models

    def root_sets(self) -> tuple[tuple[str, ...], ...]:
        """The distinct ``roots`` of the entries that have some, in the map's order."""
        return tuple(dict.fromkeys(entry.roots for entry in self.entries if entry.roots))

    def covered(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The models whose entries are the first to name a file among PATHS, in the map's
        order (a file an earlier entry names is not another model's too)."""
        found: set[str] = set()
        for path in paths:
            entry = next((e for e in self.entries if e.files.selects(path)), None)
            if entry is not None and entry.models is not None:
                found.update(entry.models)
        return self.ordered(found)

    def ordered(self, names: Iterable[str]) -> tuple[str, ...]:
        """NAMES in the map's order, unknown names (the fallback) last, sorted."""
        wanted = set(names)
        known = [name for name in self.models if name in wanted]
        return (*known, *sorted(wanted - set(known)))


def class_of(file: str, key: str) -> str | None:
    """The class a Python fact's key belongs to (``SynthesizerTrn.__init__.…``), if any."""
    if not file.endswith(".py") or "." not in key:
        return None
    return _QUALIFIER.sub("", key.split(".", 1)[0]) or None


@cache
def load_model_map(path: Path = MODEL_MAP) -> ModelMap:
    """The model map stored at PATH (default: the shipped ``models.yaml``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelMapError(f"cannot read model map {path}: {error}") from None
    except yaml.YAMLError as error:
        raise ModelMapError(f"model map {path} is not valid YAML: {error}") from None
    return parse_model_map(data, str(path))


def parse_model_map(data: Any, where: str) -> ModelMap:
    """A model map from its YAML data; WHERE names it in errors."""
    if not isinstance(data, dict) or not {"models", "concerns"} <= set(data):
        raise ModelMapError(f"{where}: expected a mapping with `models` and `concerns`")
    names: list[str] = []
    runtime: dict[str, str] = {}
    scopes: dict[str, str] = {}
    for index, model in enumerate(_list(data["models"], f"{where}: models")):
        if not isinstance(model, dict) or not isinstance(model.get("name"), str):
            raise ModelMapError(f"{where}: models[{index}] needs a string `name`")
        names.append(model["name"])
        if isinstance(model.get("runtime"), str):
            runtime[model["name"]] = model["runtime"]
        scope = model.get("scope", CHECKPOINT)
        if scope not in SCOPES:
            raise ModelMapError(
                f"{where}: models[{index}].scope must be one of {', '.join(SCOPES)}, not {scope!r}"
            )
        if scope != CHECKPOINT:
            scopes[model["name"]] = scope
    fallback = data.get("fallback", "other")
    if not isinstance(fallback, str) or fallback in names:
        raise ModelMapError(f"{where}: `fallback` must be a name that is not a model")
    entries = [
        _concern(entry, f"{where}: concerns[{index}]", set(names))
        for index, entry in enumerate(_list(data["concerns"], f"{where}: concerns"))
    ]
    return ModelMap(tuple(names), tuple(entries), fallback, runtime, scopes)


def _concern(entry: Any, where: str, names: set[str]) -> Concern:
    if not isinstance(entry, dict) or "models" not in entry:
        raise ModelMapError(f"{where}: expected a mapping with `models`")
    unknown = set(entry) - {"models", "files", "classes", "roots"}
    if unknown:
        raise ModelMapError(f"{where}: unknown keys {sorted(unknown)}")
    models: tuple[str, ...] | None = None
    if entry["models"] != ALL:
        models = tuple(_strings(entry["models"], f"{where}: models"))
        missing = sorted(set(models) - names)
        if missing or not models:
            raise ModelMapError(f"{where}: models {missing or '[]'} are not declared")
    files = tuple(_strings(entry.get("files", []), f"{where}: files"))
    classes = tuple(_strings(entry.get("classes", []), f"{where}: classes"))
    roots = tuple(_strings(entry.get("roots", []), f"{where}: roots"))
    if not files and not classes:
        raise ModelMapError(f"{where}: give `files`, `classes` or both")
    return Concern(models, FileSelection(include=files, exclude=()), classes, roots)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelMapError(f"{where}: expected a list")
    return value


def _strings(value: Any, where: str) -> list[str]:
    items = _list(value, where)
    if not all(isinstance(item, str) and item for item in items):
        raise ModelMapError(f"{where}: expected a list of non-empty strings")
    return items

"""The known content encoders, speaker encoders and vocoders: ``known_components.yaml``, plus
the ones a project declares under ``components`` in its ``.model-audit.yaml``.

Both stages read the list (stage 1 keeps the functions that name a component, stage 2 reports
which ones a file uses), so what is cached of a file is keyed on :attr:`Components.digest`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

#: The roles a component plays; each is the leaf of a ``component.<role>`` fact.
ROLES = ("content-encoder", "speaker-encoder", "vocoder")


@dataclass(frozen=True)
class KnownComponent:
    """A component whose import or construction says which features a model is trained on.

    ``match`` are identifiers of code; ``words`` name the component in checkpoint paths and
    model ids (lower case: a word of a path that starts with one names this component).
    """

    name: str
    role: str
    match: tuple[str, ...]
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Components:
    """A list of known components, in order (a later entry's identifiers win)."""

    entries: tuple[KnownComponent, ...]

    @cached_property
    def roles(self) -> dict[str, tuple[str, str]]:
        """Each matched identifier -> (component name, role)."""
        return {ident: (c.name, c.role) for c in self.entries for ident in c.match}

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """A pattern finding any known identifier in source text (a cheap pre-filter)."""
        idents = sorted(self.roles, key=len, reverse=True)
        return re.compile("|".join(re.escape(i) for i in idents))

    @cached_property
    def words(self) -> tuple[str, ...]:
        """Every word that names a component in a path, longest first."""
        found = {word for c in self.entries for word in c.words}
        return tuple(sorted(found, key=lambda word: (-len(word), word)))

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the list, for cache keys."""
        rows = [[c.name, c.role, list(c.match), list(c.words)] for c in self.entries]
        text = json.dumps(rows, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()[:12]

    def extended(self, extra: Iterable[KnownComponent]) -> Components:
        """This list with ``extra`` appended (the same list when there is nothing to add)."""
        added = tuple(extra)
        return Components(self.entries + added) if added else self


@cache
def builtin_components() -> Components:
    """Every entry of ``known_components.yaml``, in file order."""
    text = (
        resources.files("auditor.extract.python")
        .joinpath("known_components.yaml")
        .read_text(encoding="utf-8")
    )
    return Components(tuple(_entry(e) for e in yaml.safe_load(text) or ()))


def _entry(entry: dict[str, Any]) -> KnownComponent:
    return KnownComponent(
        str(entry["name"]),
        str(entry["role"]),
        tuple(str(m) for m in entry["match"]),
        tuple(str(w).lower() for w in entry.get("words") or ()),
    )

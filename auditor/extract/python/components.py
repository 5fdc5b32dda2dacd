"""The known content encoders, speaker encoders and vocoders (``known_components.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class KnownComponent:
    """A component whose import or construction says which features a model is trained on."""

    name: str
    role: str
    match: tuple[str, ...]


@cache
def known_components() -> tuple[KnownComponent, ...]:
    """Every entry of ``known_components.yaml``, in file order."""
    text = (
        resources.files("auditor.extract.python")
        .joinpath("known_components.yaml")
        .read_text(encoding="utf-8")
    )
    return tuple(
        KnownComponent(str(e["name"]), str(e["role"]), tuple(str(m) for m in e["match"]))
        for e in yaml.safe_load(text) or ()
    )


@cache
def identifier_roles() -> dict[str, tuple[str, str]]:
    """Each matched identifier -> (component name, role)."""
    return {ident: (c.name, c.role) for c in known_components() for ident in c.match}


@cache
def identifier_pattern() -> re.Pattern[str]:
    """A pattern finding any known identifier in source text (a cheap pre-filter)."""
    idents = sorted(identifier_roles(), key=len, reverse=True)
    return re.compile("|".join(re.escape(i) for i in idents))

"""Which model a checkpoint path or model id names: its family, size and version words.

``whisper_pretrain/medium.pt`` and ``whisper_pretrain/large-v2.pt`` name two Whisper models
(``medium`` against ``large`` and ``v2``); ``hubert/checkpoint_best_legacy_500.pt`` moved to
``pretrain/checkpoint_best_legacy_500.pt`` names the same one. The size words and the version
pattern are data (``checkpoint_words.yaml``); the family words are those of the known
components (``known_components.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from auditor.extract.python.components import Components

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class CheckpointWords:
    """The words that tell models of one family apart."""

    sizes: frozenset[str]
    version: re.Pattern[str]


@cache
def checkpoint_words() -> CheckpointWords:
    """The entries of ``checkpoint_words.yaml``."""
    text = (
        resources.files("auditor.extract.python")
        .joinpath("checkpoint_words.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    return CheckpointWords(
        frozenset(str(word).lower() for word in data["sizes"]), re.compile(str(data["version"]))
    )


def words_of(text: str) -> list[str]:
    """The lower-case runs of letters and digits of a path, a model id or a callee."""
    return _WORD.findall(text.lower())


def families(text: str, components: Components) -> tuple[str, ...]:
    """The component words some word of TEXT starts with (``whisper`` of ``whisper_pretrain``,
    ``eres2net`` of ``pretrained_eres2netv2w24s4ep4``), sorted."""
    found = {
        family for word in words_of(text) for family in components.words if word.startswith(family)
    }
    return tuple(sorted(found))


def identity(path: str, components: Components) -> tuple[str, ...]:
    """The words of PATH that identify a model: component, size and version words, sorted.

    Empty when the path says none (``pretrain/G_0.pth``).
    """
    known = checkpoint_words()
    words = words_of(path)
    found = set(families(path, components))
    found |= {w for w in words if w in known.sizes or known.version.match(w)}
    return tuple(sorted(found))

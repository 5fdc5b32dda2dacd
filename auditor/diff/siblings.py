"""Which existing file (or class) a new one is a variant of: ``s2v2Pro.json`` of ``s2.json``.

A new model generation often arrives as a new file beside the old one; comparing the two is
how a maintainer sees what the new variant changes. A name is a variant of another when it
adds a version (``s2`` + ``v2Pro``, ``SynthesizerTrn`` + ``V3``), a letter after a version
(``NetV3b`` of ``NetV3``), a size or tier word (``config_tiny_template`` of
``config_template``), or differs only in a number (``24000.json`` beside ``32000.json``,
``TextEncoder768`` beside ``TextEncoder256``: the nearest number wins). Role words
(``_onnx``, ``_fast``, ``_infer``) make export and inference copies, which are mirrors, not
variants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_VERSION_SUFFIX = re.compile(r"[-_.]?v?\d+$", re.IGNORECASE)
#: What a variant's name adds to its sibling's: a version (``2``, ``-v2``, ``v2Pro``).
_VARIANT_TAIL = re.compile(r"^[-_.]?v?\d+[a-z0-9_]*$", re.IGNORECASE)
#: Words that name a size or tier of the same model, when inserted among a sibling's words.
_TIER_WORDS = frozenset(
    {"tiny", "small", "base", "medium", "large", "big", "huge", "lite", "light", "mini"}
    | {"pro", "plus", "xl", "xxl", "hq", "nano", "micro", "full"}
)
_NUMBER = re.compile(r"\d+")
_WORDS = re.compile(r"[-_.]+")
_MIN_STEM = 2


def _split(path: str) -> tuple[str, str, str]:
    pure = PurePosixPath(path)
    return str(pure.parent), pure.stem.lower(), pure.suffix.lower()


def _numbers(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _NUMBER.findall(name))


def _rank(new: str, other: str) -> tuple[int, int] | None:
    """How surely lower-case name NEW is a variant of OTHER (higher is surer), or None."""
    if len(other) < _MIN_STEM or other == new:
        return None
    if new.startswith(other):
        tail = new[len(other) :]
        if _VARIANT_TAIL.match(tail):
            return (3, len(other))
        if len(tail) == 1 and tail.isalpha() and other[-1].isdigit():
            return (3, len(other))
    if _VERSION_SUFFIX.sub("", new) == other:
        return (3, len(other))
    if _NUMBER.sub("#", new) == _NUMBER.sub("#", other):
        pairs = [(a, b) for a, b in zip(_numbers(new), _numbers(other), strict=True) if a != b]
        # sizes and rates (24000, 768, 32k), not stage or block numbers (s1/s2, ResBlock1/2)
        if pairs and all(min(a, b) >= 10 for a, b in pairs):
            # the nearest number: 24000 is a variant of 32000 rather than of 48000
            return (2, -sum(abs(a - b) for a, b in pairs))
    words, theirs = _WORDS.split(new), _WORDS.split(other)
    if len(words) == len(theirs) + 1:
        for index, word in enumerate(words):
            if word in _TIER_WORDS and words[:index] + words[index + 1 :] == theirs:
                return (1, len(other))
    return None


def sibling_of(new_path: str, existing: Iterable[str]) -> str | None:
    """The existing file in the same folder, with the same extension, that ``new_path`` is a
    variant of (see the module's rules); the surest match wins; None when there is none."""
    folder, stem, suffix = _split(new_path)
    best: tuple[tuple[int, int], str] | None = None
    for candidate in existing:
        other_folder, other_stem, other_suffix = _split(candidate)
        if candidate == new_path or (other_folder, other_suffix) != (folder, suffix):
            continue
        rank = _rank(stem, other_stem)
        if rank is not None and (best is None or (rank, candidate) > best):
            best = (rank, candidate)
    return best[1] if best else None


def variant_name(new: str, existing: Iterable[str]) -> str | None:
    """The existing name that ``new`` is a variant of (``SynthesizerTrn`` for
    ``SynthesizerTrnV3``, ``TextEncoder256`` for ``TextEncoder768``), the surest first."""
    lowered = new.lower()
    best: tuple[tuple[int, int], str] | None = None
    for name in existing:
        rank = _rank(lowered, name.lower())
        if rank is not None and (best is None or (rank, name) > best):
            best = (rank, name)
    return best[1] if best else None

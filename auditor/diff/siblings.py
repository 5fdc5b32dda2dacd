"""Which existing file a new file is a variant of (``s2v2Pro.json`` of ``s2.json``).

A new model generation often arrives as a new file beside the old one; comparing the two is
how a maintainer sees what the new variant changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_VERSION_SUFFIX = re.compile(r"[-_.]?v?\d+$", re.IGNORECASE)
#: What a variant's name adds to its sibling's: a version (``2``, ``-v2``, ``v2Pro``), not a
#: role (``_onnx``, ``_fast``: export and inference copies are mirrors, not variants).
_VARIANT_TAIL = re.compile(r"^[-_.]?v?\d+[a-z0-9_]*$", re.IGNORECASE)
_MIN_STEM = 2


def _split(path: str) -> tuple[str, str, str]:
    pure = PurePosixPath(path)
    return str(pure.parent), pure.stem.lower(), pure.suffix.lower()


def sibling_of(new_path: str, existing: Iterable[str]) -> str | None:
    """The existing file in the same folder, with the same extension, that ``new_path`` is a
    version of: the new stem is its stem plus a version (``s1longer`` + ``-v2``,
    ``s2`` + ``v2Pro``). The longest such stem wins; None when there is none.
    """
    folder, stem, suffix = _split(new_path)
    unversioned = _VERSION_SUFFIX.sub("", stem)
    best: tuple[int, str] | None = None
    for candidate in existing:
        if (
            not candidate.lower().endswith(suffix)
            or candidate.rpartition("/")[0] != (new_path.rpartition("/")[0])
        ):
            continue
        other_folder, other_stem, other_suffix = _split(candidate)
        if candidate == new_path or (other_folder, other_suffix) != (folder, suffix):
            continue
        if len(other_stem) < _MIN_STEM or other_stem == stem:
            continue
        tail = stem[len(other_stem) :]
        if (stem.startswith(other_stem) and _VARIANT_TAIL.match(tail)) or unversioned == other_stem:
            ranked = (len(other_stem), candidate)
            if best is None or ranked > best:
                best = ranked
    return best[1] if best else None


def variant_name(new: str, existing: Iterable[str]) -> str | None:
    """The existing name that ``new`` is a version of (``SynthesizerTrn`` for
    ``SynthesizerTrnV3``): the longest one that ``new`` extends with a version tail."""
    lowered = new.lower()
    best: tuple[int, str] | None = None
    for name in existing:
        other = name.lower()
        if len(other) < _MIN_STEM or other == lowered or not lowered.startswith(other):
            continue
        if _VARIANT_TAIL.match(lowered[len(other) :]) and (best is None or len(name) > best[0]):
            best = (len(name), name)
    return best[1] if best else None

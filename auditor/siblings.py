"""Which existing file a new file is a variant of (``s2v2Pro.json`` of ``s2.json``).

A new model generation often arrives as a new file beside the old one; comparing the two is
how a maintainer sees what the new variant changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_VERSION_SUFFIX = re.compile(r"[-_.]?v?\d+$", re.IGNORECASE)
_MIN_STEM = 2


def _split(path: str) -> tuple[str, str, str]:
    pure = PurePosixPath(path)
    return str(pure.parent), pure.stem.lower(), pure.suffix.lower()


def sibling_of(new_path: str, existing: Iterable[str]) -> str | None:
    """The existing file in the same folder, with the same extension, that ``new_path``
    extends: its stem is a prefix of the new stem (``s1longer`` of ``s1longer-v2``), or
    equals it without a version suffix. The longest such stem wins; None when there is none.
    """
    folder, stem, suffix = _split(new_path)
    unversioned = _VERSION_SUFFIX.sub("", stem)
    best: tuple[int, str] | None = None
    for candidate in existing:
        other_folder, other_stem, other_suffix = _split(candidate)
        if candidate == new_path or (other_folder, other_suffix) != (folder, suffix):
            continue
        if len(other_stem) < _MIN_STEM or other_stem == stem:
            continue
        if stem.startswith(other_stem) or unversioned == other_stem:
            ranked = (len(other_stem), candidate)
            if best is None or ranked > best:
                best = ranked
    return best[1] if best else None

"""Which config an inferred model is built from, and which configs are its variants.

The first config the script names (:func:`auditor.runtime.script_setup.named_configs`) that
holds every key the construction reads (``data.hop_length``, ``model``); when none does and
a named file is not committed (a default each user writes), the first config of that file's
folder, else of the tree, that holds them. The other configs of the chosen one's folder (the
same suffix) that hold them too are variants. Every choice is said in a note.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.history import BlobReader
from auditor.runtime.materialise import ConfigUnavailable, read_config
from auditor.runtime.script_setup import ConfigNames, is_config_path

#: At most this many other configs of a folder become variants.
MAX_VARIANTS = 8


@dataclass(frozen=True)
class ConfigChoice:
    """The config to build from (None: none fits), its variants' configs, and notes."""

    config: str | None
    variants: tuple[str, ...]
    notes: tuple[str, ...]


class ConfigChooser:
    """Chooses among the configs of one tree; each config is read once."""

    def __init__(self, tree: Mapping[str, str], blobs: BlobReader) -> None:
        self.tree = tree
        self.blobs = blobs
        #: Each config read: its content, or why it cannot be read.
        self._read: dict[str, dict[str, Any] | str] = {}

    def choose(self, named: ConfigNames, reads: frozenset[tuple[str, ...]]) -> ConfigChoice:
        """The config of a construction that reads READS from a script that names NAMED."""
        notes: list[str] = []
        for config in named.present:
            missing = self.missing(config.path, reads)
            if missing is None:
                notes.append(f"config: {config.path} (named at {config.named_at})")
                return ConfigChoice(config.path, self._siblings(config.path, reads), tuple(notes))
            notes.append(f"{config.path} (named at {config.named_at}) {missing}")
        if not reads:
            notes.append("no config is named and the construction reads none")
            return ConfigChoice(None, (), tuple(notes))
        folders = [posixpath.dirname(p) for p in named.absent]
        everything = sorted(p for p in self.tree if is_config_path(p))
        pool = [p for f in folders for p in everything if posixpath.dirname(p) == f] + everything
        for path in dict.fromkeys(pool):
            if self.missing(path, reads) is None:
                said = ", ".join(named.absent) or "none"
                notes.append(
                    f"config: {path}, the first holding every key the construction reads "
                    f"(named but not committed: {said})"
                )
                return ConfigChoice(path, self._siblings(path, reads), tuple(notes))
        notes.append(f"no config holds {', '.join('.'.join(k) for k in sorted(reads))}")
        return ConfigChoice(None, (), tuple(notes))

    def _siblings(self, path: str, reads: frozenset[tuple[str, ...]]) -> tuple[str, ...]:
        """The other configs of PATH's folder (same suffix) that hold every key READS."""
        folder, suffix = posixpath.dirname(path), posixpath.splitext(path)[1]
        found = [
            p
            for p in sorted(self.tree)
            if p != path
            and posixpath.dirname(p) == folder
            and p.endswith(suffix)
            and self.missing(p, reads) is None
        ]
        return tuple(found[:MAX_VARIANTS])

    def missing(self, path: str, reads: frozenset[tuple[str, ...]]) -> str | None:
        """Why the config PATH cannot build the model: the first key of READS it lacks
        (``lacks data.hop_length``), or why it cannot be read; None when it can."""
        if path not in self._read:
            try:
                self._read[path] = read_config(self.blobs, dict(self.tree), [path])[1]
            except ConfigUnavailable as error:
                self._read[path] = str(error).removeprefix(f"{path}: ")
        data = self._read[path]
        if isinstance(data, str):
            return f"cannot be read ({data})"
        for keys in sorted(reads):
            current: Any = data
            for i, key in enumerate(keys):
                if not isinstance(current, Mapping) or key not in current:
                    return f"lacks {'.'.join(keys[: i + 1])}"
                current = current[key]
        return None

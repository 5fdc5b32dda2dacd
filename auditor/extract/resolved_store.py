"""Resolved Python facts kept across runs, so a warm re-scan neither decodes summaries nor
resolves again: a file's facts are stored per (path, blob) with the blobs their resolution
consulted, and are reused wherever those blobs are the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.domain import Fact, FileFacts
from auditor.extract.cache import FactCache, decode, encode
from auditor.extract.python import EXTRACTOR_VERSION

PythonTree = dict[str, str]
Origin = tuple[str, str]

#: Bump when resolution changes its output for the same summaries.
RESOLUTION_VERSION = 9
_VERSION = EXTRACTOR_VERSION * 1000 + RESOLUTION_VERSION
_FACTS = "python-facts"
_MEASURES = "python-measures"
KEPT_PER_FILE = 8  # resolutions kept per file: enough for a parent, a child and branches


@dataclass(frozen=True)
class Resolved:
    """The facts of one file and what they depend on."""

    path: str
    consulted: tuple[tuple[str, str | None], ...]
    #: For a file whose facts depend on what other files measure with len(): that part.
    measured: frozenset[Origin] | None
    facts: tuple[Fact, ...]

    def valid_for(
        self, tree: PythonTree, measured_in: Callable[[str, PythonTree], frozenset[Origin]]
    ) -> bool:
        """Whether resolving the file in ``tree`` would give the same facts."""
        if not all(tree.get(path) == blob for path, blob in self.consulted):
            return False
        return self.measured is None or measured_in(self.path, tree) == self.measured

    def to_json(self) -> dict[str, Any]:
        return {
            "c": [list(item) for item in self.consulted],
            "m": None if self.measured is None else sorted(map(list, self.measured)),
            "f": encode(FileFacts(facts=self.facts)),
        }

    @classmethod
    def from_json(cls, path: str, data: dict[str, Any]) -> Resolved:
        measured = data["m"]
        return cls(
            path=path,
            consulted=tuple((str(p), None if b is None else str(b)) for p, b in data["c"]),
            measured=None if measured is None else frozenset((p, n) for p, n in measured),
            facts=decode(data["f"]).facts,
        )


class ResolvedStore:
    """Resolutions and ``len()`` measures per (path, blob), in the fact cache, apart for each
    list of known components (``digest``: :attr:`Components.digest`)."""

    def __init__(self, cache: FactCache, digest: str) -> None:
        self._cache = cache
        self._facts = f"{_FACTS}@{digest}"
        self._measures = f"{_MEASURES}@{digest}"

    @staticmethod
    def _key(path: str, blob: str) -> str:
        return f"{blob}/{path}"

    def resolutions(self, path: str, blob: str) -> list[Resolved]:
        payload = self._cache.get_text(self._facts, _VERSION, self._key(path, blob))
        if payload is None:
            return []
        return [Resolved.from_json(path, item) for item in json.loads(payload)]

    def keep(self, path: str, blob: str, entries: list[Resolved]) -> None:
        kept = [entry.to_json() for entry in entries[-KEPT_PER_FILE:]]
        payload = json.dumps(kept, separators=(",", ":"), ensure_ascii=False)
        self._cache.put_text(self._facts, _VERSION, self._key(path, blob), payload)

    def measures(self, path: str, blob: str) -> frozenset[Origin] | None:
        payload = self._cache.get_text(self._measures, _VERSION, self._key(path, blob))
        if payload is None:
            return None
        return frozenset((p, n) for p, n in json.loads(payload))

    def keep_measures(self, path: str, blob: str, measured: frozenset[Origin]) -> None:
        payload = json.dumps(sorted(map(list, measured)), separators=(",", ":"))
        self._cache.put_text(self._measures, _VERSION, self._key(path, blob), payload)

"""Summaries of Python blobs: cached per blob, parsed only when the text may hold facts,
and parsed on several processes when many are new (libcst parsing is CPU-bound)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from auditor.extract.cache import FactCache
from auditor.extract.python import (
    EXTRACTOR_VERSION,
    Components,
    ModuleSummary,
    PythonParseError,
    may_hold_facts,
    summarise_module,
)
from auditor.history import BlobReader
from auditor.interrupts import WorkerPool

_NAMESPACE = "python"
_NOTHING = ""  # cached payload of a blob that holds no facts (the text pre-check failed)
_ERROR = "!"  # prefix of the cached payload of a blob that does not parse
_PARALLEL_FROM = 16  # fewer files than this are not worth starting processes for


class SummaryStore:
    """Module summaries per blob: cached on disk, parsed only when the text may hold facts.

    A summary depends on the known ``components`` (which functions are read whole), so the
    cache keys carry their digest: a project that adds components gets its own summaries.
    """

    def __init__(
        self, blobs: BlobReader, cache: FactCache, max_file_bytes: int, components: Components
    ) -> None:
        self._blobs = blobs
        self._cache = cache
        self._max_file_bytes = max_file_bytes
        self.components = components
        self._namespace = f"{_NAMESPACE}@{components.digest}"
        self._memory: dict[str, ModuleSummary | str | None] = {}
        self._payloads: dict[str, str] = {}
        self._mentions: dict[tuple[str, str], bool] = {}

    def _known(self, blob: str) -> str | None:
        """The payload of ``blob`` if this run or the cache already has it."""
        found = self._payloads.get(blob)
        if found is None:
            found = self._cache.get_text(self._namespace, EXTRACTOR_VERSION, blob)
            if found is not None:
                self._payloads[blob] = found
        return found

    def payload(self, blob: str) -> str:
        """The cached payload of ``blob`` (summarised now when it is new)."""
        found = self._known(blob)
        if found is None:
            found = self._summarise(blob)
            if found is None:
                found = f"{_ERROR}object is missing (partial clone or snapshot)"
            else:
                self._cache.put_text(self._namespace, EXTRACTOR_VERSION, blob, found)
            self._payloads[blob] = found
        return found

    def error(self, blob: str) -> str | None:
        """Why ``blob`` cannot be read as Python, or None (decodes nothing)."""
        payload = self.payload(blob)
        return payload[len(_ERROR) :] if payload.startswith(_ERROR) else None

    def notes(self, blob: str) -> tuple[str, ...]:
        """What reading ``blob`` had to work around (bytes that are not text in a comment)."""
        if '"notes":[]' in self.payload(blob):
            return ()
        found = self.summary(blob)
        return found.notes if isinstance(found, ModuleSummary) else ()

    def holds_facts(self, blob: str) -> bool:
        """Whether ``blob`` parsed into a summary with something in it (decodes nothing)."""
        payload = self.payload(blob)
        return payload != _NOTHING and not payload.startswith(_ERROR)

    def mentions(self, blob: str, text: str, source: bytes | None = None) -> bool:
        """Whether the summary of ``blob`` contains ``text`` (a cheap pre-filter). Given
        ``source``, a word the blob's own bytes must hold for it to, a blob without it is not
        summarised to be asked."""
        key = (blob, text)
        found = self._mentions.get(key)
        if found is None:
            data = self._read(blob) if source is not None and self._known(blob) is None else None
            if isinstance(data, bytes) and source is not None and source not in data:
                found = self._mentions[key] = False
            else:
                found = self._mentions[key] = text in self.payload(blob)
        return found

    def summary(self, blob: str) -> ModuleSummary | str | None:
        """The summary of ``blob``; None when it holds no facts; an error message as str."""
        if blob in self._memory:
            return self._memory[blob]
        payload = self.payload(blob)
        found: ModuleSummary | str | None
        if payload == _NOTHING:
            found = None
        elif payload.startswith(_ERROR):
            found = payload[len(_ERROR) :]
        else:
            found = ModuleSummary.from_json(payload)
        self._memory[blob] = found
        return found

    def _read(self, blob: str) -> bytes | str | None:
        """The blob's bytes, a ready payload (too large), or None when it is missing."""
        size = self._blobs.size(blob)
        if size is None:
            return None
        if size > self._max_file_bytes:
            return f"{_ERROR}{size} bytes, larger than the {self._max_file_bytes}-byte limit"
        return self._blobs.read(blob)

    def _summarise(self, blob: str) -> str | None:
        data = self._read(blob)
        if data is None or isinstance(data, str):
            return data
        return summary_payload(data, self.components)

    def prefetch(self, blobs: Iterable[str], workers: int) -> None:
        """Summarise the uncached ``blobs`` on ``workers`` processes (parsing is CPU-bound)."""
        todo: list[tuple[str, bytes]] = []
        for blob in dict.fromkeys(blobs):
            if (
                blob in self._memory
                or self._cache.get_text(self._namespace, EXTRACTOR_VERSION, blob) is not None
            ):
                continue
            data = self._read(blob)
            if isinstance(data, bytes) and may_hold_facts(data, self.components):
                todo.append((blob, data))
        if workers < 2 or len(todo) < _PARALLEL_FROM:
            return
        with WorkerPool(workers) as pool:  # ended at once by Ctrl-C
            summarise = partial(summary_payload, components=self.components)
            payloads = pool.map(summarise, [data for _, data in todo], chunksize=4)
            for (blob, _), payload in zip(todo, payloads, strict=True):
                self._cache.put_text(self._namespace, EXTRACTOR_VERSION, blob, payload)


def summary_payload(data: bytes, components: Components) -> str:
    """The cache payload of one Python file: its summary, nothing, or its parse error."""
    if not may_hold_facts(data, components):
        return _NOTHING
    try:
        return summarise_module(data, components).to_json()
    except PythonParseError as error:
        return f"{_ERROR}{error}"

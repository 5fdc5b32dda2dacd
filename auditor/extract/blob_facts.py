"""Read the facts of a blob: pick the extractor, consult the cache, parse what is new."""

from __future__ import annotations

from auditor.domain import FileFacts
from auditor.extract.cache import FactCache
from auditor.extract.selection import FileSelection, extractor_for
from auditor.history.blobs import BlobReader


class MissingBlob(Exception):
    """The object is absent from the repository (a partial clone or a snapshot)."""


class FactReader:
    """Facts of config blobs, cached per blob; files that match no extractor are never read."""

    def __init__(
        self,
        blobs: BlobReader,
        cache: FactCache,
        selection: FileSelection,
        max_file_bytes: int,
    ) -> None:
        self._blobs = blobs
        self._cache = cache
        self._selection = selection
        self._max_file_bytes = max_file_bytes

    def reads(self, path: str | None) -> bool:
        """Whether ``path`` is a config this audit reads."""
        return (
            path is not None and self._selection.selects(path) and extractor_for(path) is not None
        )

    def read(self, path: str, blob: str) -> FileFacts:
        """The facts of ``blob`` read as ``path``; raises :class:`MissingBlob`."""
        extractor = extractor_for(path)
        if extractor is None:
            return FileFacts()
        cached = self._cache.get(extractor.name, extractor.version, blob)
        if cached is not None:
            return cached
        size = self._blobs.size(blob)
        if size is None:
            raise MissingBlob(blob)
        if size > self._max_file_bytes:
            return FileFacts(
                error=f"{size} bytes, larger than the {self._max_file_bytes}-byte limit "
                "(max_file_bytes); not read"
            )
        data = self._blobs.read(blob)
        if data is None:
            raise MissingBlob(blob)
        facts = extractor.extract(data)
        self._cache.put(extractor.name, extractor.version, blob, facts)
        return facts

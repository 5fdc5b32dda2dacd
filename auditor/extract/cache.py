"""Facts cached per blob: a blob's facts never change, so a re-run parses only what is new.

Keyed by (extractor name, extractor version, blob sha) in one SQLite file; an in-memory layer
in front serves the blob that is "new" in one commit and "old" in the next. A file SQLite
cannot read as a database (a crash, a full disk, a stray copy) is deleted and made again,
empty, with one notice; a cache that cannot be used at all leaves the audit uncached.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.domain import Fact, FactKind, FactValue, FileFacts

CACHE_ENV = "MODEL_AUDIT_CACHE_DIR"
_SCHEMA = "CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, payload TEXT NOT NULL)"
DATABASE = "facts-v1.sqlite3"
#: The files SQLite keeps beside a database: a stale journal would be replayed into a new one.
_COMPANIONS = ("-journal", "-wal", "-shm")


def default_cache_dir() -> Path:
    """``$MODEL_AUDIT_CACHE_DIR``, else the platform's user cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "model-audit"


def _value(raw: Any) -> FactValue:
    if isinstance(raw, list):
        return tuple(_value(item) for item in raw)
    value: FactValue = raw
    return value


def encode(facts: FileFacts) -> str:
    """A compact JSON form of ``facts``."""
    rows = [[f.kind.value, f.key, f.parameter, f.value, f.line] for f in facts.facts]
    return json.dumps({"e": facts.error, "f": rows}, ensure_ascii=False, separators=(",", ":"))


def decode(payload: str) -> FileFacts:
    """The inverse of :func:`encode`."""
    data = json.loads(payload)
    facts = tuple(
        Fact(kind=FactKind(kind), key=key, parameter=parameter, value=_value(value), line=line)
        for kind, key, parameter, value, line in data["f"]
    )
    return FileFacts(facts=facts, error=data["e"])


#: Seconds a writer waits for another process's write to finish (several audits can share a
#: cache: a matrix of fork audits, a process pool); readers never wait.
BUSY_TIMEOUT = 60.0


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
    try:
        db.execute(_SCHEMA)
    except BaseException:
        db.close()
        raise
    return db


def _is_corrupt(error: sqlite3.Error) -> bool:
    """Whether ERROR says the file is no sound database (not: busy, locked, read-only...)."""
    # sqlite3 raises DatabaseError itself for SQLITE_CORRUPT and SQLITE_NOTADB, and one of
    # its subclasses (OperationalError...) for the errors that say nothing of the file.
    return type(error) is sqlite3.DatabaseError


class FactCache:
    """Facts per blob, on disk when ``directory`` is given, in memory always.

    NOTIFY is called with each notice about the cache itself (rebuilt, disabled, not saved);
    the last one is also kept in :attr:`warning`.
    """

    def __init__(self, directory: Path | None, notify: Callable[[str], None] | None = None) -> None:
        self._memory: dict[str, FileFacts] = {}
        self._written: dict[str, str] = {}
        self._pending: list[tuple[str, str]] = []
        self._db: sqlite3.Connection | None = None
        self._notify = notify
        self._path: Path | None = None
        self.warning: str | None = None
        if directory is not None:
            path = self._path = directory / DATABASE
            try:
                directory.mkdir(parents=True, exist_ok=True)
                try:
                    self._db = _connect(path)
                except sqlite3.DatabaseError as error:
                    if not _is_corrupt(error):
                        raise
                    self._db = self._rebuild(path, error)
            except (OSError, sqlite3.Error) as error:
                self._warn(f"fact cache disabled: cannot use {directory}: {error}")
                self._db = None

    def _warn(self, message: str) -> None:
        self.warning = message
        if self._notify is not None:
            self._notify(message)

    def _rebuild(self, path: Path, error: sqlite3.Error) -> sqlite3.Connection:
        """A new, empty database in place of the unreadable one at PATH."""
        for name in ("", *_COMPANIONS):
            path.with_name(path.name + name).unlink(missing_ok=True)
        db = _connect(path)
        self._warn(f"fact cache {path} could not be read ({error}): rebuilt it, empty")
        return db

    @staticmethod
    def key(extractor: str, version: int, blob: str) -> str:
        return f"{extractor}:{version}:{blob}"

    def get_text(self, extractor: str, version: int, blob: str) -> str | None:
        """The cached payload of ``blob`` as written by ``extractor``, if any."""
        key = self.key(extractor, version, blob)
        if self._db is None or key in self._written:
            return self._written.get(key)
        try:
            row = self._db.execute("SELECT payload FROM facts WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as error:
            if not _is_corrupt(error) or self._path is None:
                raise
            self._replace_corrupt(self._path, error)
            return None
        return None if row is None else str(row[0])

    def _replace_corrupt(self, path: Path, error: sqlite3.Error) -> None:
        """Found unreadable mid-run: go on with a rebuilt database (what is pending is kept
        and saved on :meth:`close`), or without one when that fails."""
        assert self._db is not None
        self._db.close()
        self._db = None
        try:
            self._db = self._rebuild(path, error)
        except (OSError, sqlite3.Error) as failure:
            self._warn(f"fact cache disabled: cannot rebuild {path}: {failure}")

    def put_text(self, extractor: str, version: int, blob: str, payload: str) -> None:
        """Remember a payload; written to disk on :meth:`close`."""
        key = self.key(extractor, version, blob)
        self._written[key] = payload
        if self._db is not None:
            self._pending.append((key, payload))

    def get(self, extractor: str, version: int, blob: str) -> FileFacts | None:
        """The cached facts of ``blob`` as read by ``extractor``, if any."""
        key = self.key(extractor, version, blob)
        found = self._memory.get(key)
        if found is None:
            payload = self.get_text(extractor, version, blob)
            if payload is not None:
                found = self._memory[key] = decode(payload)
        return found

    def put(self, extractor: str, version: int, blob: str, facts: FileFacts) -> None:
        """Remember ``facts``; written to disk on :meth:`close`."""
        self._memory[self.key(extractor, version, blob)] = facts
        self.put_text(extractor, version, blob, encode(facts))

    def close(self) -> None:
        """Write what is pending and release the database."""
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO facts (key, payload) VALUES (?, ?)", self._pending
                )
        except sqlite3.Error as error:
            self._warn(f"fact cache not saved: {error}")
        finally:
            self._pending.clear()
            self._db.close()
            self._db = None

    def __enter__(self) -> FactCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

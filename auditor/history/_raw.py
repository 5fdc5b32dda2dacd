"""Parsing the NUL-separated (``-z``) output of ``git log --raw`` and ``git diff-tree``.

A commit header is our ``--format``: a token starting with ``\\x01`` and the sha, then a
fixed number of fields (any of which may be empty). A raw diff entry is a token
``:oldmode newmode oldsha newsha STATUS`` (git puts a newline before the first entry of a
commit) followed by one path, or two for renames and copies. Empty tokens separate records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from auditor.errors import RepositoryError

HEADER = b"\x01"
GITLINK = b"160000"
ABSENT_MODE = b"000000"


class RawEntry(NamedTuple):
    """One line of ``--raw`` output; ``status`` is the letter alone (``R``, not ``R087``)."""

    status: bytes
    old_mode: bytes
    new_mode: bytes
    old_sha: bytes
    new_sha: bytes
    first: bytes
    second: bytes | None


Record = tuple[list[bytes], list[RawEntry]]


def records(tokens: Iterator[bytes], fields: int) -> Iterator[Record]:
    """Group a ``git log -z --raw`` stream into (header tokens, raw entries) per commit.

    The header tokens are the sha (marker stripped) and the FIELDS tokens after it.
    """
    header: list[bytes] | None = None
    entries: list[RawEntry] = []
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(HEADER):
            if header is not None:
                yield header, entries
            header, entries = [token[1:]], []
            for _ in range(fields):
                field = next(tokens, None)
                if field is None:
                    raise garbled(token)
                header.append(field)
        elif token.startswith(b":") and header is not None:
            entries.append(raw_entry(token, tokens))
        elif token:
            raise garbled(token)
    if header is not None:
        yield header, entries


def raw_entries(tokens: Iterator[bytes]) -> Iterator[RawEntry]:
    """The raw entries of a ``git diff-tree -z`` stream (no commit headers)."""
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b":"):
            yield raw_entry(token, tokens)
        elif token:
            raise garbled(token)


def raw_entry(meta: bytes, tokens: Iterator[bytes]) -> RawEntry:
    """Split ``:oldmode newmode oldsha newsha STATUS`` and take its one or two paths."""
    parts = meta[1:].split(b" ")
    if len(parts) != 5 or not parts[4]:
        raise garbled(meta)
    old_mode, new_mode, old_sha, new_sha, status = parts
    two = status[:1] in (b"R", b"C")
    first = next(tokens, None)
    second = next(tokens, None) if two else None
    if first is None or (two and second is None):
        raise garbled(meta)
    return RawEntry(status[:1], old_mode, new_mode, old_sha, new_sha, first, second)


def garbled(token: bytes) -> RepositoryError:
    """The error for output that does not follow the expected layout."""
    shown = token[:60].decode("utf-8", "replace")
    return RepositoryError(f"unexpected output from git: {shown!r}")

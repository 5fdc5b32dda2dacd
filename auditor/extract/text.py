"""Decoding the bytes of a blob into the text an extractor parses."""

from __future__ import annotations

import codecs

#: Blobs larger than this are not hand-written configs; parsing them would only cost time.
MAX_TEXT_BYTES = 8 * 1024 * 1024


class UnreadableText(ValueError):
    """The blob is not text an extractor can parse; the message says why, in one line."""


def decode_text(data: bytes) -> str:
    """Decode a blob as UTF-8 (an optional BOM is dropped) or BOM-marked UTF-16.

    Raises :class:`UnreadableText` for binary content, bytes that do not decode and blobs
    over :data:`MAX_TEXT_BYTES`.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableText(
            f"too large for a config file ({len(data)} bytes, limit {MAX_TEXT_BYTES})"
        )
    # Windows tools (PowerShell's `pip freeze >`) write UTF-16 with a BOM; it holds NUL bytes.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableText(f"not UTF-16 text (invalid data at offset {exc.start})") from None
    if b"\x00" in data:
        raise UnreadableText("binary content, not a text config")
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        raise UnreadableText(
            f"not UTF-8 text (invalid byte 0x{data[offset]:02x} at offset {offset})"
        ) from None

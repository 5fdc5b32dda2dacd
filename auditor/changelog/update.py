"""Writing a generated block into a hand-kept changelog file, between two markers.

Only the text between ``<!-- model-audit:begin -->`` and ``<!-- model-audit:end -->``
changes; every other byte of the file (hand-written lines, line endings, a byte-order mark)
stays as it was, and running the update twice gives the same file. A file without markers
gets them below its first ``# `` title line (or at the top); a missing file is created.
Markers out of order (an END first, a BEGIN without END, either twice) are refused, and
:func:`check_file` refuses them before the audit that makes the text, which takes minutes.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import AuditError

BEGIN = "<!-- model-audit:begin -->"
END = "<!-- model-audit:end -->"
TITLE = "# Changelog"


def _newline(text: str) -> str:
    """The file's line ending: that of its first line (``\\n`` when it has none)."""
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def _block(generated: str, nl: str) -> str:
    """BEGIN, the generated text in the file's line endings, END (no newline after END)."""
    body = generated.replace("\r\n", "\n")
    if body and not body.endswith("\n"):
        body += "\n"
    return (BEGIN + "\n" + body + END).replace("\n", nl)


def _title_end(text: str) -> int | None:
    """Where the line after the first ``# `` title line starts, or None without a title."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        stop = len(text) if end < 0 else end + 1
        if text[start:stop].lstrip("\ufeff").startswith("# "):
            return stop
        start = stop
    return None


def _markers(text: str, source: str) -> tuple[int, int] | None:
    """Where BEGIN starts and END ends in TEXT; None without markers. Raises
    :class:`AuditError` naming SOURCE when they are not one BEGIN followed by one END."""
    for marker in (BEGIN, END):
        count = text.count(marker)
        if count > 1:
            raise AuditError(
                f"{source}: {marker} appears {count} times; keep one {BEGIN} ... {END} pair"
            )
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 and end < 0:
        return None
    if begin >= 0 and end < 0:
        raise AuditError(f"{source}: {BEGIN} has no {END} after it")
    if begin < 0 or end < begin:
        raise AuditError(f"{source}: {END} has no {BEGIN} before it")
    return begin, end + len(END)


def update_text(existing: str | None, generated: str, source: str = "the file") -> str:
    """``existing`` with the generated text between the markers (placed when missing)."""
    if existing is None:
        return f"{TITLE}\n\n" + _block(generated, "\n") + "\n"
    nl = _newline(existing)
    span = _markers(existing, source)
    if span is not None:
        begin, end = span
        return existing[:begin] + _block(generated, nl) + existing[end:]
    insert = _title_end(existing)
    if insert is None:
        return _block(generated, nl) + nl + (nl if existing.strip() else "") + existing
    head, rest = existing[:insert], existing[insert:]
    if not head.endswith("\n"):
        head += nl
    after = nl if rest.strip() and not rest.startswith(("\n", "\r\n")) else ""
    return head + nl + _block(generated, nl) + nl + after + rest


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as error:
        raise AuditError(f"cannot read {path}: {error}") from None


def check_file(path: Path) -> None:
    """Refuse PATH now if :func:`update_file` would refuse it (unreadable, or its markers
    out of order), before the text to write is made."""
    existing = _read(path)
    if existing is not None:
        _markers(existing, str(path))


def update_file(path: Path, generated: str) -> bool:
    """Write the generated text into PATH between the markers; whether the file changed."""
    existing = _read(path)
    updated = update_text(existing, generated, str(path))
    if updated == existing:
        return False
    try:
        path.write_bytes(updated.encode("utf-8"))
    except OSError as error:
        raise AuditError(f"cannot write {path}: {error}") from None
    return True

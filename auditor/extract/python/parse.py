"""Stage 1 entry points: a cheap text pre-check and the summary of one Python blob.

The standard library's parser finds the bodies that cannot hold facts (functions that are
not an ``__init__`` and name no audio front end, feature site or known component; the
``if __name__ == "__main__":`` block, where only config writes and checkpoint loaders given
a path are read): they are stubbed in the text (:mod:`.prune`), every line keeping its
number, and libcst parses the rest. One read-only walk (:mod:`.walk`) gathers the summary,
with qualified names from the module's own bindings (:mod:`.names`) and lines counted along
the way (:mod:`.lines`); each ``forward`` is read apart (:mod:`.forward_inputs`). Text the
running Python cannot parse is read by libcst alone, pruned in its tree.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from dataclasses import replace

import libcst as cst

from auditor.extract.python.checkpoint_headers import checkpoint_headers
from auditor.extract.python.components import Components, builtin_components
from auditor.extract.python.feature_sites import LOADER_GIVEN_A_PATH
from auditor.extract.python.forward_inputs import forward_sites
from auditor.extract.python.names import QualifiedNames
from auditor.extract.python.prune import (
    CONFIG_WRITE,
    forward_sources,
    prune_tree,
    pruned_source,
    source_lines,
)
from auditor.extract.python.summary import ForwardSite, ModuleSummary
from auditor.extract.python.visitor import SummaryVisitor
from auditor.extract.python.walk import walk

#: Larger blobs are generated code or data, not model definitions.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
#: Smaller blobs are always summarised: they cost nothing, and an (often empty) package
#: ``__init__.py`` decides module names and imports.
_TINY_BYTES = 1024

_MARKERS = re.compile(
    rb"nn\.Module|Module\)|class |symbols|phoneme|vocab|punctuation|Embedding|Conv|Linear"
    rb"|__init__|spectrogram|librosa|torchaudio|output_layer|hidden_states"
    rb"|^[A-Z][A-Z0-9_]*[ \t]*(?::[^=\n]*)?=(?!=)"
    rb"|^[A-Za-z_]\w*[ \t]*(?::[^=\n]*)?\+?=[ \t]*[-+(\[{\d\"']",
    re.MULTILINE,
)
_CONFIG_WRITE_BYTES = re.compile(CONFIG_WRITE.pattern.encode())
_LOADER_BYTES = re.compile(LOADER_GIVEN_A_PATH.pattern.encode())


class PythonParseError(ValueError):
    """A blob that is not Python source stage 1 can read; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def may_hold_facts(data: bytes, components: Components | None = None) -> bool:
    """False when a blob certainly yields no Python facts and defines nothing others use.

    Cheap (regular expressions over the bytes): model classes, symbol tables, constants,
    literal module-level bindings, audio front ends, loaders given a path, known
    ``components`` (default: the built-in list) and tiny files (package ``__init__.py``
    markers) all pass.
    """
    if b"\x00" in data[:8192]:
        return False
    if (
        len(data) < _TINY_BYTES
        or _MARKERS.search(data)
        or _CONFIG_WRITE_BYTES.search(data)
        or _LOADER_BYTES.search(data)
    ):
        return True
    try:
        known = components or builtin_components()
        return bool(known.pattern.search(data.decode("utf-8", "replace")))
    except RecursionError:
        return True


def summarise_module(data: bytes, components: Components | None = None) -> ModuleSummary:
    """The stage-1 summary of a Python blob; :class:`PythonParseError` when it cannot be read.

    Functions that name one of the known ``components`` (default: the built-in list) are read
    whole; others only for their signatures.
    """
    text, note = _decode(data)
    known = components or builtin_components()
    tree = _standard_tree(text)
    try:
        if tree is None:  # syntax the running Python does not read: libcst alone
            module = _parse(text)
            sites = forward_sites(module)
            pruned = prune_tree(module, known)
        else:
            lines = source_lines(text)
            pruned = _parse(pruned_source(lines, tree, known))
            sites = _forward_sites(text, lines, tree)
        visitor = SummaryVisitor(QualifiedNames(pruned))
        walk(pruned, visitor)
    except RecursionError:
        raise PythonParseError("invalid Python: nested too deeply to analyse") from None
    summary = replace(
        visitor.summary(), forward_sites=sites, checkpoint_headers=checkpoint_headers(text, tree)
    )
    return replace(summary, notes=(note,)) if note else summary


def _forward_sites(text: str, lines: list[str], tree: ast.Module) -> tuple[ForwardSite, ...]:
    """The forward sites of TEXT, each ``forward`` parsed alone (the whole text where one
    does not parse alone)."""
    sites: list[ForwardSite] = []
    for first, snippet in forward_sources(lines, tree):
        try:
            method = cst.parse_module(snippet)
        except (cst.ParserSyntaxError, RecursionError):
            return forward_sites(_parse(text))
        sites += forward_sites(method, first)
    return tuple(sites)


def _standard_tree(text: str) -> ast.Module | None:
    """TEXT parsed by the standard library, or None where it cannot be."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _parse(text: str) -> cst.Module:
    """TEXT parsed by libcst; :class:`PythonParseError` saying where it is not Python."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = _syntax_error(text, exc)
        raise PythonParseError(
            f"invalid Python at line {line}, column {column}: {message}", line, column
        ) from None
    except RecursionError:
        raise PythonParseError("invalid Python: nested too deeply to parse") from None


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Where and why: Python's own parser says it best (libcst reports where it gave up)."""
    try:
        ast.parse(text)
    except SyntaxError as error:
        if error.lineno:
            return error.lineno, error.offset or 1, error.msg
    except (ValueError, RecursionError):
        pass
    message = (str(exc.message).strip().splitlines() or ["syntax error"])[0]
    return exc.raw_line, exc.raw_column + 1, message[:120]


def _decode(data: bytes) -> tuple[str, str | None]:
    """The source text, and a note when bytes that are not text had to be replaced.

    A PEP 263 coding declaration (``# -*- coding: gbk -*-``) is honoured as Python honours it.
    Bytes that decode in neither only matter where they sit: in a comment or a string they
    are replaced (the facts do not depend on them) and noted; in code they are an error."""
    if len(data) > MAX_SOURCE_BYTES:
        raise PythonParseError(
            f"too large for Python source ({len(data)} bytes, limit {MAX_SOURCE_BYTES})"
        )
    if b"\x00" in data:
        raise PythonParseError("binary content, not Python source")
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    encoding = _declared_encoding(data)
    try:
        return data[skipped:].decode(encoding), None
    except (UnicodeDecodeError, LookupError) as exc:
        offset = (exc.start if isinstance(exc, UnicodeDecodeError) else 0) + skipped
        line = data.count(b"\n", 0, offset) + 1
        name = "UTF-8" if encoding == "utf-8" else encoding
        what = f"not {name} text (invalid byte 0x{data[offset]:02x} at line {line})"
        text = data[skipped:].decode(encoding if encoding != "utf-8" else "utf-8", "replace")
        if _replaced_only_in_comments_and_strings(text):
            return text, f"{what}: Python cannot import the file as committed"
        raise PythonParseError(what, line) from None


def _declared_encoding(data: bytes) -> str:
    """The encoding a coding declaration in the first two lines names, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _replaced_only_in_comments_and_strings(text: str) -> bool:
    """Whether every replacement character of TEXT sits in a comment or a string literal."""
    lines = text.splitlines(keepends=True)
    wanted = {
        (number, column)
        for number, line in enumerate(lines, start=1)
        for column, char in enumerate(line)
        if char == "\ufffd"
    }
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    allowed = {tokenize.COMMENT, tokenize.STRING}
    allowed |= {getattr(tokenize, name) for name in ("FSTRING_MIDDLE",) if hasattr(tokenize, name)}
    covered: set[tuple[int, int]] = set()
    for token in tokens:
        if token.type not in allowed:
            continue
        (row, col), (end_row, end_col) = token.start, token.end
        for number in range(row, end_row + 1):
            line = lines[number - 1] if number - 1 < len(lines) else ""
            first = col if number == row else 0
            last = end_col if number == end_row else len(line)
            covered |= {(number, c) for c in range(first, last) if (number, c) in wanted}
    return wanted <= covered

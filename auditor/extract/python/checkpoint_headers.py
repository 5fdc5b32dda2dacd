"""Stage-1 reading of bytes written over the head of a saved checkpoint.

GPT-SoVITS's ``my_save2`` saves with ``torch.save`` into a buffer and writes
``b"03" + data[2:]``: the file's first bytes, a zip's ``PK``, become a version tag. Files saved
so no longer open with a plain ``torch.load``, in the project's own older code or anyone
else's, unless a loader puts ``PK`` back. Old checkpoints are untouched.

What is read: in each function that calls ``torch.save``, a bytes literal added in front of a
slice that drops as many bytes (``b"03" + data[2:]``), or a name, subscript or call added so
(``byte + data[2:]``: the tag is chosen at run time, its width is known). The standard
library's parser reads it (it gives lines and literal values directly), and only in files
whose text holds both a ``save(`` call and such an expression.
"""

from __future__ import annotations

import ast
import re

from auditor.extract.python.summary import CheckpointHeader

#: The longest tag read: a zip's head is 4 bytes (``PK\x03\x04``) and tags are shorter.
MAX_TAG = 4
#: Cheap test of a file's text before it is parsed again: something added to a slice that
#: drops the first bytes (``b"03" + data[2:]``, ``byte + data[2:]``).
_SPLICE = re.compile(r"""\+\s*[\w.]+\[\s*[1-4]\s*:\s*\]""")


def checkpoint_headers(text: str, tree: ast.Module | None = None) -> tuple[CheckpointHeader, ...]:
    """The version tags TEXT's checkpoint-saving functions write over a file's first bytes;
    TREE is TEXT already parsed by the standard library, when the caller has it."""
    if "save(" not in text or not _SPLICE.search(text):
        return ()
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return ()
    found: list[CheckpointHeader] = []
    for scope, function in _functions(tree.body, ""):
        if not _saves(function):
            continue
        for node in ast.walk(function):
            tag = _spliced_tag(node)
            if tag is not None and isinstance(node, ast.expr):
                found.append(CheckpointHeader(scope, tag, node.lineno))
    return tuple(found)


def _functions(
    body: list[ast.stmt], prefix: str
) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The functions and methods at the top of BODY, by qualified name."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((prefix + node.name, node))
        elif isinstance(node, ast.ClassDef):
            found += _functions(node.body, f"{prefix}{node.name}.")
    return found


def _saves(function: ast.AST) -> bool:
    """Whether FUNCTION calls ``torch.save`` (or a ``save`` taken from torch)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "save"
                and isinstance(func.value, ast.Name)
                and func.value.id == "torch"
            ):
                return True
    return False


def _spliced_tag(node: ast.AST) -> str | None:
    """``03`` for ``b"03" + data[2:]``: a bytes literal put in place of as many bytes;
    ``<2 bytes>`` for ``tag + data[2:]``, a tag chosen at run time."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return None
    left, right = node.left, node.right
    if not (isinstance(right, ast.Subscript) and isinstance(right.slice, ast.Slice)):
        return None
    lower = right.slice.lower
    if right.slice.upper is not None or not isinstance(lower, ast.Constant):
        return None
    width = lower.value
    if not isinstance(width, int) or isinstance(width, bool) or not 0 < width <= MAX_TAG:
        return None
    if isinstance(left, ast.Constant):
        literal = left.value
        if not isinstance(literal, bytes) or len(literal) != width:
            return None
        return literal.decode("latin-1")
    return f"<{width} bytes>" if isinstance(left, (ast.Name, ast.Subscript, ast.Call)) else None


__all__ = ["checkpoint_headers"]

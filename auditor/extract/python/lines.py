"""Line numbers counted along a walk, instead of libcst's ``PositionProvider``.

The provider renders the whole module to know where each node starts, which costs about
as much as parsing it. A visitor walks the nodes in source order anyway, and every line
end of the source is in one of four kinds of node (``Newline``, a backslash continuation
in ``SimpleWhitespace``, a multi-line string), so counting them as the walk passes gives
the line of the node being visited. A node asked about before the walk reaches it (the
arguments of a call converted with its statement) gets a placeholder, replaced once the
walk is over (:meth:`LineCounter.resolved`).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

import libcst as cst

_EMPTY_MODULE = cst.Module(body=[])
T = TypeVar("T")


def newlines(text: str) -> int:
    """How many line ends TEXT holds, as Python counts them."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class LineCounter(cst.CSTVisitor):
    """A visitor that knows the line it is on. Subclasses that skip a subtree (a ``visit_``
    method returning False) call :meth:`passed_over` for it."""

    def __init__(self, first_line: int = 1) -> None:
        super().__init__()
        self._passed = first_line - 1
        self._seen: dict[int, int] = {}
        self._ahead: list[cst.CSTNode] = []

    # -- where the walk is
    def line(self, node: cst.CSTNode) -> int:
        """The line NODE starts on (its syntactic start), NODE being the one visited now."""
        before = len(getattr(node, "leading_lines", ()))
        for decorator in getattr(node, "decorators", ()):
            before += len(decorator.leading_lines) + 1 + _newlines_in(decorator.decorator)
        before += len(getattr(node, "lines_after_decorators", ()))
        parens = getattr(node, "lpar", ())
        if isinstance(parens, (list, tuple)):  # an expression's own parentheses
            for paren in parens:
                before += _whitespace_newlines(paren.whitespace_after)
        return self._passed + 1 + before

    def line_ahead(self, node: cst.Arg | cst.Param) -> int:
        """The line of an argument or parameter, or a placeholder for it when the walk has not
        reached it yet."""
        seen = self._seen.get(id(node))
        if seen is not None:
            return seen
        self._ahead.append(node)
        return -len(self._ahead)

    def passed_over(self, node: cst.CSTNode) -> None:
        """Count the lines of a subtree the walk skips."""
        self._passed += newlines(_EMPTY_MODULE.code_for_node(node))

    def resolved(self, value: T) -> T:
        """VALUE (dataclasses, tuples) with every placeholder ``line`` replaced."""
        if not self._ahead:
            return value
        resolved: T = _resolved(value, self._placeholder)
        return resolved

    def _placeholder(self, line: int) -> int:
        node = self._ahead[-line - 1]
        return self._seen.get(id(node), 0)

    # -- counting
    def visit_Newline(self, node: cst.Newline) -> None:
        self._passed += 1

    def visit_SimpleWhitespace(self, node: cst.SimpleWhitespace) -> None:
        if "\\" in node.value:
            self._passed += newlines(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._passed += newlines(node.value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._passed += newlines(node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._seen[id(node)] = self.line(node)

    def visit_Param(self, node: cst.Param) -> None:
        self._seen[id(node)] = self.line(node)


def _newlines_in(node: cst.CSTNode) -> int:
    return newlines(_EMPTY_MODULE.code_for_node(node))


def _whitespace_newlines(node: cst.BaseParenthesizableWhitespace) -> int:
    if isinstance(node, cst.ParenthesizedWhitespace):
        return 1 + len(node.empty_lines) + newlines(node.last_line.value)
    return newlines(node.value) if isinstance(node, cst.SimpleWhitespace) else 0


def _resolved(value: Any, placeholder: Any) -> Any:
    if isinstance(value, tuple):
        items = tuple(_resolved(item, placeholder) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if not is_dataclass(value) or isinstance(value, type):
        return value
    changes: dict[str, Any] = {}
    for field in fields(value):
        current = getattr(value, field.name)
        if field.name == "line" and isinstance(current, int) and current < 0:
            changes[field.name] = placeholder(current)
        elif isinstance(current, tuple) or is_dataclass(current):
            new = _resolved(current, placeholder)
            if new is not current:
                changes[field.name] = new
    return replace(value, **changes) if changes else value

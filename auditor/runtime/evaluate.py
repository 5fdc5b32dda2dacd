"""A tiny, safe evaluator for the expressions of a runtime profile.

Profiles say how to build a model from its config with expressions such as
``hps.data.filter_length // 2 + 1``. They are parsed with :mod:`ast` and evaluated by walking
the tree: only names given in the namespace, attribute access (a dict key, or a public
attribute), integers, the operators ``+``, ``-``, ``*`` and ``//``, and ``len(...)`` (of a
list, a string or a mapping: ``len(hps.symbols)``) are allowed. Nothing is ever passed to
Python's ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
}


class ExpressionError(ValueError):
    """An expression is not allowed, or cannot be evaluated over its namespace."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source text and the names it reads."""

    source: str
    tree: ast.expr

    @property
    def names(self) -> frozenset[str]:
        """The names the expression reads (``len`` is called, not read)."""
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return frozenset(
            n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in called
        )


def parse_expression(source: str) -> Expression:
    """Parse SOURCE; :class:`ExpressionError` when it uses anything beyond the small grammar."""
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"{source!r} is not an expression ({error.msg})") from None
    _check(tree, source)
    return Expression(source=source.strip(), tree=tree)


def _check(node: ast.expr, source: str) -> None:
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise ExpressionError(f"{source!r}: private attribute {node.attr!r} is not allowed")
        _check(node.value, source)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        _check(node.left, source)
        _check(node.right, source)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check(node.operand, source)
        return
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and not node.keywords
        and not isinstance(node.args[0], ast.Starred)
    ):
        _check(node.args[0], source)
        return
    raise ExpressionError(
        f"{source!r}: {ast.unparse(node)!r} is not allowed "
        "(only names, attribute access, integers, +, -, *, // and len())"
    )


def evaluate(expression: Expression, namespace: Mapping[str, Any]) -> Any:
    """The value of EXPRESSION over NAMESPACE (dicts are read by key, objects by attribute)."""
    return _value(expression.tree, namespace, expression.source)


def _value(node: ast.expr, namespace: Mapping[str, Any], source: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in namespace:
            known = ", ".join(sorted(namespace)) or "none"
            raise ExpressionError(f"{source!r}: unknown name {node.id!r} (known: {known})")
        return namespace[node.id]
    if isinstance(node, ast.Attribute):
        owner = _value(node.value, namespace, source)
        return _attribute(owner, node.attr, ast.unparse(node.value), source)
    if isinstance(node, ast.UnaryOp):
        return -_number(_value(node.operand, namespace, source), source)
    if isinstance(node, ast.Call):
        return _length(_value(node.args[0], namespace, source), ast.unparse(node.args[0]), source)
    assert isinstance(node, ast.BinOp)
    left = _number(_value(node.left, namespace, source), source)
    right = _number(_value(node.right, namespace, source), source)
    op = type(node.op)
    if op is ast.Add:
        return left + right
    if op is ast.Sub:
        return left - right
    if op is ast.Mult:
        return left * right
    if right == 0:
        raise ExpressionError(f"{source!r}: division by zero")
    return left // right


def _attribute(owner: Any, name: str, owner_text: str, source: str) -> Any:
    if isinstance(owner, Mapping):
        if name not in owner:
            raise ExpressionError(f"{source!r}: {owner_text} has no key {name!r}")
        return owner[name]
    if name.startswith("_") or not hasattr(owner, name):
        raise ExpressionError(f"{source!r}: {owner_text} has no attribute {name!r}")
    return getattr(owner, name)


def _length(value: Any, text: str, source: str) -> int:
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    raise ExpressionError(f"{source!r}: len() of {text}, a {type(value).__name__}")


def _number(value: Any, source: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{source!r}: arithmetic on {type(value).__name__} {value!r}")
    return value

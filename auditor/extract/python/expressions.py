"""The expression trees a module summary keeps, in a form that survives JSON.

Stage 1 turns libcst expressions into these small frozen nodes; stage 2 evaluates them
against a whole snapshot (:mod:`.evaluate`). :mod:`.codec` writes them as JSON and
:mod:`.render` gives their normalised source text, which reformatting never changes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeAlias

Scalar: TypeAlias = "int | float | str | bool | None"


@dataclass(frozen=True)
class Lit:
    """A literal scalar: ``192``, ``-1``, ``"v1"``, ``True``, ``None``."""

    value: Scalar


@dataclass(frozen=True)
class Name:
    """A bare name, resolved by stage 2 through locals, parameters, module and imports."""

    id: str


@dataclass(frozen=True)
class Attr:
    """``value.attr``."""

    value: Expr
    attr: str


@dataclass(frozen=True)
class Unary:
    """``-x``, ``+x``, ``not x``, ``~x``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class BinOp:
    """Arithmetic or concatenation: ``a + b``, ``n // 2``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp:
    """``a and b`` / ``a or b``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare:
    """``left op1 c1 op2 c2 ...`` (``==``, ``in``, ``is not``, ...)."""

    left: Expr
    comparisons: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class IfExp:
    """``body if test else orelse``."""

    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True)
class Seq:
    """A ``list``, ``tuple`` or ``set`` display."""

    kind: str
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class DictExpr:
    """A dict display with plain keys."""

    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class Starred:
    """``*value`` inside a display."""

    value: Expr


@dataclass(frozen=True)
class Arg:
    """One argument of a call: positional (``keyword`` None), keyword, ``*x`` or ``**x``."""

    value: Expr
    keyword: str | None = None
    star: str = ""
    line: int = 0


@dataclass(frozen=True)
class Call:
    """A call; ``callee`` is the qualified name libcst gives the callee ("" when unknown)."""

    func: Expr
    callee: str
    args: tuple[Arg, ...]


@dataclass(frozen=True)
class Generator:
    """``for targets in iter if ...`` of a comprehension; ``unpack`` for ``for a, b in``."""

    targets: tuple[str, ...]
    unpack: bool
    iter: Expr
    ifs: tuple[Expr, ...]


@dataclass(frozen=True)
class Comp:
    """A list / set comprehension or a generator expression (``kind``: list, set, gen)."""

    kind: str
    elt: Expr
    generators: tuple[Generator, ...]


@dataclass(frozen=True)
class Subscript:
    """``value[index]`` with a single index (slices are :class:`Opaque`)."""

    value: Expr
    index: Expr


@dataclass(frozen=True)
class Opaque:
    """Anything stage 2 does not evaluate, kept as normalised source text."""

    text: str


Expr: TypeAlias = (
    "Lit | Name | Attr | Unary | BinOp | BoolOp | Compare | IfExp | Seq | DictExpr | Starred"
    " | Call | Comp | Subscript | Opaque"
)


def normalise_source(code: str) -> str:
    """The canonical text of an expression's source: layout, comments and quotes do not matter."""
    try:
        return ast.unparse(ast.parse(f"(\n{code}\n)", mode="eval"))
    except (SyntaxError, ValueError, RecursionError):
        return " ".join(code.split())


def walk(expr: Expr) -> list[Expr]:
    """Every node of a tree, the root first."""
    nodes: list[Expr] = []
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(_children(node)))
    return nodes


def _children(expr: Expr) -> list[Expr]:
    match expr:
        case Attr(value, _) | Unary(_, value) | Starred(value):
            return [value]
        case BinOp(_, left, right) | BoolOp(_, left, right):
            return [left, right]
        case Compare(left, comparisons):
            return [left, *(c for _, c in comparisons)]
        case IfExp(test, body, orelse):
            return [test, body, orelse]
        case Seq(_, items):
            return list(items)
        case DictExpr(items):
            return [e for pair in items for e in pair]
        case Call(func, _, args):
            return [func, *(a.value for a in args)]
        case Comp(_, elt, generators):
            return [elt, *(g.iter for g in generators), *(i for g in generators for i in g.ifs)]
        case Subscript(value, index):
            return [value, index]
    return []

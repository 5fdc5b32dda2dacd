"""The normalised source text of an expression tree (the text :func:`ast.unparse` gives)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TypeAlias

from auditor.extract.python.expressions import (
    Attr,
    BinOp,
    BoolOp,
    Call,
    Comp,
    Compare,
    DictExpr,
    Expr,
    Generator,
    IfExp,
    Lit,
    Name,
    Opaque,
    Seq,
    Starred,
    Subscript,
    Unary,
)

#: Given a Name or Attr leaf, what to show in its place (a tree rendered as it is), or None.
Substitute: TypeAlias = "Callable[[Expr], Expr | None]"


def unparse(expr: Expr, substitute: Substitute | None = None) -> str:
    """The normalised source text of a tree; ``substitute`` may replace name leaves."""
    return ast.unparse(_to_ast(expr, substitute))


_BINOPS: dict[str, type[ast.operator]] = {
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv,
    "%": ast.Mod, "**": ast.Pow, "<<": ast.LShift, ">>": ast.RShift, "|": ast.BitOr,
    "&": ast.BitAnd, "^": ast.BitXor, "@": ast.MatMult,
}  # fmt: skip
_CMPOPS: dict[str, type[ast.cmpop]] = {
    "==": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE,
    "in": ast.In, "not in": ast.NotIn, "is": ast.Is, "is not": ast.IsNot,
}  # fmt: skip
_UNARY: dict[str, type[ast.unaryop]] = {
    "-": ast.USub,
    "+": ast.UAdd,
    "not": ast.Not,
    "~": ast.Invert,
}


def _to_ast(expr: Expr, sub: Substitute | None) -> ast.expr:
    def conv(e: Expr) -> ast.expr:
        return _to_ast(e, sub)

    if sub is not None and isinstance(expr, (Name, Attr)):
        replaced = sub(expr)
        if replaced is not None:
            return _to_ast(replaced, None)
    match expr:
        case Lit(value):
            return ast.Constant(value)
        case Name(id_):
            return ast.Name(id_)
        case Attr(value, attr):
            return ast.Attribute(conv(value), attr)
        case Unary(op, operand):
            return ast.UnaryOp(_UNARY[op](), conv(operand))
        case BinOp(op, left, right):
            return ast.BinOp(conv(left), _BINOPS[op](), conv(right))
        case BoolOp(op, left, right):
            return ast.BoolOp(ast.And() if op == "and" else ast.Or(), [conv(left), conv(right)])
        case Compare(left, comparisons):
            ops = [_CMPOPS[op]() for op, _ in comparisons]
            return ast.Compare(conv(left), ops, [conv(c) for _, c in comparisons])
        case IfExp(test, body, orelse):
            return ast.IfExp(conv(test), conv(body), conv(orelse))
        case Seq(kind, items):
            elts = [conv(i) for i in items]
            if kind == "tuple":
                return ast.Tuple(elts)
            if kind == "set":
                return ast.Set(elts) if elts else ast.Call(ast.Name("set"), [], [])
            return ast.List(elts)
        case DictExpr(items):
            return ast.Dict([conv(k) for k, _ in items], [conv(v) for _, v in items])
        case Starred(value):
            return ast.Starred(conv(value))
        case Call(func, _callee, args):
            positional: list[ast.expr] = []
            keywords: list[ast.keyword] = []
            for arg in args:
                if arg.star == "**":
                    keywords.append(ast.keyword(None, conv(arg.value)))
                elif arg.keyword is not None:
                    keywords.append(ast.keyword(arg.keyword, conv(arg.value)))
                elif arg.star == "*":
                    positional.append(ast.Starred(conv(arg.value)))
                else:
                    positional.append(conv(arg.value))
            return ast.Call(conv(func), positional, keywords)
        case Comp(kind, elt, generators):
            gens = [
                ast.comprehension(_target(g), conv(g.iter), [conv(i) for i in g.ifs], 0)
                for g in generators
            ]
            if kind == "set":
                return ast.SetComp(conv(elt), gens)
            return (
                ast.GeneratorExp(conv(elt), gens)
                if kind == "gen"
                else ast.ListComp(conv(elt), gens)
            )
        case Subscript(value, index):
            return ast.Subscript(conv(value), conv(index))
        case Opaque(text):
            try:
                return ast.parse(f"(\n{text}\n)", mode="eval").body
            except SyntaxError:
                return ast.Name(text)
    raise TypeError(f"not an expression node: {expr!r}")


def _target(gen: Generator) -> ast.expr:
    if gen.unpack:
        return ast.Tuple([ast.Name(t) for t in gen.targets])
    return ast.Name(gen.targets[0] if gen.targets else "_")

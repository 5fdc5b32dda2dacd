"""Expression trees as JSON: nested lists whose first item is a tag."""

from __future__ import annotations

from typing import Any

from auditor.extract.python.expressions import (
    Arg,
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


def encode(expr: Expr) -> Any:
    """The JSON form of a tree: nested lists, tag first."""
    match expr:
        case Lit(value):
            return ["lit", value]
        case Name(id_):
            return ["name", id_]
        case Attr(value, attr):
            return ["attr", encode(value), attr]
        case Unary(op, operand):
            return ["unary", op, encode(operand)]
        case BinOp(op, left, right):
            return ["bin", op, encode(left), encode(right)]
        case BoolOp(op, left, right):
            return ["bool", op, encode(left), encode(right)]
        case Compare(left, comparisons):
            return ["cmp", encode(left), [[op, encode(c)] for op, c in comparisons]]
        case IfExp(test, body, orelse):
            return ["if", encode(test), encode(body), encode(orelse)]
        case Seq(kind, items):
            return ["seq", kind, [encode(i) for i in items]]
        case DictExpr(items):
            return ["dict", [[encode(k), encode(v)] for k, v in items]]
        case Starred(value):
            return ["star", encode(value)]
        case Call(func, callee, args):
            encoded = [[encode(a.value), a.keyword, a.star, a.line] for a in args]
            return ["call", encode(func), callee, encoded]
        case Comp(kind, elt, generators):
            gens = [[list(g.targets), g.unpack, encode(g.iter), [encode(i) for i in g.ifs]]
                    for g in generators]  # fmt: skip
            return ["comp", kind, encode(elt), gens]
        case Subscript(value, index):
            return ["sub", encode(value), encode(index)]
        case Opaque(text):
            return ["opaque", text]
    raise TypeError(f"not an expression node: {expr!r}")


def decode(data: Any) -> Expr:
    """The tree of a JSON form written by :func:`encode`."""
    tag = data[0]
    if tag == "lit":
        return Lit(data[1])
    if tag == "name":
        return Name(data[1])
    if tag == "attr":
        return Attr(decode(data[1]), data[2])
    if tag == "unary":
        return Unary(data[1], decode(data[2]))
    if tag == "bin":
        return BinOp(data[1], decode(data[2]), decode(data[3]))
    if tag == "bool":
        return BoolOp(data[1], decode(data[2]), decode(data[3]))
    if tag == "cmp":
        return Compare(decode(data[1]), tuple((op, decode(c)) for op, c in data[2]))
    if tag == "if":
        return IfExp(decode(data[1]), decode(data[2]), decode(data[3]))
    if tag == "seq":
        return Seq(data[1], tuple(decode(i) for i in data[2]))
    if tag == "dict":
        return DictExpr(tuple((decode(k), decode(v)) for k, v in data[1]))
    if tag == "star":
        return Starred(decode(data[1]))
    if tag == "call":
        args = tuple(Arg(decode(v), kw, star, line) for v, kw, star, line in data[3])
        return Call(decode(data[1]), data[2], args)
    if tag == "comp":
        gens = tuple(
            Generator(tuple(t), unpack, decode(it), tuple(decode(i) for i in ifs))
            for t, unpack, it, ifs in data[3]
        )
        return Comp(data[1], decode(data[2]), gens)
    if tag == "sub":
        return Subscript(decode(data[1]), decode(data[2]))
    if tag == "opaque":
        return Opaque(data[1])
    raise ValueError(f"unknown expression tag {tag!r}")

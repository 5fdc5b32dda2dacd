"""Turning libcst expressions into the JSON-able trees of :mod:`.expressions`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import libcst as cst

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
    normalise_source,
)
from auditor.extract.python.summary import Function, Parameter

_BINARY: dict[type[cst.BaseBinaryOp], str] = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/",
    cst.FloorDivide: "//", cst.Modulo: "%", cst.Power: "**", cst.LeftShift: "<<",
    cst.RightShift: ">>", cst.BitOr: "|", cst.BitAnd: "&", cst.BitXor: "^",
    cst.MatrixMultiply: "@",
}  # fmt: skip
_COMPARE: dict[type[cst.BaseCompOp], str] = {
    cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
    cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.In: "in", cst.NotIn: "not in",
    cst.Is: "is", cst.IsNot: "is not",
}  # fmt: skip
_UNARY: dict[type[cst.BaseUnaryOp], str] = {
    cst.Minus: "-",
    cst.Plus: "+",
    cst.Not: "not",
    cst.BitInvert: "~",
}
_LITERAL_NAMES = {"True": True, "False": False, "None": None}
_EMPTY_MODULE = cst.Module(body=[])


def source_text(node: cst.CSTNode) -> str:
    """The normalised source text of a libcst node."""
    return normalise_source(_EMPTY_MODULE.code_for_node(node))


class ExpressionConverter:
    """Converts expressions; ``callee`` names a call's callee, ``line`` places a node;
    ``within`` opens the scope of a comprehension while its parts are converted."""

    def __init__(
        self,
        callee: Callable[[cst.BaseExpression], str],
        line: Callable[[cst.CSTNode], int],
        within: Callable[[cst.CSTNode], AbstractContextManager[None]] = lambda _: nullcontext(),
    ) -> None:
        self._callee = callee
        self._line = line
        self._within = within

    def convert(self, node: cst.BaseExpression) -> Expr:
        """The tree of an expression; what is not modelled becomes :class:`Opaque`."""
        try:
            return self._convert(node)
        except RecursionError:
            return Opaque(source_text(node))

    def call(self, node: cst.Call) -> Call:
        """The tree of a call, each argument with its line."""
        args = tuple(
            Arg(
                self._convert(arg.value),
                arg.keyword.value if arg.keyword is not None else None,
                arg.star if isinstance(arg.star, str) else "",
                self._line(arg),
            )
            for arg in node.args
        )
        return Call(self._convert(node.func), self._callee(node.func), args)

    def signature(self, node: cst.FunctionDef) -> Function:
        """The parameters of a function, with their default expressions and lines."""
        params: list[Parameter] = []
        p = node.params

        def add(param: cst.Param, kind: str) -> None:
            default = self.convert(param.default) if param.default is not None else None
            params.append(Parameter(param.name.value, default, kind, self._line(param)))

        for param in (*p.posonly_params, *p.params):
            add(param, "positional")
        if isinstance(p.star_arg, cst.Param):
            add(p.star_arg, "*")
        for param in p.kwonly_params:
            add(param, "keyword")
        if p.star_kwarg is not None:
            add(p.star_kwarg, "**")
        return Function(node.name.value, tuple(params), self._line(node))

    def _convert(self, node: cst.BaseExpression) -> Expr:
        conv = self._convert
        if isinstance(node, cst.Integer):
            return Lit(int(node.evaluated_value))
        if isinstance(node, cst.Float):
            return Lit(float(node.evaluated_value))
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return Lit(value) if isinstance(value, str) else Opaque(source_text(node))
        if isinstance(node, cst.Name):
            if node.value in _LITERAL_NAMES:
                return Lit(_LITERAL_NAMES[node.value])
            return Name(node.value)
        if isinstance(node, cst.Attribute):
            return Attr(conv(node.value), node.attr.value)
        if isinstance(node, cst.UnaryOperation):
            operand = conv(node.expression)
            op = _UNARY[type(node.operator)]
            if op == "-" and isinstance(operand, Lit) and _is_number(operand.value):
                return Lit(-operand.value)  # type: ignore[operator]
            return Unary(op, operand)
        if isinstance(node, cst.BinaryOperation):
            return BinOp(_BINARY[type(node.operator)], conv(node.left), conv(node.right))
        if isinstance(node, cst.BooleanOperation):
            op = "and" if isinstance(node.operator, cst.And) else "or"
            return BoolOp(op, conv(node.left), conv(node.right))
        if isinstance(node, cst.Comparison):
            comparisons = tuple(
                (_COMPARE[type(t.operator)], conv(t.comparator)) for t in node.comparisons
            )
            return Compare(conv(node.left), comparisons)
        if isinstance(node, cst.IfExp):
            return IfExp(conv(node.test), conv(node.body), conv(node.orelse))
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            kind = {cst.List: "list", cst.Tuple: "tuple", cst.Set: "set"}[type(node)]
            items = tuple(
                Starred(conv(e.value)) if isinstance(e, cst.StarredElement) else conv(e.value)
                for e in node.elements
            )
            return Seq(kind, items)
        if isinstance(node, cst.Dict):
            if not all(isinstance(e, cst.DictElement) for e in node.elements):
                return Opaque(source_text(node))
            return DictExpr(
                tuple(
                    (conv(e.key), conv(e.value))
                    for e in node.elements
                    if isinstance(e, cst.DictElement)
                )
            )
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            kind = {cst.ListComp: "list", cst.SetComp: "set", cst.GeneratorExp: "gen"}[type(node)]
            with self._within(node):
                generators = self._generators(node.for_in)
                if generators is None:
                    return Opaque(source_text(node))
                return Comp(kind, conv(node.elt), generators)
        if (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
        ):
            return Subscript(conv(node.value), conv(node.slice[0].slice.value))
        return Opaque(source_text(node))

    def _generators(self, for_in: cst.CompFor) -> tuple[Generator, ...] | None:
        generators: list[Generator] = []
        current: cst.CompFor | None = for_in
        while current is not None:
            if current.asynchronous is not None:
                return None
            target = current.target
            targets: tuple[str, ...]
            if isinstance(target, cst.Name):
                targets, unpack = (target.value,), False
            elif isinstance(target, cst.Tuple) and all(
                isinstance(e.value, cst.Name) for e in target.elements
            ):
                names = (e.value.value for e in target.elements if isinstance(e.value, cst.Name))
                targets, unpack = tuple(names), True
            else:
                return None
            ifs = tuple(self._convert(i.test) for i in current.ifs)
            generators.append(Generator(targets, unpack, self._convert(current.iter), ifs))
            current = current.inner_for_in
        return tuple(generators)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

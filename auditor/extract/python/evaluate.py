"""Evaluating expression trees without running any of the analysed code.

Only literals, arithmetic, comparisons, displays, comprehensions over known values and a few
side-effect-free builtins (``len``, ``sorted``, ``set``, ``list``, ``str``, ``range``, ...) are
computed; names go through a :class:`Scope` (stage 2 decides what they mean). Anything else
raises :class:`Unresolved`. Sets evaluate to sorted tuples, so results never depend on hashing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Protocol

from auditor.extract.python.builtins import BUILTINS, METHODS
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
    Seq,
    Starred,
    Subscript,
    Unary,
)
from auditor.extract.python.values import (
    MAX_ITEMS,
    REFERENCES,
    DictValue,
    Unresolved,
    Value,
    iterate,
    truth,
    unique_sorted,
)


class Scope(Protocol):
    """Where names get their values."""

    def name(self, name: str) -> Value:
        """The value of a bare name; raises :class:`Unresolved`."""

    def self_attribute(self, attr: str) -> Value:
        """The value of ``self.attr``; raises :class:`Unresolved`."""

    def member(self, value: Value, attr: str) -> Value:
        """``value.attr`` for a module, class or external reference."""

    def call(self, call: Call) -> Value:
        """A call the evaluator does not know (``kwargs.get``, ``os.environ.get``)."""

    def test(self, expr: Expr) -> bool | None:
        """The truth of a condition, None when it cannot be decided."""


def evaluate(expr: Expr, scope: Scope) -> Value:
    """The value of a tree in a scope; raises :class:`Unresolved`."""
    return _Evaluator(scope, {}).eval(expr)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "|": operator.or_, "&": operator.and_, "^": operator.xor,
}  # fmt: skip
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


class _Evaluator:
    def __init__(self, scope: Scope, bound: dict[str, Value]) -> None:
        self.scope = scope
        self.bound = bound

    def eval(self, expr: Expr) -> Value:
        match expr:
            case Lit(value):
                return value
            case Name(id_):
                if id_ in self.bound:
                    return self.bound[id_]
                return self.scope.name(id_)
            case Attr(Name("self"), attr):
                return self.scope.self_attribute(attr)
            case Attr(value, attr):
                return self.scope.member(self.eval(value), attr)
            case Unary(op, operand):
                return self._unary(op, self.eval(operand))
            case BinOp(op, left, right):
                return _binary(op, self.eval(left), self.eval(right))
            case BoolOp(op, left, right):
                first = self.eval(left)
                if truth(first) == (op == "or"):
                    return first
                return self.eval(right)
            case Compare(left, comparisons):
                current = self.eval(left)
                for op, comparator in comparisons:
                    other = self.eval(comparator)
                    if not _compare(op, current, other):
                        return False
                    current = other
                return True
            case IfExp(test, body, orelse):
                decided = self.scope.test(test) if not self.bound else truth(self.eval(test))
                if decided is None:
                    raise Unresolved("undecided condition")
                return self.eval(body if decided else orelse)
            case Seq(kind, items):
                values = self._items(items)
                return unique_sorted(values) if kind == "set" else values
            case DictExpr(items):
                return DictValue(tuple((self.eval(k), self.eval(v)) for k, v in items))
            case Call():
                return self._call(expr)
            case Comp(kind, elt, generators):
                values = self._comprehension(elt, generators, 0, dict(self.bound))
                return unique_sorted(values) if kind == "set" else values
            case Subscript(value, index):
                return _subscript(self.eval(value), self.eval(index))
        raise Unresolved("not evaluated")

    def _items(self, items: tuple[Expr, ...]) -> tuple[Value, ...]:
        values: list[Value] = []
        for item in items:
            if isinstance(item, Starred):
                values.extend(iterate(self.eval(item.value)))
            else:
                values.append(self.eval(item))
        return _guard(tuple(values))

    def _unary(self, op: str, value: Value) -> Value:
        if op == "not":
            return not truth(value)
        if not _is_number(value):
            raise Unresolved("unary operator on a non-number")
        if op == "-":
            return -value  # type: ignore[operator]
        if op == "+":
            return value
        if isinstance(value, int):
            return ~value
        raise Unresolved("~ on a float")

    def _comprehension(
        self, elt: Expr, generators: tuple[Generator, ...], depth: int, bound: dict[str, Value]
    ) -> tuple[Value, ...]:
        if depth == len(generators):
            return (_Evaluator(self.scope, bound).eval(elt),)
        gen = generators[depth]
        results: list[Value] = []
        for item in iterate(_Evaluator(self.scope, bound).eval(gen.iter)):
            inner = dict(bound)
            if gen.unpack:
                parts = iterate(item)
                if len(parts) != len(gen.targets):
                    raise Unresolved("unpacking mismatch")
                inner.update(zip(gen.targets, parts, strict=True))
            else:
                inner[gen.targets[0]] = item
            evaluator = _Evaluator(self.scope, inner)
            if all(truth(evaluator.eval(test)) for test in gen.ifs):
                results.extend(self._comprehension(elt, generators, depth + 1, inner))
                if len(results) > MAX_ITEMS:
                    raise Unresolved("too many items")
        return tuple(results)

    def _call(self, call: Call) -> Value:
        builtin = _builtin_name(call)
        args = call.args
        if builtin is not None and builtin in BUILTINS and all(not a.star for a in args):
            positional = [self.eval(a.value) for a in args if a.keyword is None]
            keywords = {a.keyword: self.eval(a.value) for a in args if a.keyword is not None}
            return BUILTINS[builtin](positional, keywords)
        if isinstance(call.func, Attr) and not any(a.star or a.keyword for a in args):
            method = call.func.attr
            if method in METHODS:
                try:
                    receiver = self.eval(call.func.value)
                except Unresolved:
                    receiver = None
                if isinstance(receiver, (str, tuple, DictValue)):
                    return METHODS[method](receiver, [self.eval(a.value) for a in args])
        return self.scope.call(call)


def _builtin_name(call: Call) -> str | None:
    if call.callee.startswith("builtins."):
        return call.callee.removeprefix("builtins.")
    if not call.callee and isinstance(call.func, Name):
        return call.func.id
    return None


def _is_number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _guard(values: tuple[Value, ...]) -> tuple[Value, ...]:
    if len(values) > MAX_ITEMS:
        raise Unresolved("too many items")
    return values


def _binary(op: str, left: Value, right: Value) -> Value:
    if isinstance(left, REFERENCES) or isinstance(right, REFERENCES) or op not in _ARITHMETIC:
        raise Unresolved("operator on an unknown value")
    if op == "**" and (not _is_number(right) or abs(right) > 64):  # type: ignore[arg-type]
        raise Unresolved("exponent too large")
    if op == "*" and (isinstance(left, (str, tuple)) or isinstance(right, (str, tuple))):
        count = right if isinstance(left, (str, tuple)) else left
        if not isinstance(count, int) or count > MAX_ITEMS:
            raise Unresolved("repetition too large")
    if op in ("<<",) and isinstance(right, int) and right > 64:
        raise Unresolved("shift too large")
    try:
        result = _ARITHMETIC[op](left, right)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise Unresolved(str(exc)) from None
    if isinstance(result, (int, float, str, bool, tuple)) or result is None:
        return result if not isinstance(result, tuple) else _guard(result)
    raise Unresolved("unexpected result type")


def _compare(op: str, left: Value, right: Value) -> bool:
    if op in ("in", "not in"):
        if isinstance(left, REFERENCES):
            raise Unresolved("membership of an unknown value")
        if isinstance(right, str):
            if not isinstance(left, str):
                raise Unresolved("'in <string>' needs a string")
            found = left in right
        else:
            found = left in iterate(right)
        return found if op == "in" else not found
    if isinstance(left, REFERENCES) or isinstance(right, REFERENCES):
        raise Unresolved("comparison with an unknown value")
    if op in ("is", "is not"):
        if left is not None and right is not None and not isinstance(left, bool):
            raise Unresolved("identity of values")
        same = left is right or left == right
        return same if op == "is" else not same
    try:
        return bool(_COMPARE[op](left, right))
    except TypeError as exc:
        raise Unresolved(str(exc)) from None


def _subscript(value: Value, index: Value) -> Value:
    if isinstance(value, DictValue):
        for key, item in value.items:
            if key == index:
                return item
        raise Unresolved("missing key")
    if isinstance(value, (tuple, str)) and isinstance(index, int) and not isinstance(index, bool):
        try:
            return value[index]
        except IndexError:
            raise Unresolved("index out of range") from None
    raise Unresolved("subscript of an unknown value")

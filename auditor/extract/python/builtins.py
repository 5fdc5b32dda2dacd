"""The builtins and ``str``/sequence methods stage 2 computes: pure, small, bounded."""

from __future__ import annotations

from collections.abc import Callable

from auditor.extract.python.values import (
    MAX_ITEMS,
    DictValue,
    Unresolved,
    Value,
    iterate,
    unique_sorted,
)

Builtin = Callable[[list[Value], dict[str, Value]], Value]


def _one(args: list[Value], keywords: dict[str, Value], name: str) -> Value:
    if len(args) != 1 or keywords:
        raise Unresolved(f"{name}() takes one positional argument here")
    return args[0]


def _len(args: list[Value], keywords: dict[str, Value]) -> Value:
    value = _one(args, keywords, "len")
    return len(value) if isinstance(value, str) else len(iterate(value))


def _sorted(args: list[Value], keywords: dict[str, Value]) -> Value:
    if len(args) != 1 or set(keywords) - {"reverse"}:
        raise Unresolved("sorted() with a key")
    items = iterate(args[0])
    try:
        result = sorted(items, key=lambda v: v)  # type: ignore[arg-type, return-value]
    except TypeError:
        raise Unresolved("unorderable items") from None
    return tuple(reversed(result)) if keywords.get("reverse") else tuple(result)


def _sequence(args: list[Value], keywords: dict[str, Value]) -> Value:
    if not args and not keywords:
        return ()
    return iterate(_one(args, keywords, "list"))


def _set(args: list[Value], keywords: dict[str, Value]) -> Value:
    return unique_sorted(_sequence(args, keywords))  # type: ignore[arg-type]


def _dict(args: list[Value], keywords: dict[str, Value]) -> Value:
    if args:
        raise Unresolved("dict() of positional arguments")
    return DictValue(tuple(keywords.items()))


def _range(args: list[Value], keywords: dict[str, Value]) -> Value:
    if keywords or not 1 <= len(args) <= 3 or not all(_is_int(a) for a in args):
        raise Unresolved("range() of unknown bounds")
    result = range(*args)  # type: ignore[arg-type]
    if len(result) > MAX_ITEMS:
        raise Unresolved("range too long")
    return tuple(result)


def _convert(kind: type) -> Builtin:
    def convert(args: list[Value], keywords: dict[str, Value]) -> Value:
        value = _one(args, keywords, kind.__name__)
        if not isinstance(value, (int, float, str, bool)):
            raise Unresolved(f"{kind.__name__}() of an unknown value")
        try:
            result: Value = kind(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise Unresolved(str(exc)) from None
        return result

    return convert


def _numbers(name: str, combine: Callable[[list[Value]], Value]) -> Builtin:
    def apply(args: list[Value], keywords: dict[str, Value]) -> Value:
        if keywords:
            raise Unresolved(f"{name}() with keywords")
        items = list(iterate(args[0])) if len(args) == 1 else args
        if not items or not all(isinstance(i, (int, float)) for i in items):
            raise Unresolved(f"{name}() of unknown values")
        return combine(items)

    return apply


def _abs(args: list[Value], keywords: dict[str, Value]) -> Value:
    value = _one(args, keywords, "abs")
    if not isinstance(value, (int, float)):
        raise Unresolved("abs() of an unknown value")
    return abs(value)


def _is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Builtin functions by name.
BUILTINS: dict[str, Builtin] = {
    "len": _len,
    "sorted": _sorted,
    "list": _sequence,
    "tuple": _sequence,
    "set": _set,
    "frozenset": _set,
    "dict": _dict,
    "range": _range,
    "str": _convert(str),
    "int": _convert(int),
    "float": _convert(float),
    "bool": _convert(bool),
    "abs": _abs,
    "min": _numbers("min", lambda items: min(items)),  # type: ignore[type-var]
    "max": _numbers("max", lambda items: max(items)),  # type: ignore[type-var]
    "sum": _numbers("sum", lambda items: sum(items)),  # type: ignore[arg-type]
}


def _join(receiver: Value, args: list[Value]) -> Value:
    if not isinstance(receiver, str) or len(args) != 1:
        raise Unresolved("join")
    items = iterate(args[0])
    if not all(isinstance(i, str) for i in items):
        raise Unresolved("join of non-strings")
    return receiver.join(i for i in items if isinstance(i, str))


def _keys(receiver: Value, args: list[Value]) -> Value:
    if not isinstance(receiver, DictValue) or args:
        raise Unresolved("keys")
    return tuple(k for k, _ in receiver.items)


def _values(receiver: Value, args: list[Value]) -> Value:
    if not isinstance(receiver, DictValue) or args:
        raise Unresolved("values")
    return tuple(v for _, v in receiver.items)


def _string(method: str) -> Callable[[Value, list[Value]], Value]:
    def apply(receiver: Value, args: list[Value]) -> Value:
        if not isinstance(receiver, str) or args:
            raise Unresolved(method)
        result: Value = getattr(receiver, method)()
        return result

    return apply


#: Methods of known strings, tuples and dicts, by name: ``(receiver, args) -> value``.
METHODS: dict[str, Callable[[Value, list[Value]], Value]] = {
    "join": _join,
    "keys": _keys,
    "values": _values,
    "upper": _string("upper"),
    "lower": _string("lower"),
    "strip": _string("strip"),
}

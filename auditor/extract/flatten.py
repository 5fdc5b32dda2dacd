"""Turning a parsed config tree into flat, keyed facts.

Both config parsers build the same tree: every value is a :data:`Located` pair of the value
and the 1-based line where it starts. Objects become dotted keys (``model.gin_channels``);
a list of scalars (or of such lists) is one fact holding a tuple; a list that holds an object
anywhere is indexed (``data.speakers[0].name``). An empty object has no leaves and gives no
fact; an empty list is the fact ``()``. The root has no key: a root scalar gives no fact and a
root list is always indexed (``[0].name``, ``[1]``); an element with no named key above it
takes its key as parameter.
"""

from __future__ import annotations

from typing import TypeAlias

from auditor.domain import Fact, FactKind, FactValue

Scalar: TypeAlias = "str | int | float | bool | None"
Tree: TypeAlias = "dict[str, Located] | list[Located] | Scalar"
#: A parsed value and the 1-based line where it starts.
Located: TypeAlias = "tuple[Tree, int]"


def flatten(root: Located, prefix: str = "") -> tuple[Fact, ...]:
    """The config facts of a tree, sorted by key; ``prefix`` is prepended to every key."""
    leaves: dict[str, Fact] = {}
    value, _line = root
    if isinstance(value, dict):
        _visit(root, prefix, prefix, leaves)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            element = f"{prefix}[{index}]"
            _visit(child, element, element, leaves)
    return tuple(leaves[key] for key in sorted(leaves))


def _visit(node: Located, key: str, parameter: str, leaves: dict[str, Fact]) -> None:
    value, line = node
    if isinstance(value, dict):
        for name, child in value.items():
            _visit(child, f"{key}.{name}" if key else name, name, leaves)
        return
    if isinstance(value, list):
        plain = _plain(value)
        if plain is None:
            for index, child in enumerate(value):
                element = f"{key}[{index}]"
                _visit(child, element, parameter, leaves)
            return
        leaves[key] = Fact(FactKind.CONFIG, key, parameter, plain, line)
        return
    leaves[key] = Fact(FactKind.CONFIG, key, parameter, value, line)


def _plain(items: list[Located]) -> tuple[FactValue, ...] | None:
    """The list as a tuple, or None when an object occurs in it at any depth."""
    values: list[FactValue] = []
    for value, _line in items:
        if isinstance(value, dict):
            return None
        if isinstance(value, list):
            inner = _plain(value)
            if inner is None:
                return None
            values.append(inner)
        else:
            values.append(value)
    return tuple(values)

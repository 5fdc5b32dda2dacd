"""The values stage 2 computes: JSON-like data plus references to code it does not run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

#: Sequences longer than this are not built (a guard against ``[0] * 10**9``).
MAX_ITEMS = 100_000


class Unresolved(Exception):
    """The expression has no value stage 2 can know."""


@dataclass(frozen=True)
class ParamRef:
    """A parameter of ``__init__`` whose value is the caller's."""

    name: str


@dataclass(frozen=True)
class ModuleRef:
    """A module of the snapshot (repo-relative path)."""

    path: str


@dataclass(frozen=True)
class ClassRef:
    """A class defined in a module of the snapshot."""

    path: str
    name: str


@dataclass(frozen=True)
class FunctionRef:
    """A module-level function of the snapshot."""

    path: str
    name: str


@dataclass(frozen=True)
class ExternalRef:
    """Something outside the snapshot, by qualified name (``torch.nn.Conv1d``)."""

    name: str


@dataclass(frozen=True)
class DictValue:
    """A dict display, in order; iterating it gives its keys."""

    items: tuple[tuple[Value, Value], ...]


Value: TypeAlias = (
    "int | float | str | bool | tuple[Value, ...] | DictValue | ParamRef | ModuleRef"
    " | ClassRef | FunctionRef | ExternalRef | None"
)
REFERENCES = (ParamRef, ModuleRef, ClassRef, FunctionRef, ExternalRef)


def truth(value: Value) -> bool:
    """Python truthiness of a known value."""
    if isinstance(value, REFERENCES):
        raise Unresolved("the truth of a reference")
    if isinstance(value, DictValue):
        return bool(value.items)
    return bool(value)


def iterate(value: Value) -> tuple[Value, ...]:
    """The items iterating a value gives."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, DictValue):
        return tuple(k for k, _ in value.items)
    raise Unresolved("not iterable")


def unique_sorted(items: tuple[Value, ...]) -> tuple[Value, ...]:
    """The items of a set, in a fixed order."""
    seen: dict[tuple[str, str], Value] = {}
    for item in items:
        if isinstance(item, (DictValue, *REFERENCES)):
            raise Unresolved("unhashable or unknown set item")
        seen.setdefault((type(item).__name__, repr(item)), item)
    try:
        return tuple(sorted(seen.values(), key=_any))
    except TypeError:
        return tuple(seen[k] for k in sorted(seen))


def _any(value: Value) -> Any:
    return value

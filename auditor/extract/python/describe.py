"""Turning an expression and its scope into the value a fact carries.

A resolved value stays itself (``192``, ``"v1"``, a tuple); a parameter the caller supplies is
``"<param:hidden_channels>"``; anything else is ``"<expr:...>"`` around the normalised source,
with names that resolve to scalars replaced by their values (``<expr:n_layers // 2>``), so a
constant that changes still changes the fact, and functions named the same however they were
imported (``get_padding(5, 1)``, ``torch.nn.functional.pad(x, p)``).
"""

from __future__ import annotations

from auditor.domain import FactValue
from auditor.extract.python.evaluate import Scope, evaluate
from auditor.extract.python.expressions import Attr, Call, Comp, Expr, Lit, Name, walk
from auditor.extract.python.scopes import InitScope
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import (
    DictValue,
    ExternalRef,
    FunctionRef,
    ParamRef,
    Unresolved,
    Value,
)

#: Longer tuples are not worth a fact of their own (symbol tables have their own kind).
MAX_TUPLE = 64


class NotAFactValue(ValueError):
    """A resolved value that is a reference to code (a module, a class), not data."""


def fact_value(expr: Expr, scope: Scope) -> FactValue:
    """What a fact about ``expr`` says."""
    try:
        value = evaluate(expr, scope)
    except (Unresolved, RecursionError):
        return expression_text(expr, scope)
    if isinstance(value, ParamRef):
        return f"<param:{value.name}>"
    try:
        return as_fact_value(value)
    except NotAFactValue:
        return expression_text(expr, scope)


def as_fact_value(value: Value) -> FactValue:
    """A resolved value as JSON-like fact data; dicts become tuples of pairs."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return tuple(as_fact_value(v) for v in value)
    if isinstance(value, DictValue):
        return tuple((as_fact_value(k), as_fact_value(v)) for k, v in value.items)
    raise NotAFactValue(repr(value))


def expression_text(expr: Expr, scope: Scope) -> str:
    """``<expr:...>`` with names that resolve to scalars replaced by their values."""
    bound = {t for node in walk(expr) if isinstance(node, Comp) for g in node.generators
             for t in g.targets}  # fmt: skip

    def substitute(leaf: Expr) -> Expr | None:
        if isinstance(leaf, Name) and (leaf.id in bound or leaf.id == "self"):
            return None
        if isinstance(leaf, Attr) and not isinstance(leaf.value, (Name, Attr)):
            return None
        try:
            value = evaluate(leaf, scope)
        except (Unresolved, RecursionError):
            return _self_attribute_source(leaf, scope)
        if value is None or isinstance(value, (bool, int, float, str)):
            return Lit(value)
        return _callee_name(leaf, value)

    return f"<expr:{unparse(expr, substitute)}>"


def _callee_name(leaf: Expr, value: Value) -> Expr | None:
    """A function of the snapshot by its own name, and a library's by its full name: the same
    helper reached through another import path (``commons.get_padding`` beside an imported
    ``get_padding``, or its module moved into a package) reads the same."""
    if isinstance(value, FunctionRef):
        return None if leaf == Name(value.name) else Name(value.name)
    if isinstance(value, ExternalRef) and isinstance(leaf, Attr | Name):
        return None if leaf == Name(value.name) else Name(value.name)
    return None


def _self_attribute_source(leaf: Expr, scope: Scope) -> Expr | None:
    """What ``self.x`` was set to, when that is data read from somewhere (not a submodule)."""
    if not (isinstance(scope, InitScope) and isinstance(leaf, Attr) and leaf.value == Name("self")):
        return None
    binding = scope.latest(scope.cls.attributes, leaf.attr)
    if binding is None or isinstance(binding.value, Call):
        return None
    return binding.value

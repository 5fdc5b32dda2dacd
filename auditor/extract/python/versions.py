"""Version parameters: what a default selects, and which versions ``__init__`` tells apart."""

from __future__ import annotations

from typing import TypeAlias

from auditor.domain import Fact
from auditor.extract.python.describe import fact_value
from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Compare, Expr, walk
from auditor.extract.python.kinds import PYTHON_FACT_KINDS, VERSION_BRANCH
from auditor.extract.python.scopes import SYMBOLIC, InitScope, ModuleScope, is_version_like
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import ClassSummary
from auditor.extract.python.values import DictValue, ParamRef, Unresolved, iterate

#: A value a version parameter can be compared with.
Scalar: TypeAlias = "str | int | float | bool | None"


def version_facts(snapshot: PythonSnapshot, path: str, cls: ClassSummary) -> list[Fact]:
    """``<Class>.__init__.<param>.selects`` (the default) and ``.branches`` (the values the
    parameter is compared with) for each version-like parameter with a default."""
    facts: list[Fact] = []
    kind = PYTHON_FACT_KINDS[VERSION_BRANCH]
    prefix = f"{cls.name}.__init__"
    for param in cls.init.params[1:] if cls.init is not None else ():
        if param.default is None or not is_version_like(param.name):
            continue
        default = fact_value(param.default, ModuleScope(snapshot, path))
        facts.append(Fact(kind, f"{prefix}.{param.name}.selects", param.name, default, param.line))
        values = compared_values(snapshot, path, cls, param.name)
        if values:
            key = f"{prefix}.{param.name}.branches"
            facts.append(Fact(kind, key, param.name, values, param.line))
    return facts


def compared_values(
    snapshot: PythonSnapshot, path: str, cls: ClassSummary, name: str
) -> tuple[str, ...]:
    """The values a parameter is compared with anywhere in ``__init__``, sorted (as text)."""
    return tuple(sorted({label(value) for value in compared(snapshot, path, cls, name)}))


def label(value: Scalar) -> str:
    """How a compared value is written in facts: strings as they are, others as ``repr``."""
    return value if isinstance(value, str) else repr(value)


def compared(snapshot: PythonSnapshot, path: str, cls: ClassSummary, name: str) -> list[Scalar]:
    """The scalar values a parameter is compared with anywhere in ``__init__``, in the order
    they are first met."""
    trees: dict[tuple[Expr, int], None] = {}
    for binding in (*cls.locals, *cls.attributes):
        trees[binding.value, binding.order] = None
        trees.update(((c.test, binding.order), None) for c in binding.conditions)
    for sub in cls.submodules:
        trees[sub.call, sub.order] = None
        trees.update(((c.test, sub.order), None) for c in sub.conditions)
    found: dict[tuple[str, str], Scalar] = {}
    for tree, order in trees:
        scope = InitScope(snapshot, path, cls, order, SYMBOLIC)
        for node in walk(tree):
            if not isinstance(node, Compare):
                continue
            operands = [node.left, *(c for _, c in node.comparisons)]
            if any(_is_param(o, scope, name) for o in operands):
                for operand in operands:
                    for value in _literals(operand, scope):
                        found.setdefault((type(value).__name__, repr(value)), value)
    return list(found.values())


def _is_param(expr: Expr, scope: InitScope, name: str) -> bool:
    try:
        return evaluate(expr, scope) == ParamRef(name)
    except (Unresolved, RecursionError):
        return False


def _literals(expr: Expr, scope: InitScope) -> list[Scalar]:
    try:
        value = evaluate(expr, scope)
    except (Unresolved, RecursionError):
        return []
    items = iterate(value) if isinstance(value, (tuple, DictValue)) else (value,)
    return [item for item in items if item is None or isinstance(item, (str, int, float, bool))]

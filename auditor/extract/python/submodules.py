"""The submodules an ``__init__`` builds, and the parameters their arguments bind.

An assignment under a branch the defaults rule out (``if version == "v1":`` with
``version="v2"``) builds nothing; one under a branch that cannot be decided (``if use_sdp:``)
does. When the same attribute is assigned more than once, later assignments are keyed
``attr@2``, ``attr@3``. Container elements are keyed ``attr[i]`` (a comprehension is one
element, ``.append`` calls count on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.extract.python.expressions import (
    Arg,
    BinOp,
    Call,
    Comp,
    DictExpr,
    Expr,
    Lit,
    Name,
    Seq,
    Starred,
)
from auditor.extract.python.scopes import CONDITION, InitScope, may_run
from auditor.extract.python.signatures import constructed
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import ClassSummary
from auditor.extract.python.torch_signatures import CONTAINERS


@dataclass(frozen=True)
class Built:
    """One submodule: its key under ``self.``, the call that builds it and where."""

    key: str
    call: Call
    callee: str
    line: int
    scope: InitScope

    @property
    def container(self) -> bool:
        """``nn.ModuleList`` and friends: their arguments are elements, not sizes."""
        return self.callee in CONTAINERS


def built_submodules(snapshot: PythonSnapshot, path: str, cls: ClassSummary) -> Iterator[Built]:
    """The submodules ``__init__`` builds on the branches its defaults may take."""
    seen: Counter[str] = Counter()
    elements: Counter[str] = Counter()
    for sub in cls.submodules:
        scope = InitScope(snapshot, path, cls, sub.order)
        if not may_run(sub.conditions, scope.at(sub.order, CONDITION)):
            continue
        found = constructed(snapshot, path, sub.call)
        if found is None:
            continue
        call, callee = found
        if sub.append:
            yield Built(f"{sub.attr}[{elements[sub.attr]}]", call, callee, sub.line, scope)
            elements[sub.attr] += 1
            continue
        seen[sub.attr] += 1
        key = sub.attr if seen[sub.attr] == 1 else f"{sub.attr}@{seen[sub.attr]}"
        built = Built(key, call, callee, sub.line, scope)
        yield built
        if not built.container:
            continue
        elements[sub.attr] = 0
        for element, shadow in container_elements(call, scope):
            inner = constructed(snapshot, path, element)
            if inner is not None:
                line = next((a.line for a in element.args if a.line), sub.line)
                index = f"{key}[{elements[sub.attr]}]"
                yield Built(index, inner[0], inner[1], line, scope.shadow(shadow))
                elements[sub.attr] += 1


def nested_construction(
    snapshot: PythonSnapshot, path: str, expr: Expr, scope: InitScope
) -> tuple[Call, str, InitScope] | None:
    """A module built inline as an argument (``CFM(100, DiT(...))``) or through a local
    (``layer = nn.TransformerEncoderLayer(...)``; ``nn.TransformerEncoder(layer, 6)``)."""
    if isinstance(expr, Name):
        local = scope.latest(scope.cls.locals, expr.id)
        if local is None:
            return None
        expr, scope = local.value, scope.at(local.order)
    if not isinstance(expr, Call):
        return None
    found = constructed(snapshot, path, expr)
    if found is None:
        return None
    return found[0], found[1], scope


def arguments(call: Call, names: tuple[str, ...]) -> Iterator[tuple[str, Arg]]:
    """Each argument with the parameter it binds; positions after a ``*x`` are ``argN``."""
    position = 0
    starred = False
    for arg in call.args:
        if arg.star == "**":
            yield from _splat(arg)
        elif arg.star == "*":
            starred = True
        elif arg.keyword is not None:
            yield arg.keyword, arg
        else:
            known = not starred and position < len(names)
            yield (names[position] if known else f"arg{position}"), arg
            position += 1


def _splat(arg: Arg) -> Iterator[tuple[str, Arg]]:
    """``**dict(a=1)`` and ``**{"a": 1}`` spelled out; other splats are the caller's."""
    value = arg.value
    if isinstance(value, Call) and value.func == Name("dict"):
        for inner in value.args:
            if inner.keyword is not None:
                yield inner.keyword, Arg(inner.value, inner.keyword, "", inner.line or arg.line)
    elif isinstance(value, DictExpr):
        for key, item in value.items:
            if isinstance(key, Lit) and isinstance(key.value, str):
                yield key.value, Arg(item, key.value, "", arg.line)


def container_elements(call: Call, scope: InitScope) -> Iterator[tuple[Call, set[str]]]:
    """The calls that build a container's elements, with their comprehension variables."""
    if call.callee.endswith("Sequential"):
        for arg in call.args:
            if arg.keyword is None:
                yield from _members(arg.value, scope, set(), 0)
        return
    if call.args and call.args[0].keyword in (None, "modules") and not call.args[0].star:
        yield from _members(call.args[0].value, scope, set(), 0)


def _members(
    expr: Expr, scope: InitScope, shadow: set[str], depth: int
) -> Iterator[tuple[Call, set[str]]]:
    if depth > 8:
        return
    if isinstance(expr, Call):
        yield expr, shadow
    elif isinstance(expr, Seq):
        for item in expr.items:
            inner = item.value if isinstance(item, Starred) else item
            yield from _members(inner, scope, shadow, depth + 1)
    elif isinstance(expr, DictExpr):
        for _, value in expr.items:
            yield from _members(value, scope, shadow, depth + 1)
    elif isinstance(expr, Comp):
        targets = {t for g in expr.generators for t in g.targets}
        yield from _members(expr.elt, scope, shadow | targets, depth + 1)
    elif isinstance(expr, BinOp) and expr.op == "+":
        yield from _members(expr.left, scope, shadow, depth + 1)
        yield from _members(expr.right, scope, shadow, depth + 1)
    elif isinstance(expr, Name):
        local = scope.latest(scope.cls.locals, expr.id)
        if local is not None:
            yield from _members(local.value, scope.at(local.order), shadow, depth + 1)

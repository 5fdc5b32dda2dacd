"""Which module-level names constructor arguments read, and which they measure with ``len()``.

Every argument of every submodule construction is walked; each name or attribute leaf (and each
``len(x)`` argument) is traced back to the module-level binding it reads, through ``__init__``
locals and imports. :func:`module_usage` looks at the classes of one file; :func:`measured_origins`
at every file of the snapshot (which reads every summary, so callers do it only when needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Attr, Call, Expr, Name, walk
from auditor.extract.python.scopes import InitScope
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import ModuleSummary
from auditor.extract.python.values import ModuleRef, Unresolved

#: A module-level binding: (module path, name).
Origin = tuple[str, str]


@dataclass
class Usage:
    """Module-level names read by constructor arguments, and those measured with ``len()``."""

    read: set[Origin] = field(default_factory=set)
    measured: set[Origin] = field(default_factory=set)


def measured_origins(
    modules: Mapping[str, ModuleSummary],
    snapshot: PythonSnapshot | None = None,
    candidates: Iterable[str] | None = None,
) -> frozenset[Origin]:
    """The module-level bindings that any constructor argument of the snapshot measures with
    ``len()``. Only files that call ``len()`` in a constructor argument are traced;
    ``candidates``, when given, are the only files that may (a caller's cheap pre-filter)."""
    snapshot = snapshot or PythonSnapshot(modules)
    paths = modules if candidates is None else [p for p in candidates if p in modules]
    measuring = [path for path in paths if _measures(modules[path])]
    usage = Usage()
    for path in measuring:
        module_usage(snapshot, path, _ANY_NAME, usage)
    return frozenset(usage.measured)


class _AnyName(set[str]):
    """Every name: the bindings measured may live in any module."""

    def __contains__(self, name: object) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


_ANY_NAME = _AnyName()


#: Whether a summary calls ``len()`` in a constructor argument, by summary identity (the
#: summary is kept alongside, so its id is not reused while the entry lives).
_MEASURES: dict[int, tuple[ModuleSummary, bool]] = {}


def _measures(summary: ModuleSummary) -> bool:
    known = _MEASURES.get(id(summary))
    if known is not None and known[0] is summary:
        return known[1]
    found = any(
        isinstance(node, Call) and node.callee == "builtins.len"
        for cls in summary.classes
        for sub in cls.submodules
        for arg in sub.call.args
        for node in walk(arg.value)
    )
    if len(_MEASURES) > 100_000:
        _MEASURES.clear()
    _MEASURES[id(summary)] = (summary, found)
    return found


def module_usage(
    snapshot: PythonSnapshot, path: str, bound: set[str], usage: Usage | None = None
) -> Usage:
    """What the constructor arguments of one file read of the module-level names ``bound``."""
    usage = usage if usage is not None else Usage()
    if not bound:
        return usage
    for cls in snapshot.summary(path).classes:
        for sub in cls.submodules:
            scope = InitScope(snapshot, path, cls, sub.order)
            for arg in sub.call.args:
                for node in walk(arg.value):
                    _note(node, scope, bound, usage)
    return usage


def _note(node: Expr, scope: InitScope, bound: set[str], usage: Usage) -> None:
    if isinstance(node, Call) and node.callee == "builtins.len" and len(node.args) == 1:
        origin = trace(node.args[0].value, scope, bound)
        if origin is not None:
            usage.measured.add(origin)
    elif isinstance(node, (Name, Attr)):
        origin = trace(node, scope, bound)
        if origin is not None:
            usage.read.add(origin)


def trace(expr: Expr, scope: InitScope, bound: set[str], depth: int = 0) -> Origin | None:
    """The module-level binding a name or attribute chain reads, if any."""
    leaf = expr.id if isinstance(expr, Name) else expr.attr if isinstance(expr, Attr) else None
    if leaf is None or leaf not in bound or depth > 20:
        return None
    if isinstance(expr, Attr):
        try:
            owner = evaluate(expr.value, scope)
        except (Unresolved, RecursionError):
            return None
        return _origin(_snapshot(scope), owner.path, leaf) if isinstance(owner, ModuleRef) else None
    local = scope.latest(scope.cls.locals, leaf)
    if local is not None:
        return trace(local.value, scope.at(local.order), bound, depth + 1)
    if scope.cls.init is not None and any(p.name == leaf for p in scope.cls.init.params[1:]):
        return None
    return _origin(_snapshot(scope), scope.path, leaf)


def _snapshot(scope: InitScope) -> PythonSnapshot:
    """The snapshot a scope of this module's own making belongs to."""
    assert isinstance(scope.snapshot, PythonSnapshot)
    return scope.snapshot


def _origin(snapshot: PythonSnapshot, path: str, name: str, depth: int = 0) -> Origin | None:
    summary = snapshot.modules.get(path)
    if summary is None or depth > 20:
        return None
    if any(b.name == name for b in summary.bindings):
        return path, name
    for item in summary.imports:
        if item.local != name or item.name is None:
            continue
        target = snapshot.find_module(path, item.module, item.level)
        if target is not None and target != path:
            return _origin(snapshot, target, item.name, depth + 1)
    return None

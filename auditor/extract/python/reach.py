"""Which classes a model's top classes build, and which of their submodules they can build.

A checkpoint holds the weights of the submodules its top class builds, of the submodules
those build, and so on; a class of the same files that no construction reaches (a backbone
the model never uses) holds none of them. Starting from the root classes, each ``__init__``
is followed through its submodules (``self.x = B(...)``, container elements, modules built
inside arguments such as ``CFM(100, DiT(...))``) and through its bases.

A construction also says which of the built class's submodules exist: ``Attention(dim=512)``
leaves ``context_dim`` at its default ``None``, so ``if self.context_dim is not None:
self.to_k_c = ...`` builds nothing there. Conditions are decided with the defaults of the
parameters the call leaves out; a call with ``*args`` or ``**kwargs``, or one passing a name
the signature does not have, decides nothing. A root, built by code outside the snapshot,
may build all its submodules.

Where the code cannot tell what is built, the walk stays on the safe side:

- a callee named through a local or an expression (``resblock = ResBlock1 if ... else
  ResBlock2``): every class the expression names, with all its submodules;
- a function of the snapshot (a factory) or a method: every class its module defines,
  calls or imports (and, one level on, those of the functions it calls);
- ``getattr(module, name)``: every class of that module;
- a parameter, a loop variable, anything else: every class (the walk then says nothing
  is out of reach);
- a class that a file holding a reached class calls or imports, but that no construction
  above reaches (``add_module``, ``setattr``, modules built in ``forward``): reached, with
  all its submodules.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import (
    Attr,
    BoolOp,
    Call,
    DictExpr,
    Expr,
    IfExp,
    Lit,
    Name,
    Seq,
    Subscript,
)
from auditor.extract.python.scopes import CONDITION, VALUE, InitScope, may_run
from auditor.extract.python.signatures import callee_value, constructed
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.submodules import container_elements, nested_construction
from auditor.extract.python.summary import ModuleSummary
from auditor.extract.python.torch_signatures import CONTAINERS
from auditor.extract.python.values import (
    ClassRef,
    DictValue,
    ExternalRef,
    FunctionRef,
    ModuleRef,
    ParamRef,
    Unresolved,
    Value,
)

#: How deep arguments, locals and factories are followed.
_DEPTH = 3


@dataclass(frozen=True)
class Reach:
    """What the roots of one model build in one snapshot.

    ``built`` maps each reached class to the attributes (``self.<attr>``) some construction
    of it may build, None for all of them; ``attributes`` lists the submodule attributes of
    each reached class; ``classes`` are all the classes of the snapshot. ``everything`` is
    True when an unknown construction may build any class.
    """

    roots: tuple[ClassRef, ...]
    built: Mapping[ClassRef, frozenset[str] | None] = field(default_factory=dict)
    attributes: Mapping[ClassRef, frozenset[str]] = field(default_factory=dict)
    classes: frozenset[ClassRef] = frozenset()
    everything: bool = False

    def builds(self, path: str, cls: str, attr: str | None = None) -> bool | None:
        """Whether the model builds class CLS of PATH (and its submodule ATTR, when given).

        None when this snapshot cannot say: no root matched, the class is not defined here,
        or the attribute is not one of its submodules here.
        """
        ref = ClassRef(path, cls)
        if not self.roots or ref not in self.classes:
            return None
        if self.everything:
            return True
        if ref not in self.built:
            return False
        built = self.built[ref]
        if attr is None:
            return True
        if attr not in self.attributes.get(ref, frozenset()):
            return None
        return built is None or attr in built


def root_names(modules: Mapping[str, ModuleSummary], roots: Iterable[str]) -> frozenset[str]:
    """The names of the classes of MODULES that the globs ROOTS name."""
    patterns = tuple(roots)
    return frozenset(
        cls.name
        for summary in modules.values()
        for cls in summary.classes
        if any(fnmatch.fnmatchcase(cls.name, p) for p in patterns)
    )


def model_reach(
    modules: Mapping[str, ModuleSummary],
    roots: Iterable[str],
    named: Collection[str] | None = None,
) -> Reach:
    """What the classes named by the globs ROOTS build among MODULES (path → summary).

    NAMED, when given, keeps only the roots of those class names (the roots that existed
    when the checkpoints in question were trained); when none of them is left (the model's
    class was renamed), every root is followed.
    """
    snapshot = PythonSnapshot(modules)
    classes = frozenset(
        ClassRef(path, cls.name) for path in modules for cls in modules[path].classes
    )
    patterns = tuple(roots)
    found = tuple(
        sorted(
            (ref for ref in classes if any(fnmatch.fnmatchcase(ref.name, p) for p in patterns)),
            key=lambda ref: (ref.path, ref.name),
        )
    )
    left_out: frozenset[ClassRef] = frozenset()
    if named is not None:
        kept = tuple(ref for ref in found if ref.name in named)
        if kept:
            left_out, found = frozenset(found) - frozenset(kept), kept
    walk = _Walk(snapshot, left_out)
    for root in found:
        walk.reach(root, None)
    walk.run()
    if walk.everything:
        return Reach(found, classes=classes, everything=True)
    attributes = {
        ref: frozenset(sub.attr for sub in summary.submodules)
        for ref in walk.built
        if (summary := snapshot.class_summary(ref)) is not None
    }
    built = {ref: None if attrs is None else frozenset(attrs) for ref, attrs in walk.built.items()}
    return Reach(found, built, attributes, classes)


class _Walk:
    """The reached classes and what is left to follow; grows until nothing new is found."""

    def __init__(self, snapshot: PythonSnapshot, left_out: frozenset[ClassRef] = frozenset()):
        self.snapshot = snapshot
        #: Roots not followed (models added since): neither they nor what only they build
        #: are reached because their file is.
        self.left_out = left_out
        self.built: dict[ClassRef, set[str] | None] = {}
        self.pending: deque[tuple[ClassRef, frozenset[str] | None]] = deque()
        self.everything = False
        self._files: set[str] = set()
        self._module_classes: dict[tuple[str, int], frozenset[ClassRef]] = {}

    def reach(self, ref: ClassRef, attrs: frozenset[str] | None) -> None:
        """REF is built somewhere, with ATTRS among its submodules (None: any)."""
        if ref not in self.built:
            self.built[ref] = None if attrs is None else set(attrs)
            self.pending.append((ref, attrs))
            return
        current = self.built[ref]
        if current is None:
            return
        if attrs is None:
            self.built[ref] = None
            self.pending.append((ref, self._all(ref) - current))
            return
        new = attrs - current
        if new:
            current |= new
            self.pending.append((ref, frozenset(new)))

    def _all(self, ref: ClassRef) -> frozenset[str]:
        summary = self.snapshot.class_summary(ref)
        return frozenset(s.attr for s in summary.submodules) if summary else frozenset()

    def run(self) -> None:
        """Follow every pending class, then the classes files of reached classes call."""
        while self.pending and not self.everything:
            while self.pending and not self.everything:
                ref, attrs = self.pending.popleft()
                self._follow(ref, attrs)
            for path in sorted({ref.path for ref in self.built} - self._files):
                self._files.add(path)
                for ref in sorted(self._called_in(path), key=lambda r: (r.path, r.name)):
                    if ref not in self.built:
                        self.reach(ref, None)

    def _follow(self, ref: ClassRef, attrs: frozenset[str] | None) -> None:
        snapshot = self.snapshot
        cls = snapshot.class_summary(ref)
        if cls is None:
            return
        for base in snapshot.bases(ref):
            if isinstance(base, ClassRef):
                self.reach(base, None)
        if cls.init is None:
            return
        for sub in cls.submodules:
            if attrs is not None and sub.attr not in attrs:
                continue
            scope = InitScope(snapshot, ref.path, cls, sub.order)
            if may_run(sub.conditions, scope.at(sub.order, CONDITION)):
                self._construction(ref.path, sub.call, scope, 0)

    def _construction(self, path: str, call: Call, scope: InitScope, depth: int) -> None:
        """One call of an ``__init__`` that builds (or may build) a submodule."""
        found = constructed(self.snapshot, path, call)
        if found is None:
            self._unknown(path, call, scope)
            return
        call, callee = found
        value = callee_value(self.snapshot, path, call)
        if isinstance(value, ClassRef):
            self.reach(value, self._site(path, call, value))
        elif not isinstance(value, ExternalRef):
            self._unknown(path, call, scope)
        if depth >= _DEPTH:
            return
        if callee in CONTAINERS:
            for element, shadow in container_elements(call, scope):
                self._construction(path, element, scope.shadow(shadow), depth + 1)
            return
        for arg in call.args:
            nested = nested_construction(self.snapshot, path, arg.value, scope)
            if nested is not None:
                self._construction(path, nested[0], nested[2], depth + 1)

    def _site(self, path: str, call: Call, ref: ClassRef) -> frozenset[str] | None:
        """The submodules of REF that CALL may build; None when the call decides nothing."""
        cls = self.snapshot.class_summary(ref)
        if cls is None or cls.init is None or any(arg.star for arg in call.args):
            return None
        params = cls.init.params[1:]
        positional = [p.name for p in params if p.kind == "positional"]
        named = {p.name for p in params if p.kind in ("positional", "keyword")}
        passed: set[str] = set()
        position = 0
        for arg in call.args:
            if arg.keyword is None:
                if position >= len(positional):
                    return None
                passed.add(positional[position])
                position += 1
            elif arg.keyword in named:
                passed.add(arg.keyword)
            else:
                return None
        # The parameters the call passes have the caller's value; the others their defaults.
        init = replace(
            cls.init,
            params=tuple(
                replace(p, default=None) if p.name in passed else p for p in cls.init.params
            ),
        )
        called = replace(cls, init=init)
        return frozenset(
            sub.attr
            for sub in cls.submodules
            if may_run(sub.conditions, InitScope(self.snapshot, ref.path, called, sub.order, VALUE))
        )

    def _unknown(self, path: str, call: Call, scope: InitScope) -> None:
        """A call that builds no module the extractor knows: reach every class it may build
        (nothing for a call outside the snapshot, such as ``len`` or ``torch.zeros``)."""
        # ``getattr(m, name)(...)`` reads as a call of getattr: only a plain name is trusted.
        plain = isinstance(call.func, (Name, Attr))
        value = callee_value(self.snapshot, path, call) if plain else None
        for named in (value,) if value is not None else _named(call.func, scope, 0):
            self._reach_value(named)

    def _reach_value(self, value: Value) -> None:
        if isinstance(value, ClassRef):
            self.reach(value, None)
        elif isinstance(value, ModuleRef):
            for cls in self.snapshot.summary(value.path).classes:
                self.reach(ClassRef(value.path, cls.name), None)
        elif isinstance(value, FunctionRef):
            for ref in self._module_candidates(value.path, 0):
                self.reach(ref, None)
        elif isinstance(value, tuple):
            for item in value:
                self._reach_value(item)
        elif isinstance(value, DictValue):
            for _, item in value.items:
                self._reach_value(item)
        elif isinstance(value, ParamRef):
            self.everything = True

    def _module_candidates(self, path: str, depth: int) -> frozenset[ClassRef]:
        """Every class a function of PATH may build: those PATH defines, calls or imports,
        and one level on, those of the functions it calls."""
        key = (path, depth)
        if key not in self._module_classes:
            self._module_classes[key] = frozenset()  # a cycle of modules ends here
            summary = self.snapshot.summary(path)
            found = {ClassRef(path, cls.name) for cls in summary.classes}
            for value in self._callees(path):
                if isinstance(value, ClassRef):
                    found.add(value)
                elif isinstance(value, FunctionRef) and value.path != path and depth < 1:
                    found |= self._module_candidates(value.path, depth + 1)
            self._module_classes[key] = frozenset(found)
        return self._module_classes[key]

    def _called_in(self, path: str) -> Iterator[ClassRef]:
        """The classes the file PATH calls or imports, less the roots left out and the
        classes only their submodules construct."""
        theirs = self._only_left_out_build(path)
        return (
            value
            for value in self._callees(path)
            if isinstance(value, ClassRef) and value not in theirs
        )

    def _only_left_out_build(self, path: str) -> frozenset[ClassRef]:
        """The left-out roots of PATH, and the classes their submodules construct that no
        other class of PATH constructs."""
        mine = [ref for ref in self.left_out if ref.path == path]
        if not mine:
            return frozenset()
        theirs: set[ClassRef] = set(mine)
        others: set[ClassRef] = set()
        for cls in self.snapshot.summary(path).classes:
            into = theirs if ClassRef(path, cls.name) in self.left_out else others
            for sub in cls.submodules:
                try:
                    value = callee_value(self.snapshot, path, sub.call)
                except (Unresolved, RecursionError):
                    continue
                if isinstance(value, ClassRef):
                    into.add(value)
        return frozenset(theirs - others)

    def _callees(self, path: str) -> Iterator[Value]:
        for callee in self.snapshot.summary(path).callees:
            try:
                yield self.snapshot.qualified(path, callee)
            except (Unresolved, RecursionError):
                continue


#: What an expression that may name any class stands for.
_ANY = ParamRef("*")


def _named(expr: Expr, scope: InitScope, depth: int) -> Iterator[Value]:
    """The values an unresolved callee expression may take: a method (``self.make``) stands
    for a function of its class's module, and anything unknowable is ``_ANY``."""
    if depth > _DEPTH:
        yield _ANY
        return
    if isinstance(expr, (Name, Attr)):
        try:
            yield evaluate(expr, scope)
            return
        except (Unresolved, RecursionError):
            pass
        if isinstance(expr, Name):
            local = scope.latest(scope.cls.locals, expr.id)
            if local is not None:
                yield from _named(local.value, scope.at(local.order), depth + 1)
            else:
                yield _ANY
        elif expr.value == Name("self"):
            yield FunctionRef(scope.path, f"{scope.cls.name}.{expr.attr}")
        else:
            yield from _named(expr.value, scope, depth + 1)
    elif isinstance(expr, IfExp):
        yield from _named(expr.body, scope, depth + 1)
        yield from _named(expr.orelse, scope, depth + 1)
    elif isinstance(expr, BoolOp):
        yield from _named(expr.left, scope, depth + 1)
        yield from _named(expr.right, scope, depth + 1)
    elif isinstance(expr, Call):
        # getattr(module, name), a factory's result, a class a function returns
        if expr.func == Name("getattr") and expr.args:
            yield from _named(expr.args[0].value, scope, depth + 1)
        else:
            yield from _named(expr.func, scope, depth + 1)
    elif isinstance(expr, Subscript):
        yield from _named(expr.value, scope, depth + 1)
    elif isinstance(expr, Seq):
        for item in expr.items:
            yield from _named(item, scope, depth + 1)
    elif isinstance(expr, DictExpr):
        for _, item in expr.items:
            yield from _named(item, scope, depth + 1)
    elif not isinstance(expr, Lit):
        yield _ANY

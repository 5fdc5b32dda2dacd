"""Qualified names of callees and class bases, read from the module's own bindings.

``nn.Conv1d`` and ``torch.nn.Conv1d`` must be the same callee, and ``Conv1d`` the class of
this module when it defines one. libcst's ``QualifiedNameProvider`` says so through a full
scope analysis of every name of the module, which costs several times the parse itself.
The summary only asks about callees and bases, so the bindings that can answer are
gathered in one walk over the statements (:class:`ScopeTable`), and a question is answered
from the scopes enclosing the node (:class:`QualifiedNames`), with the provider's rules:

- an import gives the imported path (``torch.nn.Conv1d``; relative ones keep their dots:
  ``.modules.ResBlock``), any other binding its qualified place (``Model``,
  ``Model.__init__.<locals>.layer``), a name bound nowhere its builtin (``builtins.len``);
- class bodies are not seen from the functions and comprehensions inside them;
- ``global`` and ``nonlocal`` send a name to the scope they name;
- a name read in a statement is not one its own scope binds only later (then the enclosing
  scope's binding, or the builtin, is the one read);
- a name bound several ways has each qualified name; callers take the first in order.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import libcst as cst

#: How a binding came to be: an assignment, a def, a parameter… or an import.
_LOCAL, _IMPORT = "local", "import"


@dataclass(frozen=True)
class _Binding:
    """How a scope binds a name: ``kind`` local or import; imports keep their statement's
    ``module`` (with its leading dots) and ``aliases`` (real dotted name, local alias);
    ``order`` is the binding statement's place among its scope's statements."""

    kind: str
    module: str = ""
    aliases: tuple[tuple[str, str | None], ...] = ()
    order: int = 0


@dataclass(eq=False)
class _Scope:
    """One scope: ``kind`` module, class, function, lambda or comprehension; ``prefix`` the
    qualified prefix of what it binds (``Model.__init__.<locals>``)."""

    kind: str
    prefix: str
    parent: _Scope | None
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)  # name -> global | nonlocal
    statements: int = 0  # how many statements of this scope the walk has begun
    current: int = 0  # the statement the walk is in

    def bind(self, name: str, binding: _Binding) -> None:
        """Record a binding of NAME here, or where ``global``/``nonlocal`` sends it."""
        how = self.overrides.get(name)
        if how == "global" and self.parent is not None:
            self.module.bind(name, binding)
        elif how == "nonlocal" and self.visible_parent() is not None:
            self.visible_parent().bind(name, binding)  # type: ignore[union-attr]
        else:
            placed = replace(binding, order=self.current)
            self.bindings.setdefault(name, []).append(placed)

    def begin(self) -> int:
        """Begin this scope's next statement; its place among them."""
        self.statements += 1
        self.current = self.statements
        return self.current

    def child(self, kind: str, name: str | None) -> _Scope:
        if kind == "class":
            prefix = ".".join(p for p in (self.prefix, name) if p)
        elif kind == "comprehension":
            prefix = ".".join(p for p in (self.prefix, "<comprehension>") if p)
        elif kind == "lambda":
            prefix = ".".join(p for p in (self.prefix, "<locals>") if p)
        else:
            prefix = ".".join(p for p in (self.prefix, name, "<locals>") if p)
        return _Scope(kind, prefix, self)

    @property
    def module(self) -> _Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def visible_parent(self) -> _Scope | None:
        """The next enclosing scope whose bindings this one sees (classes are skipped)."""
        parent = self.parent
        while parent is not None and parent.kind == "class":
            parent = parent.parent
        return parent


class ScopeTable:
    """The bindings of every scope of a module, by the ``FunctionDef``/``ClassDef`` node
    that opens it (the module's own scope is :attr:`module`)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = _Scope("module", "", None)
        self._scopes: dict[int, _Scope] = {}
        self._orders: dict[int, int] = {}
        self._statements(module.body, self.module)
        for scope in (self.module, *self._scopes.values()):
            scope.current = 0  # the walk that asks about names begins each scope again

    def scope_of(self, node: cst.FunctionDef | cst.ClassDef) -> _Scope | None:
        return self._scopes.get(id(node))

    def order_of(self, statement: cst.CSTNode) -> int | None:
        """A statement's place among its scope's statements."""
        return self._orders.get(id(statement))

    def _statements(self, body: Sequence[cst.CSTNode], scope: _Scope) -> None:
        for statement in body:
            self._statement(statement, scope)

    def _block(self, block: cst.BaseSuite | None, scope: _Scope) -> None:
        if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self._statements(block.body, scope)

    def _statement(self, node: cst.CSTNode, scope: _Scope) -> None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._orders[id(node)] = scope.begin()
        if isinstance(node, cst.SimpleStatementLine):
            self._statements(node.body, scope)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                self._targets(target.target, scope)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            self._targets(node.target, scope)
        elif isinstance(node, cst.Import):
            self._import(node, scope)
        elif isinstance(node, cst.ImportFrom):
            self._import_from(node, scope)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            how = "global" if isinstance(node, cst.Global) else "nonlocal"
            for name_item in node.names:
                scope.overrides[name_item.name.value] = how
        elif isinstance(node, cst.FunctionDef):
            scope.bind(node.name.value, _Binding(_LOCAL))
            inner = scope.child("function", node.name.value)
            self._scopes[id(node)] = inner
            for name in parameter_names(node.params):
                inner.bind(name, _Binding(_LOCAL))
            self._block(node.body, inner)
        elif isinstance(node, cst.ClassDef):
            scope.bind(node.name.value, _Binding(_LOCAL))
            inner = scope.child("class", node.name.value)
            self._scopes[id(node)] = inner
            self._block(node.body, inner)
        elif isinstance(node, cst.If):
            self._block(node.body, scope)
            self._orelse(node.orelse, scope)
        elif isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                self._targets(node.target, scope)
            self._block(node.body, scope)
            self._orelse(node.orelse, scope)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._block(node.body, scope)
            for handler in node.handlers:
                if handler.name is not None:
                    self._targets(handler.name.name, scope)
                self._block(handler.body, scope)
            self._orelse(node.orelse, scope)
            if node.finalbody is not None:
                self._block(node.finalbody.body, scope)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self._targets(item.asname.name, scope)
            self._block(node.body, scope)

    def _orelse(self, node: cst.If | cst.Else | None, scope: _Scope) -> None:
        if isinstance(node, cst.If):
            self._statement(node, scope)
        elif isinstance(node, cst.Else):
            self._block(node.body, scope)

    def _targets(self, target: cst.BaseExpression, scope: _Scope) -> None:
        for name in stored_names(target):
            scope.bind(name, _Binding(_LOCAL))

    def _import(self, node: cst.Import, scope: _Scope) -> None:
        aliases = _aliases(node.names)
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                scope.bind(alias.asname.name.value, _Binding(_IMPORT, "", aliases))
                continue
            full = _full_name(alias.name) or ""
            parts = full.split(".")
            for end in range(len(parts), 0, -1):
                scope.bind(".".join(parts[:end]), _Binding(_IMPORT, "", aliases))

    def _import_from(self, node: cst.ImportFrom, scope: _Scope) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = _full_name(node.module) or "" if node.module is not None else ""
        module = "." * len(node.relative) + module
        aliases = _aliases(node.names)
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                scope.bind(alias.asname.name.value, _Binding(_IMPORT, module, aliases))
            else:
                scope.bind(_full_name(alias.name) or "", _Binding(_IMPORT, module, aliases))


def _aliases(names: Sequence[cst.ImportAlias]) -> tuple[tuple[str, str | None], ...]:
    found: list[tuple[str, str | None]] = []
    for alias in names:
        real = _full_name(alias.name)
        if not real:
            continue
        local = None
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        found.append((real, local))
    return tuple(found)


def parameter_names(params: cst.Parameters) -> Iterator[str]:
    """The names a parameter list binds."""
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        yield param.name.value
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg.name.value
    if params.star_kwarg is not None:
        yield params.star_kwarg.name.value


def stored_names(target: cst.BaseExpression) -> Iterator[str]:
    """The names an assignment target binds (``a, *b = …``; not ``self.x`` nor ``x[0]``)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from stored_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from stored_names(target.value)


def _full_name(node: cst.CSTNode | None) -> str | None:
    """libcst's full name of a node: ``a.b.c`` for attributes, a call's callee, a subscript's
    value; ``None`` standing for what has none (``(a + b).c`` is ``None.c``)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_full_name(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return _full_name(node.func)
    if isinstance(node, cst.Subscript):
        return _full_name(node.value)
    return None


def _qualified_names(binding: _Binding, scope: _Scope, full_name: str) -> Iterable[str]:
    if binding.kind == _LOCAL:
        yield f"{scope.prefix}.{full_name}" if scope.prefix else full_name
        return
    module = binding.module
    for real_full, local in binding.aliases:
        parts = real_full.split(".")
        for end in range(len(parts), 0, -1):
            real = ".".join(parts[:end])
            as_name = local if local is not None else real
            if module.endswith("."):
                real = f"{module}{real}"
            elif module:
                real = f"{module}.{real}"
            if not full_name.startswith(as_name):
                continue
            remaining = full_name.split(as_name, 1)[1]
            if remaining and not remaining.startswith("."):
                continue
            remaining = remaining.lstrip(".")
            yield f"{real}.{remaining}" if remaining else real
            break


class QualifiedNames:
    """Answers "what does this expression name?" for the scope the visitor is in.

    The visitor calls :meth:`enter` and :meth:`leave` around the functions, classes,
    lambdas and comprehensions it walks into; :meth:`of` names a callee or a base there.
    """

    def __init__(self, module: cst.Module) -> None:
        self._table = ScopeTable(module)
        self._stack: list[_Scope] = [self._table.module]

    def enter(self, node: cst.CSTNode) -> None:
        """Walk into NODE's scope (a def, class, lambda or comprehension)."""
        current = self._stack[-1]
        scope: _Scope | None = None
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            scope = self._table.scope_of(node)
        if scope is None:
            if isinstance(node, cst.Lambda):
                scope = current.child("lambda", None)
                for name in parameter_names(node.params):
                    scope.bind(name, _Binding(_LOCAL))
            elif isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                scope = current.child("comprehension", None)
                comp: cst.CompFor | None = node.for_in
                while comp is not None:
                    for name in stored_names(comp.target):
                        scope.bind(name, _Binding(_LOCAL))
                    comp = comp.inner_for_in
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):  # one the walk did not see
                kind = "class" if isinstance(node, cst.ClassDef) else "function"
                scope = current.child(kind, node.name.value)
            else:
                scope = current.child("function", None)
        self._stack.append(scope)

    def leave(self) -> None:
        """Walk out of the innermost scope."""
        self._stack.pop()

    def at(self, statement: cst.CSTNode) -> None:
        """The walk begins STATEMENT: a name bound by a later statement of the same scope
        is not the one it reads (libcst's rule)."""
        order = self._table.order_of(statement)
        if order is not None:
            self._stack[-1].current = order

    @contextmanager
    def within(self, node: cst.CSTNode) -> Iterator[None]:
        """Names asked about inside NODE (a comprehension converted ahead of the walk)."""
        self.enter(node)
        try:
            yield
        finally:
            self.leave()

    def of(self, node: cst.BaseExpression) -> str:
        """The first qualified name of NODE in order, or "" when it names nothing known."""
        names = sorted(self._names(node))
        return names[0] if names else ""

    def _names(self, node: cst.BaseExpression) -> set[str]:
        scope = self._stack[-1]
        if isinstance(node, cst.Name):
            owner, bindings = self._read(scope, node.value)
            return self._qualified(owner, bindings, node.value, node.value)
        full_name = _full_name(node)
        if full_name is None:
            return set()
        prefix: str | None = full_name
        while prefix:
            if self._owner(scope, prefix) is not None or hasattr(builtins, prefix):
                return self._resolved(scope, prefix, full_name)
            cut = prefix.rfind(".")
            prefix = None if cut == -1 else prefix[:cut]
        return set()

    def _resolved(self, scope: _Scope, name: str, full_name: str) -> set[str]:
        owner = self._owner(scope, name)
        bindings = owner.bindings[name] if owner is not None else []
        return self._qualified(owner, bindings, name, full_name)

    @staticmethod
    def _qualified(
        owner: _Scope | None, bindings: list[_Binding], name: str, full_name: str
    ) -> set[str]:
        if owner is None or not bindings:
            return {f"builtins.{name}"} if hasattr(builtins, name) else set()
        return {
            qualified
            for binding in bindings
            for qualified in _qualified_names(binding, owner, full_name)
        }

    def _read(self, scope: _Scope, name: str) -> tuple[_Scope | None, list[_Binding]]:
        """The bindings a read of NAME in SCOPE's current statement sees: in its own scope,
        only those of earlier statements; with none, the enclosing scope's."""
        owner = self._owner(scope, name)
        if owner is None:
            return None, []
        bindings = owner.bindings[name]
        if owner is not scope or scope.kind in ("lambda", "comprehension"):
            return owner, bindings
        earlier = [b for b in bindings if b.order < scope.current]
        if earlier:
            return owner, earlier
        parent = scope.parent
        if parent is None:
            return None, []
        if parent.bindings.get(name):
            return parent, parent.bindings[name]
        above = parent.visible_parent()
        owner = self._owner(above, name) if above is not None else None
        return owner, owner.bindings[name] if owner is not None else []

    @staticmethod
    def _owner(scope: _Scope, name: str) -> _Scope | None:
        """The scope whose bindings NAME resolves to from SCOPE (None: builtins or nothing)."""
        current: _Scope | None = scope
        while current is not None:
            if name in current.overrides:
                if current.overrides[name] == "global":
                    module = current.module
                    return module if module.bindings.get(name) else None
                current = current.visible_parent()
                continue
            if current.bindings.get(name):
                return current
            current = current.visible_parent()
        return None

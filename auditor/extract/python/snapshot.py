"""The Python modules of one snapshot: finding modules, following imports, module values.

Imports are resolved the way the real projects run (scripts that ``sys.path.append`` their
folders): a dotted name is tried relative to each ancestor folder of the importing file, nearest
first, then the repository root; relative imports climb ``level`` folders.

The mapping of modules is read lazily (``path in modules``, ``modules.get(path)``), one path at
a time, so a caller can record which files a resolution consulted. Namespace packages (a
folder without ``__init__.py``) are found only through the modules inside them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Call
from auditor.extract.python.scopes import ModuleScope, may_run
from auditor.extract.python.summary import Binding, ClassSummary, Function, Import, ModuleSummary
from auditor.extract.python.values import (
    ClassRef,
    ExternalRef,
    FunctionRef,
    ModuleRef,
    Unresolved,
    Value,
)

#: How deep resolution may recurse (re-exports, aliases, bindings of bindings).
MAX_DEPTH = 60


#: How many star imports deep a name is looked for.
_STAR_DEPTH = 3


@dataclass
class _ModuleIndex:
    summary: ModuleSummary
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    imports: dict[str, Import] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    @classmethod
    def of(cls, summary: ModuleSummary) -> _ModuleIndex:
        index = cls(
            summary,
            {c.name: c for c in summary.classes},
            {f.name: f for f in summary.functions},
            {i.local: i for i in summary.imports},
        )
        for binding in summary.bindings:
            index.bindings.setdefault(binding.name, []).append(binding)
        return index


_EMPTY = _ModuleIndex(ModuleSummary())


class PythonSnapshot:
    """Lookups across the modules of one snapshot; results are memoised on the instance."""

    def __init__(self, modules: Mapping[str, ModuleSummary]) -> None:
        self.modules = modules
        self._indexes: dict[str, _ModuleIndex] = {}
        self._memo: dict[tuple[str, str], Value | Unresolved] = {}
        self._active: set[tuple[str, str]] = set()
        self._depth = 0

    def _index(self, path: str) -> _ModuleIndex:
        index = self._indexes.get(path)
        if index is None:
            summary = self.modules.get(path)
            index = self._indexes[path] = _EMPTY if summary is None else _ModuleIndex.of(summary)
        return index

    # -- modules
    def find_module(self, importer: str, dotted: str, level: int) -> str | None:
        """The path of the module ``dotted`` names from ``importer``, or None."""
        parts = [p for p in dotted.split(".") if p]
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            return self._module_at(base, parts)
        folder = posixpath.dirname(importer)
        while True:
            found = self._module_at(folder, parts) if parts else None
            if found is not None:
                return found
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    def _module_at(self, folder: str, parts: list[str]) -> str | None:
        stem = posixpath.join(folder, *parts)
        package = posixpath.join(stem, "__init__.py")
        for candidate in (f"{stem}.py", package) if parts else (package,):
            if candidate in self.modules:
                return candidate
        return None

    def summary(self, path: str) -> ModuleSummary:
        """The summary of a module (an empty one for a namespace package)."""
        return self._index(path).summary

    def dotted_name(self, path: str) -> str:
        """The import name of a module: its path from the top of its package chain."""
        parts = path.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        folder = posixpath.dirname(path)
        depth = 1
        while folder and posixpath.join(folder, "__init__.py") in self.modules:
            folder = posixpath.dirname(folder)
            depth += 1
        if parts and path.endswith("/__init__.py"):
            depth -= 1
        return ".".join(parts[-depth:]) if depth > 0 else ".".join(parts)

    # -- names
    def module_value(self, path: str, name: str, before: int | None = None) -> Value:
        """The value ``name`` has at module level (after all bindings, or before one)."""
        index = self._index(path)
        binding = self.binding_of(path, name, before)
        if binding is not None:
            return self.binding_value(path, binding)
        if name in index.classes:
            return ClassRef(path, name)
        if name in index.functions:
            return FunctionRef(path, name)
        imported = index.imports.get(name)
        if imported is not None:
            return self.import_value(path, imported)
        # A star import binds names after the package's own submodule attributes are set
        # (``from text.symbols import *`` in ``text/__init__.py`` makes ``symbols`` the list).
        for star in (i for i in index.summary.imports if i.local == "*"):
            target = self.find_module(path, star.module, star.level)
            if target is not None and target != path:
                try:
                    return self._guarded(("*" + target, name), self.module_value, target, name)
                except Unresolved:
                    continue
        if path.endswith("__init__.py"):
            sub = self._module_at(posixpath.dirname(path), [name])
            if sub is not None:
                return ModuleRef(sub)
        raise Unresolved(f"{name} is not defined in {path}")

    def binding_of(self, path: str, name: str, before: int | None = None) -> Binding | None:
        """The module-level binding of ``name`` in force (the last whose branch may run)."""
        found: Binding | None = None
        for binding in self._index(path).bindings.get(name, ()):
            if before is not None and binding.order >= before:
                break
            if may_run(binding.conditions, ModuleScope(self, path, binding.order)):
                found = binding
        return found

    def binding_value(self, path: str, binding: Binding) -> Value:
        """The value of one module-level binding (memoised)."""
        scope = ModuleScope(self, path, binding.order)
        key = (path, f"#{binding.order}")
        return self._memoised(key, evaluate, binding.value, scope)

    def import_value(self, path: str, item: Import) -> Value:
        """What an import binds."""
        if item.name is None:
            target = self.find_module(path, item.module, item.level)
            return ModuleRef(target) if target is not None else ExternalRef(item.module)
        package = self.find_module(path, item.module, item.level) if item.module else None
        if item.level and not item.module:
            package = self.find_module(path, "", item.level)
        if package is not None and package != path and self._defines(package, item.name):
            return self._guarded((package, item.name), self.module_value, package, item.name)
        dotted = f"{item.module}.{item.name}" if item.module else item.name
        sub = self.find_module(path, dotted, item.level)
        if sub is not None:
            return ModuleRef(sub)
        if package is not None:
            raise Unresolved(f"{item.name} not found in {package}")
        return ExternalRef(dotted if not item.level else "." * item.level + dotted)

    def _defines(self, path: str, name: str, depth: int = 0) -> bool:
        index = self._index(path)
        if (
            name in index.bindings
            or name in index.classes
            or name in index.functions
            or name in index.imports
        ):
            return True
        if depth >= _STAR_DEPTH:
            return False
        for star in (i for i in index.summary.imports if i.local == "*"):
            target = self.find_module(path, star.module, star.level)
            if target is not None and target != path and self._defines(target, name, depth + 1):
                return True
        return False

    def member(self, value: Value, attr: str) -> Value:
        """``value.attr`` for modules, external names and the constants of classes."""
        if isinstance(value, ModuleRef):
            return self.module_value(value.path, attr)
        if isinstance(value, ExternalRef):
            return ExternalRef(f"{value.name}.{attr}")
        if isinstance(value, ClassRef):
            return self._memoised((value.path, f"{value.name}.{attr}"), self._constant, value, attr)
        raise Unresolved(f"attribute {attr} of an unknown value")

    def _constant(self, ref: ClassRef, attr: str) -> Value:
        """A name the body of a class (or of a base class in the snapshot) binds."""
        cls = self.class_summary(ref)
        scope = ModuleScope(self, ref.path)
        bound = [b for b in cls.constants if b.name == attr] if cls is not None else []
        bound = [b for b in bound if may_run(b.conditions, scope)]
        if bound:
            return evaluate(bound[-1].value, scope)
        for base in self.bases(ref):
            if isinstance(base, ClassRef):
                try:
                    return self.member(base, attr)
                except Unresolved:
                    continue
        raise Unresolved(f"{attr} is not a constant of {ref.name}")

    def qualified(self, path: str, qualified: str) -> Value:
        """The value of a qualified name libcst gave for a name used in ``path``."""
        if not qualified or "<locals>" in qualified:
            raise Unresolved("a local callee")
        level = len(qualified) - len(qualified.lstrip("."))
        parts = qualified.lstrip(".").split(".")
        if not level and self._defines(path, parts[0]):
            value: Value = self.module_value(path, parts[0])
            for attr in parts[1:]:
                value = self.member(value, attr)
            return value
        for cut in range(len(parts), 0, -1):
            module = self.find_module(path, ".".join(parts[:cut]), level)
            if module is not None:
                value = ModuleRef(module)
                for attr in parts[cut:]:
                    value = self.member(value, attr)
                return value
        if level:
            raise Unresolved(f"relative import {qualified} outside the snapshot")
        return ExternalRef(qualified)

    def callee(self, path: str, call: Call) -> Value:
        """What a call calls."""
        return self.qualified(path, call.callee)

    def class_summary(self, ref: ClassRef) -> ClassSummary | None:
        """The summary of a class of the snapshot."""
        return self._index(ref.path).classes.get(ref.name)

    def function(self, ref: FunctionRef) -> Function | None:
        """The signature of a module-level function of the snapshot."""
        return self._index(ref.path).functions.get(ref.name)

    def bases(self, ref: ClassRef) -> list[Value]:
        """The resolved bases of a class (unresolvable ones left out)."""
        cls = self.class_summary(ref)
        values: list[Value] = []
        for base in cls.bases if cls is not None else ():
            try:
                values.append(self.qualified(ref.path, base))
            except Unresolved:
                continue
        return values

    def _memoised(self, key: tuple[str, str], func: Callable[..., Value], *args: object) -> Value:
        """``func(*args)`` guarded and remembered under ``key`` (failures too)."""
        if key not in self._memo:
            try:
                self._memo[key] = self._guarded(key, func, *args)
            except Unresolved as exc:
                self._memo[key] = exc
        result = self._memo[key]
        if isinstance(result, Unresolved):
            raise result
        return result

    def _guarded(self, key: tuple[str, str], func: Callable[..., Value], *args: object) -> Value:
        """``func(*args)``, refusing cycles (a re-export of itself) and runaway depth."""
        if key in self._active or self._depth > MAX_DEPTH:
            raise Unresolved("circular or too deep")
        self._active.add(key)
        self._depth += 1
        try:
            return func(*args)
        finally:
            self._depth -= 1
            self._active.discard(key)

"""Facts of a model class: its ``__init__`` defaults and what it builds, with which arguments.

A model class is a class of the snapshot whose bases reach ``torch.nn.Module`` (through other
classes of the snapshot), or any class whose ``__init__`` builds ``torch.nn`` layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Fact
from auditor.extract.python.describe import fact_value
from auditor.extract.python.expressions import Call
from auditor.extract.python.kinds import (
    CONSTRUCTOR_ARG,
    INIT_DEFAULT,
    PYTHON_FACT_KINDS,
    SUBMODULE,
)
from auditor.extract.python.scopes import InitScope, ModuleScope
from auditor.extract.python.signatures import positional_names, reaches_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.submodules import (
    Built,
    arguments,
    built_submodules,
    nested_construction,
)
from auditor.extract.python.summary import ClassSummary
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import ClassRef
from auditor.extract.python.version_branches import differing, version_variants
from auditor.extract.python.versions import version_facts

#: An order after every statement of ``__init__``.
_END = 1 << 30
#: How deep modules built inside arguments are followed (``CFM(100, DiT(...))``).
_NESTING = 2


def class_facts(snapshot: PythonSnapshot, path: str, cls: ClassSummary) -> list[Fact]:
    """The facts of one class, or none when it is not a model class."""
    if cls.init is None:
        return []
    built = list(built_submodules(snapshot, path, cls))
    uses_torch = any(b.callee.startswith("torch.nn.") for b in built)
    if not (uses_torch or reaches_module(snapshot, ClassRef(path, cls.name))):
        return []
    prefix = f"{cls.name}.__init__"
    kind = PYTHON_FACT_KINDS[INIT_DEFAULT]
    facts: list[Fact] = []
    module_scope = ModuleScope(snapshot, path)
    for param in cls.init.params[1:]:
        if param.default is not None:
            value = fact_value(param.default, module_scope)
            facts.append(Fact(kind, f"{prefix}.{param.name}", param.name, value, param.line))
    facts.extend(version_facts(snapshot, path, cls))
    plain = _built_facts(snapshot, path, cls, built)
    facts.extend(plain)
    facts.extend(_conditions(cls, {b.key.split(".")[0].split("[")[0] for b in built}))
    for variant in version_variants(snapshot, path, cls):
        other = _built_facts(snapshot, path, variant.cls)
        facts.extend(differing(plain, other, prefix, variant.tag))
    return facts


#: The key suffix of the condition a submodule is built under.
BUILT_IF = ".built_if"


def _conditions(cls: ClassSummary, built: set[str]) -> list[Fact]:
    """``<Class>.__init__.self.<attr>.built_if``: the ``if`` tests a submodule is registered
    under (the first registration of each attribute). A changed test (``n_speakers > 1`` →
    ``>= 1``) adds or removes its state-dict keys for some configs even when no value moves."""
    kind = PYTHON_FACT_KINDS[SUBMODULE]
    facts: dict[str, Fact] = {}
    for sub in cls.submodules:
        if not sub.conditions or sub.attr not in built:
            continue
        key = f"{cls.name}.__init__.self.{sub.attr}{BUILT_IF}"
        tests = [unparse(c.test) if c.holds else f"not ({unparse(c.test)})" for c in sub.conditions]
        facts.setdefault(key, Fact(kind, key, sub.attr, " and ".join(tests), sub.line))
    return list(facts.values())


def _built_facts(
    snapshot: PythonSnapshot, path: str, cls: ClassSummary, built: list[Built] | None = None
) -> list[Fact]:
    """The facts that depend on the branches ``__init__`` takes: its ``kwargs.get`` defaults,
    the submodules it builds and their arguments."""
    prefix = f"{cls.name}.__init__"
    kind = PYTHON_FACT_KINDS[INIT_DEFAULT]
    facts: list[Fact] = []
    end = InitScope(snapshot, path, cls, _END)
    for kwarg in cls.kwarg_defaults:
        value = None if kwarg.default is None else fact_value(kwarg.default, end)
        facts.append(Fact(kind, f"{prefix}.kwargs.{kwarg.name}", kwarg.name, value, kwarg.line))
    for item in built_submodules(snapshot, path, cls) if built is None else built:
        at = _Site(f"{prefix}.self.{item.key}", item.key, item.line, item.scope)
        facts.extend(_construction(snapshot, path, at, item.call, item.callee, item.container))
    return facts


@dataclass(frozen=True)
class _Site:
    key: str
    parameter: str
    line: int
    scope: InitScope


def _construction(
    snapshot: PythonSnapshot,
    path: str,
    at: _Site,
    call: Call,
    callee: str,
    container: bool = False,
    depth: int = 0,
) -> list[Fact]:
    """The submodule fact of one construction and the facts of its arguments."""
    facts = [Fact(PYTHON_FACT_KINDS[SUBMODULE], at.key, at.parameter, callee, at.line)]
    if container:
        return facts
    names = positional_names(snapshot, path, call)
    for name, arg in arguments(call, names):
        line = arg.line or at.line
        nested = None
        if depth < _NESTING:
            nested = nested_construction(snapshot, path, arg.value, at.scope)
        if nested is not None:
            inner_call, inner_callee, inner_scope = nested
            inner = _Site(f"{at.key}.{name}", name, line, inner_scope)
            facts.extend(
                _construction(snapshot, path, inner, inner_call, inner_callee, depth=depth + 1)
            )
            continue
        value = fact_value(arg.value, at.scope)
        key = f"{at.key}.{name}"
        facts.append(Fact(PYTHON_FACT_KINDS[CONSTRUCTOR_ARG], key, name, value, line))
    return facts

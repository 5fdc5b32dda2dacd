"""Facts of a module as a whole: constants, symbol tables, components, audio front ends."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from auditor.domain import Fact, FactValue
from auditor.extract.python.components import Components
from auditor.extract.python.describe import MAX_TUPLE, NotAFactValue, as_fact_value, expression_text
from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Call, Comp, DictExpr, Expr, Lit, Opaque, walk
from auditor.extract.python.kinds import (
    AUDIO_FRONTEND,
    CONSTANT,
    ENCODER_IMPORT,
    PYTHON_FACT_KINDS,
    SYMBOL_TABLE,
)
from auditor.extract.python.scopes import ModuleScope, is_version_like
from auditor.extract.python.signatures import callee_name, callee_value, positional_names
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import Binding
from auditor.extract.python.usage import Usage
from auditor.extract.python.values import (
    ClassRef,
    DictValue,
    ExternalRef,
    FunctionRef,
    Unresolved,
    Value,
    iterate,
)

_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_SYMBOL_TABLE = re.compile(r"^(?:symbols|phonemes?|vocab|punctuation|\w+_symbols)$", re.I)
_AUDIO_PARAMETERS = frozenset(
    {
        "sampling_rate", "sr", "sample_rate", "hop_length", "hop_size", "n_fft",
        "filter_length", "win_length", "win_size", "n_mels", "num_mels", "fmin", "fmax",
        "f_min", "f_max",
    }
)  # fmt: skip
_NOT_COMPONENTS = ("torch.", "typing.", "collections.")


def constant_facts(
    snapshot: PythonSnapshot, path: str, usage: Usage, tables: set[str]
) -> list[Fact]:
    """ALL_CAPS and version-like module names, and the module names constructor arguments
    read (a symbol table is not a constant: it has facts of its own)."""
    summary = snapshot.summary(path)
    names = {b.name for b in summary.bindings if _CONSTANT.match(b.name) or is_version_like(b.name)}
    names |= {name for origin_path, name in usage.read if origin_path == path}
    facts: list[Fact] = []
    kind = PYTHON_FACT_KINDS[CONSTANT]
    for name in sorted(names - tables):
        binding = snapshot.binding_of(path, name)
        if binding is None:
            continue
        try:
            value: FactValue = as_fact_value(snapshot.binding_value(path, binding))
        except (Unresolved, RecursionError):
            if not _is_formula(binding.value):
                continue
            value = expression_text(binding.value, ModuleScope(snapshot, path, binding.order))
        except NotAFactValue:
            continue
        if isinstance(value, tuple) and len(value) > MAX_TUPLE:
            continue
        facts.append(Fact(kind, name, name, value, binding.line))
    return facts


def _is_formula(expr: Expr) -> bool:
    """Arithmetic, names and displays: worth showing when unresolved (calls and code are not)."""
    return not any(isinstance(node, (Call, Comp, Opaque)) for node in walk(expr))


def is_symbol_table_name(name: str) -> bool:
    """``symbols``, ``phonemes``, ``vocab``, ``punctuation``, ``*_symbols``."""
    return bool(_SYMBOL_TABLE.match(name))


def symbol_table_names(snapshot: PythonSnapshot, path: str, usage: Usage) -> set[str]:
    """Module-level sequences that are symbol tables (by name, or measured by ``len()``)."""
    names = {b.name for b in snapshot.summary(path).bindings if _SYMBOL_TABLE.match(b.name)}
    return names | {name for origin_path, name in usage.measured if origin_path == path}


def symbol_table_facts(snapshot: PythonSnapshot, path: str, names: set[str]) -> list[Fact]:
    """The length and a fingerprint of each symbol table."""
    facts: list[Fact] = []
    kind = PYTHON_FACT_KINDS[SYMBOL_TABLE]
    for name in sorted(names):
        binding = snapshot.binding_of(path, name)
        if binding is None:
            continue
        try:
            items = symbol_table_items(snapshot, path, binding)
        except (Unresolved, RecursionError):
            text = expression_text(binding.value, ModuleScope(snapshot, path, binding.order))
            facts.append(Fact(kind, name, name, text, binding.line))
            continue
        except NotAFactValue:
            continue
        digest = hashlib.sha1("\n".join(map(str, items)).encode("utf-8")).hexdigest()[:12]
        facts.append(Fact(kind, name, name, len(items), binding.line))
        facts.append(Fact(kind, f"{name}.fingerprint", name, digest, binding.line))
    return facts


def symbol_table_items(snapshot: PythonSnapshot, path: str, binding: Binding) -> tuple[Value, ...]:
    """The resolved contents of the symbol table BINDING (of PATH) binds, in order.

    Raises :class:`Unresolved` when they cannot be resolved and :class:`NotAFactValue` when
    the value is not a sequence."""
    return _items(snapshot.binding_value(path, binding))


def _items(value: Value) -> tuple[Value, ...]:
    if isinstance(value, (tuple, str, DictValue)):
        return iterate(value)
    raise NotAFactValue(repr(value))


def component_facts(snapshot: PythonSnapshot, path: str, components: Components) -> list[Fact]:
    """``component.<role>``: the known encoders and vocoders a file imports or constructs."""
    summary = snapshot.summary(path)
    roles = components.roles
    found: dict[str, set[str]] = {}
    lines: dict[str, int] = {}
    class_lines = {c.name: c.line for c in summary.classes}
    names = [(f"{i.module}.{i.name}" if i.name else i.module, i.line) for i in summary.imports]
    names += [(c, class_lines.get(c.split(".")[0], 0)) for c in summary.callees]
    for dotted, line in names:
        if dotted.startswith(_NOT_COMPONENTS):
            continue
        for segment in dotted.split("."):
            if segment in roles:
                component, role = roles[segment]
                found.setdefault(role, set()).add(component)
                if not lines.get(role):
                    lines[role] = line
    kind = PYTHON_FACT_KINDS[ENCODER_IMPORT]
    return [
        Fact(kind, f"component.{role}", role, tuple(sorted(found[role])), lines.get(role, 0))
        for role in sorted(found)
    ]


def audio_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """Literal sample rates, hop and window sizes passed to mel / STFT front ends."""
    facts: list[Fact] = []
    kind = PYTHON_FACT_KINDS[AUDIO_FRONTEND]
    seen: Counter[tuple[str, str]] = Counter()
    for site in snapshot.summary(path).audio_calls:
        value = callee_value(snapshot, path, site.call)
        name = callee_name(snapshot, path, site.call, value)
        if isinstance(value, (ClassRef, FunctionRef)):
            name = value.name
        elif not isinstance(value, ExternalRef):
            name = name.rsplit(".", 1)[-1]
        seen[site.scope, name] += 1
        count = seen[site.scope, name]
        shown = name if count == 1 else f"{name}@{count}"
        params = positional_names(snapshot, path, site.call)
        scope = ModuleScope(snapshot, path, shadowed=frozenset(site.shadowed))
        for param, expr, line in _keyword_args(site.call, params):
            if param not in _AUDIO_PARAMETERS:
                continue
            try:
                resolved = evaluate(expr, scope)
            except (Unresolved, RecursionError):
                continue
            if resolved is None or (
                isinstance(resolved, (int, float)) and not isinstance(resolved, bool)
            ):
                key = f"{site.scope}.{shown}.{param}"
                facts.append(Fact(kind, key, param, resolved, line or site.line))
    return facts


def _keyword_args(call: Call, params: Sequence[str]) -> Iterator[tuple[str, Expr, int]]:
    """(parameter, argument, line) of CALL: positionals named through the callee's signature,
    keywords, and the literal keys of a ``**{"hop_size": 320, ...}`` splat (GPT-SoVITS builds
    its mel front ends so). After ``*args`` positions are unknown, so positionals stop."""
    position = 0
    for arg in call.args:
        if arg.star == "**":
            if isinstance(arg.value, DictExpr):
                for key, value in arg.value.items:
                    if isinstance(key, Lit) and isinstance(key.value, str):
                        yield key.value, value, arg.line
            continue
        if arg.star:
            position = len(params)
            continue
        if arg.keyword is not None:
            yield arg.keyword, arg.value, arg.line
        elif position < len(params):
            yield params[position], arg.value, arg.line
            position += 1
        else:
            position += 1

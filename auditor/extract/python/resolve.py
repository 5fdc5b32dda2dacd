"""Stage 2: the facts of one Python file, resolved against every module of its snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from auditor.domain import Fact
from auditor.extract.python.class_facts import class_facts
from auditor.extract.python.components import Components, builtin_components
from auditor.extract.python.config_writes import config_write_facts
from auditor.extract.python.expressions import BinOp, Call, Comp, DictExpr, Seq
from auditor.extract.python.feature_facts import (
    checkpoint_facts,
    frontend_attribute_facts,
    layer_facts,
    resample_facts,
)
from auditor.extract.python.forward_facts import forward_facts
from auditor.extract.python.header_facts import header_facts
from auditor.extract.python.module_facts import (
    audio_facts,
    component_facts,
    constant_facts,
    is_symbol_table_name,
    symbol_table_facts,
    symbol_table_names,
)
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import Binding, ModuleSummary
from auditor.extract.python.usage import Origin, Usage, measured_origins, module_usage


class SnapshotFacts:
    """Resolves the facts of the files of one snapshot, sharing lookups between files.

    The mapping is read lazily; it is iterated only for a file that binds sequences not named
    like symbol tables (to learn whether another file measures them with ``len()``).
    """

    def __init__(
        self,
        modules: Mapping[str, ModuleSummary],
        measured: set[Origin] | None = None,
        components: Components | None = None,
    ) -> None:
        """``measured``, when given, is :func:`measured_origins` of ``modules``, computed
        once by the caller for many files of one snapshot; ``components`` are the known
        encoders and vocoders (default: the built-in list)."""
        self.modules = modules
        self.components = components or builtin_components()
        self.snapshot = PythonSnapshot(modules)
        self._measured: set[Origin] | None = measured

    def _usage(self, path: str, summary: ModuleSummary) -> Usage:
        bound = {b.name for b in summary.bindings}
        usage = module_usage(self.snapshot, path, bound)
        if needs_measured(summary):
            if self._measured is None:
                self._measured = set(measured_origins(self.modules, self.snapshot))
            usage.measured |= self._measured
        return usage

    def facts(self, path: str) -> tuple[Fact, ...]:
        """The facts of one file, sorted by key (the first fact of a key wins)."""
        summary = self.modules.get(path)
        if summary is None:
            return ()
        snapshot = self.snapshot
        found: list[Fact] = []
        for cls in summary.classes:
            found.extend(_bounded(class_facts, snapshot, path, cls))
        usage = self._usage(path, summary)
        tables = symbol_table_names(snapshot, path, usage)
        found.extend(_bounded(symbol_table_facts, snapshot, path, tables))
        found.extend(_bounded(constant_facts, snapshot, path, usage, tables))
        found.extend(_bounded(component_facts, snapshot, path, self.components))
        found.extend(_bounded(audio_facts, snapshot, path))
        found.extend(_bounded(config_write_facts, snapshot, path))
        found.extend(_bounded(frontend_attribute_facts, snapshot, path))
        found.extend(_bounded(resample_facts, snapshot, path))
        found.extend(_bounded(forward_facts, snapshot, path))
        found.extend(_bounded(header_facts, snapshot, path))
        found.extend(_bounded(layer_facts, snapshot, path))
        found.extend(_bounded(checkpoint_facts, snapshot, path, self.components))
        by_key: dict[str, Fact] = {}
        for fact in found:
            by_key.setdefault(fact.key, fact)
        return tuple(by_key[key] for key in sorted(by_key))


_last: SnapshotFacts | None = None
_SEQUENCES = frozenset({"list", "sorted", "tuple", "set"})


def resolve_python_facts(
    path: str, modules: Mapping[str, ModuleSummary], components: Components | None = None
) -> tuple[Fact, ...]:
    """The facts of the Python file ``path``; ``modules`` maps the repo-relative POSIX path of
    every Python file of the snapshot to its summary; ``components`` are the known encoders and
    vocoders (default: the built-in list).

    Pure: the result depends on the arguments only. Consecutive calls with the same mapping
    object share one :class:`SnapshotFacts` (use one directly to control that sharing).
    """
    global _last
    cached = _last
    known = components or builtin_components()
    if cached is None or cached.modules is not modules or cached.components != known:
        cached = _last = SnapshotFacts(modules, components=known)
    return cached.facts(path)


def _bounded(collect: Callable[..., list[Fact]], *args: object) -> list[Fact]:
    """The facts of one part; pathological code that recurses too deep gives none."""
    try:
        return collect(*args)
    except RecursionError:
        return []


def needs_measured(summary: ModuleSummary) -> bool:
    """Whether a file's facts depend on what other files measure with ``len()``: it binds a
    sequence whose name does not say it is a symbol table."""
    return any(_unnamed_sequence(b) for b in summary.bindings)


def _unnamed_sequence(binding: Binding) -> bool:
    """A binding that may be a symbol table although its name does not say so."""
    if is_symbol_table_name(binding.name):
        return False
    value = binding.value
    if isinstance(value, (Seq, Comp, DictExpr)):
        return True
    if isinstance(value, BinOp):
        return value.op == "+"
    return isinstance(value, Call) and value.callee.removeprefix("builtins.") in _SEQUENCES

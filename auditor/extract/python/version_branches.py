"""The branches a version default does not take: what a model built with another version has.

The plain ``<Class>.__init__`` facts describe a model built with every default. For each other
value a version-like parameter is compared with (its ``.branches`` fact), the class is resolved
again as if that value were the default, and the facts that come out different from the plain
ones (or that the plain ones lack) are emitted under ``<Class>.__init__[<param>=<value>]``:
``SynthesizerTrn.__init__[version=v2Pro].self.sv_emb.in_features``. Facts a variant shares with
the default stay under the plain key only; a submodule only the default builds is not repeated.
Conditions a variant cannot decide either build both branches, as they do for the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from auditor.domain import Fact, same_value
from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Attr, Call, Compare, Expr, Lit, Name, walk
from auditor.extract.python.scopes import ENVIRONMENT_GETTERS, ModuleScope, is_version_like
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import ClassSummary, Function
from auditor.extract.python.values import Unresolved
from auditor.extract.python.versions import compared, label


@dataclass(frozen=True)
class Variant:
    """The class as a model built with ``param=value`` sees it; ``tag`` is ``param=value``."""

    tag: str
    cls: ClassSummary


def version_variants(snapshot: PythonSnapshot, path: str, cls: ClassSummary) -> Iterator[Variant]:
    """One variant per version-like parameter with a known default and per other value it is
    compared with (the other version-like parameters keep their defaults); then one per
    environment switch (below)."""
    init = cls.init
    if init is None:
        return
    yield from _parameter_variants(snapshot, path, cls, init)
    yield from environment_variants(cls)


def environment_variants(cls: ClassSummary) -> Iterator[Variant]:
    """``self.mode = os.environ.get("MODE", "a")`` (or a local so bound): one variant per
    other value ``self.mode`` is compared with, as if the environment held it. A model built
    with the variable set takes that branch, so its facts are reported under ``[mode=b]``."""
    for index, binding in enumerate(cls.attributes):
        if not _reads_environment(binding.value):
            continue
        read = Attr(Name("self"), binding.name)
        default = _default_of(binding.value)
        compared = _syntactic_comparisons(cls, read)
        others = [v for v in compared if not (type(v) is type(default) and v == default)]
        tags = [(f"{binding.name}={label(v)}", v) for v in others]
        if compared and not others:
            # only the default is named (``if self.version == "v1": … else: …``): the
            # variant is any other value
            tags = [(f"{binding.name}!={label(default)}", _ANY_OTHER)]
        for tag, value in tags:
            attributes = list(cls.attributes)
            attributes[index] = replace(binding, value=Lit(value))
            yield Variant(tag, replace(cls, attributes=tuple(attributes)))


#: A value no condition names: the ``else`` of every comparison.
_ANY_OTHER = "\x00any other value"


def _reads_environment(expr: Expr) -> bool:
    return (
        isinstance(expr, Call)
        and expr.callee in ENVIRONMENT_GETTERS
        and not any(a.keyword or a.star for a in expr.args)
    )


def _default_of(call: Expr) -> str | int | float | bool | None:
    assert isinstance(call, Call)
    if len(call.args) > 1 and isinstance(call.args[1].value, Lit):
        return call.args[1].value.value
    return None


def _syntactic_comparisons(cls: ClassSummary, read: Expr) -> list[str | int | float | bool | None]:
    """The literals ``read`` is compared with in ``__init__``'s conditions and values."""
    trees: list[Expr] = []
    for binding in (*cls.locals, *cls.attributes):
        trees.append(binding.value)
        trees.extend(c.test for c in binding.conditions)
    for sub in cls.submodules:
        trees.append(sub.call)
        trees.extend(c.test for c in sub.conditions)
    found: dict[tuple[str, str], str | int | float | bool | None] = {}
    for tree in trees:
        for node in walk(tree):
            if not isinstance(node, Compare):
                continue
            operands = [node.left, *(c for _, c in node.comparisons)]
            if read not in operands:
                continue
            for operand in operands:
                if isinstance(operand, Lit) and not isinstance(operand.value, bytes):
                    found.setdefault(
                        (type(operand.value).__name__, repr(operand.value)), operand.value
                    )
    return list(found.values())


def _parameter_variants(
    snapshot: PythonSnapshot, path: str, cls: ClassSummary, init: Function
) -> Iterator[Variant]:
    for index, param in enumerate(init.params):
        if index == 0 or param.default is None or param.kind in ("*", "**"):
            continue
        if not is_version_like(param.name):
            continue
        try:
            default = evaluate(param.default, ModuleScope(snapshot, path))
        except (Unresolved, RecursionError):
            continue  # an unknown default already builds every branch it might take
        for value in compared(snapshot, path, cls, param.name):
            if type(value) is type(default) and value == default:
                continue
            params = list(init.params)
            params[index] = replace(param, default=Lit(value))
            variant = replace(cls, init=replace(init, params=tuple(params)))
            yield Variant(f"{param.name}={label(value)}", variant)


def differing(plain: Iterable[Fact], variant: Iterable[Fact], prefix: str, tag: str) -> list[Fact]:
    """The facts of a variant that the plain facts lack or hold with another value, their
    keys' ``prefix`` qualified with ``[tag]`` (the first fact of a key wins, as in stage 2)."""
    before: dict[str, Fact] = {}
    for fact in plain:
        before.setdefault(fact.key, fact)
    seen: set[str] = set()
    found: list[Fact] = []
    for fact in variant:
        if fact.key in seen or not fact.key.startswith(prefix):
            continue
        seen.add(fact.key)
        old = before.get(fact.key)
        if old is not None and old.kind is fact.kind and same_value(old.value, fact.value):
            continue
        key = f"{prefix}[{tag}]{fact.key.removeprefix(prefix)}"
        found.append(Fact(fact.kind, key, fact.parameter, fact.value, fact.line))
    return found

"""The mutable state of the stage-1 visitor while it walks a module."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.extract.python.expressions import Call, Expr
from auditor.extract.python.summary import (
    Binding,
    ClassSummary,
    Function,
    KwargDefault,
    Submodule,
)


@dataclass
class ClassBuilder:
    """What has been gathered of a top-level class so far."""

    name: str
    bases: tuple[str, ...]
    line: int
    init: Function | None = None
    kwargs: str | None = None
    locals: list[Binding] = field(default_factory=list)
    attributes: list[Binding] = field(default_factory=list)
    submodules: list[Submodule] = field(default_factory=list)
    kwarg_defaults: list[KwargDefault] = field(default_factory=list)
    constants: list[Binding] = field(default_factory=list)

    def build(self) -> ClassSummary:
        """The finished summary of the class."""
        return ClassSummary(
            self.name,
            self.bases,
            self.line,
            self.init,
            tuple(self.locals),
            tuple(self.attributes),
            tuple(self.submodules),
            tuple(self.kwarg_defaults),
            tuple(self.constants),
        )


@dataclass
class Frame:
    """A scope being visited.

    ``kind`` is ``module``, ``class`` (a top-level class body), ``init`` (its ``__init__``),
    ``function`` or ``other``; ``conditions_from`` is where its own ``if`` conditions start on
    the visitor's stack; ``assigned`` collects a function's local names, ``sites`` its
    audio front-end calls, ``resamples`` and ``loads`` its resampling and checkpoint-loading
    calls, ``picks`` its layer selections (target, how, value, line).
    """

    kind: str
    name: str
    conditions_from: int
    cls: ClassBuilder | None = None
    assigned: set[str] = field(default_factory=set)
    sites: list[tuple[Call, int]] = field(default_factory=list)
    resamples: list[tuple[Call, int]] = field(default_factory=list)
    loads: list[tuple[Call, int]] = field(default_factory=list)
    picks: list[tuple[str, str, Expr, int]] = field(default_factory=list)

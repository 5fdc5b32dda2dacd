"""What a rule is: an id, a slug, a default severity, a one-line summary, and its examples.

A rule looks at one :class:`~auditor.domain.Change` and says whether it applies. The
classifier (``auditor.classify.classifier``) turns the first rule that applies into a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditor.domain import Category, Change, ChangeKind, Confidence, Fact, FactKind, Severity
from auditor.extract.python import KnownComponent

#: The precedence of rules that apply only when no other rule does.
FALLBACK = 2

#: Rates a single fact as the parameter rules would (used by file-level rules).
FactRater = Callable[[Fact], Severity]


@dataclass(frozen=True)
class RuleExample:
    """A pair of file versions a rule must flag (``flagged``) or must leave alone.

    ``old``/``new`` are whole file texts; ``None`` means the file is absent on that side.
    ``sibling`` is the text of the existing file a new file is a variant of.
    """

    file: str
    old: str | None
    new: str | None
    flagged: bool
    sibling: str | None = None


@dataclass(frozen=True)
class Rule:
    """A unit of classification with a stable id.

    ``summary`` is one line and doubles as the rule's documentation; ``why`` completes the
    sentence "this breaks checkpoints because …"; ``hint`` tells users what to do.
    Rules are tried in ``precedence`` order: ``0`` for rules about the shape of a change
    (a new variant), ``1`` for parameter and file rules, ``FALLBACK`` for rules that apply
    only when no other rule does.
    """

    id: str
    slug: str
    severity: Severity
    category: Category
    summary: str
    why: str
    hint: str
    confidence: Confidence = Confidence.MEDIUM
    precedence: int = 1
    examples: tuple[RuleExample, ...] = ()

    @property
    def fallback(self) -> bool:
        """Whether this rule applies only when no other rule does."""
        return self.precedence >= FALLBACK

    def applies(self, change: Change) -> bool:
        """Whether this rule classifies ``change``."""
        raise NotImplementedError

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        """The severity of ``change``; most rules have a fixed one."""
        return self.severity

    def for_project(self, components: Iterable[KnownComponent]) -> Rule:
        """This rule as a project with its own COMPONENTS (``components`` of its settings)
        applies it; most rules do not depend on them."""
        return self

    def why_of(self, change: Change) -> str:
        """Why ``change`` matters (completing its message); most rules say one thing."""
        return self.why

    def hint_of(self, change: Change) -> str:
        """What to do about ``change``; most rules say one thing."""
        return self.hint


def normalise_name(name: str) -> str:
    """Leaf names are matched case-insensitively, with ``-`` read as ``_``."""
    return name.lower().replace("-", "_")


@dataclass(frozen=True)
class ParameterRule(Rule):
    """Applies to changes of facts whose leaf name is listed or matches a pattern."""

    parameters: frozenset[str] = field(default_factory=frozenset)
    patterns: tuple[re.Pattern[str], ...] = ()
    fact_kinds: frozenset[FactKind] = frozenset({FactKind.CONFIG})
    #: The kinds of change this rule applies to (added, removed, modified).
    change_kinds: frozenset[ChangeKind] = frozenset(
        {ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED}
    )
    #: Wording of its own for some parameters: (names, why, hint); a vocoder swapped is not
    #: explained as a content encoder is.
    worded: tuple[tuple[frozenset[str], str, str], ...] = ()

    def why_of(self, change: Change) -> str:
        return self._wording(change)[0]

    def hint_of(self, change: Change) -> str:
        return self._wording(change)[1]

    def _wording(self, change: Change) -> tuple[str, str]:
        name = normalise_name(change.parameter)
        return next(
            ((why, hint) for names, why, hint in self.worded if name in names),
            (self.why, self.hint),
        )

    def applies(self, change: Change) -> bool:
        if change.kind not in self.change_kinds:
            return False
        # Code facts appear and vanish with whole classes and calls: only a value that
        # changed in place says something about existing checkpoints.
        if change.fact_kind.from_code and change.kind is not ChangeKind.MODIFIED:
            return False
        return self.matches(change.fact_kind, change.parameter)

    def matches(self, kind: FactKind, parameter: str) -> bool:
        """Whether a fact of this kind and leaf name falls under this rule."""
        if kind not in self.fact_kinds:
            return False
        name = normalise_name(parameter)
        if name in self.parameters:
            return True
        return any(pattern.search(name) for pattern in self.patterns)

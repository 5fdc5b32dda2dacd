"""Rules about new variants: a new file compared with the file it is a variant of."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, Fact, FactKind, Severity
from auditor.rules.base import FactRater, Rule, RuleExample

_S2 = '{"model": {"hidden_channels": 192, "gin_channels": 512}}'
_S2_PRO = '{"model": {"hidden_channels": 192, "gin_channels": 1024}}'


@dataclass(frozen=True)
class VariantRule(Rule):
    """A value of a new variant that differs from its sibling.

    Its severity is the one the parameter rules give that value (``gin_channels`` differing
    is critical), so the rule's own severity is only a floor for unknown values.
    """

    def applies(self, change: Change) -> bool:
        return change.variant_of is not None

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        if change.fact_kind is FactKind.SUBMODULE and change.kind is not ChangeKind.MODIFIED:
            # A submodule one variant has and the other lacks: their state-dict keys differ.
            return Severity.MEDIUM
        return rate(Fact(change.fact_kind, change.key, change.parameter, change.new, change.line))


RULES = (
    VariantRule(
        id="MA401",
        slug="new-variant",
        severity=Severity.INFO,
        category=Category.NEW_VARIANT,
        summary="A new variant file differs from the file it is a variant of.",
        why="checkpoints of the existing variant do not fit the new one where they differ",
        hint="Train or download checkpoints for the new variant; do not load the old "
        "variant's checkpoints into it.",
        precedence=0,
        examples=(
            RuleExample("configs/s2v2Pro.json", None, _S2_PRO, flagged=True, sibling=_S2),
            RuleExample("configs/s2v2Pro.json", None, _S2, flagged=False, sibling=_S2),
        ),
    ),
)

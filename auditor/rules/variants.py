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

    A new variant does not break the checkpoints users own: they still load into the variant
    they were trained for. Its findings describe the new variant, so they are ``low`` where
    the value decides checkpoints (``gin_channels`` differing: the old variant's checkpoints
    do not fit the new one) and ``info`` where it does not (a learning rate).
    """

    def applies(self, change: Change) -> bool:
        return change.variant_of is not None

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        if change.fact_kind is FactKind.SUBMODULE and change.kind is not ChangeKind.MODIFIED:
            # A submodule one variant has and the other lacks: their state-dict keys differ.
            return Severity.LOW
        fact = Fact(change.fact_kind, change.key, change.parameter, change.new, change.line)
        return Severity.INFO if rate(fact) is Severity.INFO else Severity.LOW


RULES = (
    VariantRule(
        id="MA401",
        slug="new-variant",
        severity=Severity.LOW,
        category=Category.NEW_VARIANT,
        summary="A new variant file differs from the file it is a variant of.",
        why="it describes the new variant: checkpoints users own keep loading into the variant "
        "they were trained for, but do not fit the new one where the two differ",
        hint="Train or download checkpoints for the new variant; do not load the old "
        "variant's checkpoints into it.",
        precedence=0,
        examples=(
            RuleExample("configs/s2v2Pro.json", None, _S2_PRO, flagged=True, sibling=_S2),
            RuleExample("configs/s2v2Pro.json", None, _S2, flagged=False, sibling=_S2),
        ),
    ),
)

"""Rules for the known encoders and vocoders a file imports or builds (``component.<role>``).

A swap replaces one component with another (MA111, a parameter rule). A component added
beside the existing one is not a swap: a model built with the existing one is unchanged and
the new one is another path (an API offering a second vocoder). Nor is one dropped while
others of its role remain (an unused import removed).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, FactKind, Severity
from auditor.rules.base import Rule, RuleExample

_HUBERT = (
    "from transformers import HubertModel\n\n\n"
    "def content_model(path):\n    return HubertModel.from_pretrained(path)\n"
)
_BOTH = (
    "from transformers import HubertModel, WavLMModel\n\n\n"
    "def content_model(path, kind):\n"
    "    if kind == 'wavlm':\n        return WavLMModel.from_pretrained(path)\n"
    "    return HubertModel.from_pretrained(path)\n"
)
_WAVLM = (
    "from transformers import WavLMModel\n\n\n"
    "def content_model(path):\n    return WavLMModel.from_pretrained(path)\n"
)


def _names(value: object) -> frozenset[str]:
    if isinstance(value, tuple):
        return frozenset(str(item) for item in value)
    return frozenset() if value is None else frozenset({str(value)})


@dataclass(frozen=True)
class ComponentSetRule(Rule):
    """The components of one role gained (``grown``) or lost members, none replaced."""

    grown: bool = True

    def applies(self, change: Change) -> bool:
        if change.fact_kind is not FactKind.ENCODER_IMPORT or change.kind is not (
            ChangeKind.MODIFIED
        ):
            return False
        old, new = _names(change.old), _names(change.new)
        if not old or not new:
            return False
        return old < new if self.grown else new < old


RULES = (
    ComponentSetRule(
        id="MA114",
        slug="component-added",
        severity=Severity.LOW,
        category=Category.OTHER,
        summary="A known encoder or vocoder was added beside the one a file already uses.",
        why="a model built with the existing component is unchanged; the new one is another "
        "path, whose checkpoints are its own",
        hint="Check that the default path still uses the component your checkpoints were "
        "trained with.",
        precedence=0,
        examples=(
            RuleExample("module/content.py", _HUBERT, _BOTH, flagged=True),
            RuleExample("module/content.py", _HUBERT, _WAVLM, flagged=False),
        ),
    ),
    ComponentSetRule(
        id="MA115",
        slug="component-dropped",
        severity=Severity.LOW,
        category=Category.OTHER,
        summary="A file no longer imports or builds one of several encoders or vocoders.",
        why="the component that remains is the one the file already used; only an unused or "
        "alternative path went away",
        hint="If your checkpoints were trained with the dropped component, keep the old code "
        "to use them.",
        precedence=0,
        grown=False,
        examples=(
            RuleExample("module/content.py", _BOTH, _HUBERT, flagged=True),
            RuleExample("module/content.py", _WAVLM, _HUBERT, flagged=False),
        ),
    ),
)

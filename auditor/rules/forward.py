"""Rules for what a model's ``forward`` feeds its layers (``forward-input``).

No weight changes shape when ``torch.cat([x, mel])`` becomes ``torch.cat([mel, x])``, or when
a submodule starts receiving the speaker vector (``self.encoder(x, mask, g=g)``): old
checkpoints load without a warning and the layers after it see inputs they were not trained
on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, FactKind, Severity
from auditor.rules.base import Rule, RuleExample

_GENERATOR = (
    "import torch\nfrom torch import nn\n\n\n"
    "class Generator(nn.Module):\n"
    "    def __init__(self, ch, gin_channels):\n"
    "        super().__init__()\n"
    "        self.cond = nn.Conv1d(gin_channels, ch, 1)\n"
    "        self.pre = nn.Conv1d(2 * ch, ch, 7)\n\n"
    "    def forward(self, x, mel, g=None):\n"
    "        if g is not None:\n"
    "            x += self.cond(g)\n"
    "        x = torch.cat([x, mel], dim=1)\n"
    "        return self.pre(x)\n"
)
_SWAPPED = _GENERATOR.replace("x += self.cond(g)", "mel += self.cond(g)").replace(
    "[x, mel]", "[mel, x]"
)
_ENCODER = (
    "from torch import nn\nfrom attentions import Encoder\n\n\n"
    "class TextEncoder(nn.Module):\n"
    "    def __init__(self, hidden):\n"
    "        super().__init__()\n"
    "        self.encoder = Encoder(hidden)\n\n"
    "    def forward(self, x, x_mask, g=None):\n"
    "        return self.encoder(x * x_mask, x_mask)\n"
)
_CONDITIONED = _ENCODER.replace("self.encoder(x * x_mask, x_mask)", "self.encoder(x, x_mask, g=g)")


def _changed(change: Change, part: str) -> bool:
    return (
        change.fact_kind is FactKind.FORWARD_INPUT
        and change.kind is ChangeKind.MODIFIED
        and part in change.key
        and isinstance(change.old, tuple)
        and isinstance(change.new, tuple)
    )


@dataclass(frozen=True)
class ConcatOrderRule(Rule):
    """The same operands concatenated in another order."""

    def applies(self, change: Change) -> bool:
        if not _changed(change, ".cat["):
            return False
        old, new = change.old, change.new
        assert isinstance(old, tuple) and isinstance(new, tuple)
        return old != new and Counter(old) == Counter(new)


@dataclass(frozen=True)
class SubmoduleInputRule(Rule):
    """A submodule called with other keyword inputs (a conditioning input added or gone)."""

    def applies(self, change: Change) -> bool:
        return _changed(change, ".keywords") and change.old != change.new


RULES = (
    ConcatOrderRule(
        id="MA121",
        slug="concat-order",
        severity=Severity.HIGH,
        category=Category.INPUT_FEATURES,
        summary="A model's forward concatenates the same tensors in another order.",
        why="the layer after it was trained on channels in the old order, so old checkpoints "
        "load and produce wrong output",
        hint="Keep the old order for old checkpoints, or retrain.",
        examples=(
            RuleExample("models/generator.py", _GENERATOR, _SWAPPED, flagged=True),
            RuleExample(
                "models/generator.py",
                _GENERATOR,
                _GENERATOR.replace("[x, mel]", "[x, mel_norm]"),
                flagged=False,
            ),
        ),
    ),
    SubmoduleInputRule(
        id="MA122",
        slug="submodule-input",
        severity=Severity.MEDIUM,
        category=Category.INPUT_FEATURES,
        summary="A submodule is called in forward with other keyword inputs (a conditioning "
        "input added or removed).",
        why="the same weights now see another input (a speaker vector they were not trained "
        "with, or one they no longer get), so outputs change",
        hint="Check that old checkpoints were trained with this input; fine-tune if not.",
        examples=(
            RuleExample("models.py", _ENCODER, _CONDITIONED, flagged=True),
            RuleExample(
                "models.py",
                _ENCODER,
                _ENCODER.replace("self.encoder(x * x_mask, x_mask)", "self.encoder(x, x_mask)"),
                flagged=False,
            ),
        ),
    ),
)

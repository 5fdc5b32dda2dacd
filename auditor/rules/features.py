"""Rules for which layer of an encoder a model's features come from (``feature-layer``).

A content encoder is often cut short or read at one layer: ``del model.encoder.blocks[cut:]``,
``output_layer=9``, ``hidden_states[-3]``. The layer decides the features as much as the
encoder does; a model trained on one layer's features gets other inputs from another layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, FactKind, Severity
from auditor.rules.base import FactRater, Rule, RuleExample

#: Facts whose presence alone selects layers: layers deleted or sliced away. A read of one
#: layer's output (``hidden_states``, ``output_layer``) that appears or goes may only move.
_TRUNCATIONS = frozenset({"deleted", "blocks", "layers"})

_LOAD = (
    "import torch\nfrom whisper.model import Whisper\n\n\n"
    "def load_model(path):\n"
    "    model = Whisper(torch.load(path))\n"
    "    del model.decoder\n"
    "    return model\n"
)
_CUT = _LOAD.replace(
    "    return model\n",
    "    cut = len(model.encoder.blocks) // 4\n    del model.encoder.blocks[-cut:]\n"
    "    return model\n",
)
_BERT = (
    "def get_bert_feature(model, inputs):\n"
    "    res = model(**inputs, output_hidden_states=True)\n"
    '    return res["hidden_states"][-3:-2]\n'
)


@dataclass(frozen=True)
class FeatureLayerRule(Rule):
    """The layer features are taken from changed, or layers were cut from an encoder."""

    def applies(self, change: Change) -> bool:
        return change.fact_kind is FactKind.FEATURE_LAYER and change.kind in (
            ChangeKind.ADDED,
            ChangeKind.REMOVED,
            ChangeKind.MODIFIED,
        )

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        if change.kind is ChangeKind.MODIFIED or change.parameter in _TRUNCATIONS:
            return self.severity
        return Severity.MEDIUM


RULES = (
    FeatureLayerRule(
        id="MA118",
        slug="feature-layer",
        severity=Severity.HIGH,
        category=Category.INPUT_FEATURES,
        summary="The encoder layer that features are taken from changed, or layers were cut "
        "from an encoder.",
        why="features of another layer have other statistics, so a model trained on the old "
        "layer's features sees inputs it was not trained on",
        hint="Re-extract features at the new layer and retrain; keep the old layer to use old "
        "checkpoints.",
        examples=(
            RuleExample("whisper/inference.py", _LOAD, _CUT, flagged=True),
            RuleExample("text/bert.py", _BERT, _BERT.replace("[-3:-2]", "[-2:-1]"), True),
            RuleExample(
                "whisper/inference.py", _LOAD, _LOAD.replace("    del model.decoder\n", ""), False
            ),
            RuleExample("text/bert.py", _BERT, _BERT.replace("[-3:-2]", "[-3 : -2]"), False),
        ),
    ),
)

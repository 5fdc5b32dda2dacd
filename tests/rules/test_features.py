"""Which layer features come from: a change is high, a read that appears or goes medium."""

from __future__ import annotations

import pytest

from auditor.classify.classifier import Classifier
from auditor.domain import Change, ChangeKind, FactKind, FactValue
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules


def _change(kind: ChangeKind, key: str, old: FactValue, new: FactValue) -> Change:
    parameter = "deleted" if key.endswith(".deleted") else key.rsplit(".", 1)[-1]
    return Change(kind, FactKind.FEATURE_LAYER, "enc.py", key, parameter, old, new, 3)


@pytest.mark.parametrize(
    ("kind", "key", "old", "new", "severity"),
    [
        (ChangeKind.ADDED, "load_model.encoder.blocks.deleted", None, "[cut:]", "high"),
        (ChangeKind.REMOVED, "load_model.encoder.blocks.deleted", "[cut:]", None, "high"),
        (ChangeKind.ADDED, "Encoder.__init__.model.layers", None, "[:9]", "high"),
        (ChangeKind.MODIFIED, "get_bert_feature.hidden_states", "[-3:-2]", "[-2:-1]", "high"),
        (ChangeKind.MODIFIED, "forward.extract_features.output_layer", 9, 12, "high"),
        (ChangeKind.ADDED, "get_bert_feature.hidden_states", None, "[-3:-2]", "medium"),
        (ChangeKind.REMOVED, "forward.extract_features.output_layer", 9, None, "medium"),
    ],
)
def test_feature_layer_severities(
    kind: ChangeKind, key: str, old: FactValue, new: FactValue, severity: str
) -> None:
    found = Classifier(all_rules(), ProjectConfig()).classify(
        _change(kind, key, old, new), "a" * 40, "b" * 40
    )
    assert found is not None and (found.rule, found.severity.value) == ("MA118", severity)

"""A component added beside another, or one of several dropped, is not a swap."""

from __future__ import annotations

import pytest

from auditor.classify.classifier import Classifier
from auditor.domain import Change, ChangeKind, FactKind
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> Change:
    return Change(
        ChangeKind.MODIFIED,
        FactKind.ENCODER_IMPORT,
        "api.py",
        "component.vocoder",
        "vocoder",
        old,
        new,
        3,
    )


@pytest.mark.parametrize(
    ("old", "new", "rule", "severity"),
    [
        (("HiFiGAN",), ("BigVGAN", "HiFiGAN"), "MA114", "low"),
        (("BigVGAN", "HiFiGAN"), ("HiFiGAN",), "MA115", "low"),
        (("HiFiGAN",), ("BigVGAN",), "MA111", "high"),
        (("HiFiGAN", "NSF"), ("BigVGAN", "NSF"), "MA111", "high"),
    ],
)
def test_sets_of_components(
    old: tuple[str, ...], new: tuple[str, ...], rule: str, severity: str
) -> None:
    found = Classifier(all_rules(), ProjectConfig()).classify(_change(old, new), "a" * 40, None)
    assert found is not None and (found.rule, found.severity.value) == (rule, severity)

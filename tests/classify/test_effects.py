"""What a finding does to a checkpoint carried from its old side to its new side."""

from __future__ import annotations

import pytest

from auditor.classify.effects import Effect, Loads, effect_of
from auditor.domain import Category, ChangeKind, Confidence, Finding, Severity


def finding(
    rule: str,
    severity: Severity,
    category: Category,
    *,
    change: ChangeKind = ChangeKind.MODIFIED,
    file: str = "configs/base.json",
) -> Finding:
    return Finding(
        id=f"{rule}-1",
        rule=rule,
        change=change,
        commit="c" * 40,
        parent="p" * 40,
        file=file,
        line=1,
        severity=severity,
        confidence=Confidence.HIGH,
        category=category,
        parameter="p",
        key="model.p",
        old=1,
        new=2,
        message="m",
        hint="h",
    )


@pytest.mark.parametrize(
    ("found", "effect", "loads"),
    [
        (finding("MA101", Severity.CRITICAL, Category.TENSOR_SHAPE), Effect.SHAPE, Loads.NO),
        (finding("MA110", Severity.HIGH, Category.INPUT_FEATURES), Effect.INPUTS, Loads.NO),
        (
            finding("MA503", Severity.HIGH, Category.STATE_DICT_KEYS),
            Effect.SHAPE,
            Loads.NO,
        ),
        (
            finding("MA501", Severity.MEDIUM, Category.STATE_DICT_KEYS),
            Effect.MISSING_KEYS,
            Loads.NON_STRICT,
        ),
        (
            finding("MA502", Severity.MEDIUM, Category.STATE_DICT_KEYS),
            Effect.UNEXPECTED_KEYS,
            Loads.NON_STRICT,
        ),
        (
            finding("MA120", Severity.MEDIUM, Category.STATE_DICT_KEYS),
            Effect.KEYS,
            Loads.NON_STRICT,
        ),
        (finding("MA302", Severity.MEDIUM, Category.CONFIG_FILE), Effect.VARIANT, Loads.YES),
        (finding("MA201", Severity.LOW, Category.DEPENDENCY), Effect.CONTEXT, Loads.YES),
        (
            finding(
                "MA302",
                Severity.LOW,
                Category.CONFIG_FILE,
                change=ChangeKind.FILE_REMOVED,
                file="module/models.py",
            ),
            Effect.MODEL_MISSING,
            Loads.NO,
        ),
    ],
)
def test_effect_and_what_it_means_for_loading(found: Finding, effect: Effect, loads: Loads) -> None:
    assert effect_of(found) is effect
    assert effect.loads is loads


@pytest.mark.parametrize(
    "found",
    [
        finding("MA900", Severity.INFO, Category.TRAINING),
        finding("MA401", Severity.CRITICAL, Category.NEW_VARIANT),
    ],
)
def test_info_and_new_variant_details_do_nothing_to_loading(found: Finding) -> None:
    assert effect_of(found) is None


def test_loads_rank_orders_outcomes_from_best_to_worst() -> None:
    assert [Loads.YES.rank, Loads.NON_STRICT.rank, Loads.NO.rank] == [0, 1, 2]

"""Parameter rules read from data files (``*.yaml`` beside this module)."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml

from auditor.domain import Category, ChangeKind, Confidence, FactKind, Severity
from auditor.rules.base import ParameterRule, RuleExample, normalise_name


def _examples(entry: dict[str, Any]) -> tuple[RuleExample, ...]:
    examples = entry.get("examples") or {}
    found: list[RuleExample] = []
    for flagged, group in ((True, "flag"), (False, "ignore")):
        for example in examples.get(group) or ():
            found.append(
                RuleExample(example["file"], example.get("old"), example.get("new"), flagged)
            )
    return tuple(found)


def parameter_rule(entry: dict[str, Any]) -> ParameterRule:
    """Build one rule from a catalogue entry."""
    return ParameterRule(
        id=entry["id"],
        slug=entry["slug"],
        severity=Severity(entry["severity"]),
        category=Category(entry["category"]),
        summary=entry["summary"],
        why=entry["why"],
        hint=entry["hint"],
        confidence=Confidence(entry.get("confidence", "medium")),
        examples=_examples(entry),
        parameters=frozenset(normalise_name(name) for name in entry.get("parameters", ())),
        patterns=tuple(re.compile(pattern) for pattern in entry.get("patterns", ())),
        fact_kinds=frozenset(FactKind(kind) for kind in entry.get("fact_kinds", ("config",))),
        change_kinds=frozenset(
            ChangeKind(kind) for kind in entry.get("change_kinds", ("added", "removed", "modified"))
        ),
        worded=tuple(
            (
                frozenset(normalise_name(name) for name in item["parameters"]),
                item["why"],
                item["hint"],
            )
            for item in entry.get("worded", ())
        ),
    )


def load_catalogue_rules() -> tuple[ParameterRule, ...]:
    """Every rule of every ``*.yaml`` data file in this package, in file order."""
    rules: list[ParameterRule] = []
    package = resources.files("auditor.rules")
    for item in sorted(package.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".yaml"):
            for entry in yaml.safe_load(item.read_text(encoding="utf-8")) or ():
                rules.append(parameter_rule(entry))
    return tuple(rules)

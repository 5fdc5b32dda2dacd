"""Every example of every rule: the flagged ones must yield the rule, the others must not."""

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.classify.classifier import Classifier
from auditor.diff.code_changes import refine_code_changes
from auditor.diff.facts import diff_facts, file_change
from auditor.domain import Change, ChangeKind, Fact
from auditor.extract.python import resolve_python_facts, summarise_module
from auditor.extract.selection import extractor_for
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules
from auditor.rules.base import Rule, RuleExample
from auditor.rules.catalogue_doc import catalogue_markdown
from auditor.rules.runtime import RuntimeRule

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{'flag' if example.flagged else 'ignore'}-{n}")
    for rule in all_rules()
    for n, example in enumerate(rule.examples)
]


def facts_of(path: str, text: str) -> tuple[Fact, ...]:
    if path.endswith(".py"):
        return resolve_python_facts(path, {path: summarise_module(text.encode("utf-8"))})
    extractor = extractor_for(path)
    assert extractor is not None, f"no extractor for example file {path}"
    facts = extractor.extract(text.encode("utf-8"))
    assert facts.parsed, facts.error
    return facts.facts


def changes_of(example: RuleExample) -> list[Change]:
    if example.old is None:
        assert example.new is not None
        new = facts_of(example.file, example.new)
        added = [file_change(ChangeKind.FILE_ADDED, example.file, new)]
        if example.sibling is None:
            return added
        variant = diff_facts(facts_of(example.file, example.sibling), new, file=example.file)
        return added + [replace(c, variant_of="sibling", old_file="sibling") for c in variant]
    if example.new is None:
        return [
            file_change(ChangeKind.FILE_REMOVED, example.file, facts_of(example.file, example.old))
        ]
    old = facts_of(example.file, example.old)
    changes = diff_facts(old, facts_of(example.file, example.new), file=example.file)
    # Python changes are refined as an audit refines them (renames paired, implied dropped).
    return refine_code_changes(changes) if example.file.endswith(".py") else changes


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule: Rule, example: RuleExample) -> None:
    findings = Classifier(all_rules(), ProjectConfig()).classify_all(
        changes_of(example), "0" * 40, None
    )
    fired = [f for f in findings if f.rule == rule.id]
    if example.flagged:
        assert fired, f"{rule.id} should flag {example}"
    else:
        assert not fired, f"{rule.id} should ignore {example}: {fired}"


def test_every_rule_has_a_flag_and_an_ignore_example() -> None:
    """Static rules have file versions as examples; runtime rules (``tests/rules/
    test_runtime.py``) have runtime results instead, and no file versions."""
    for rule in all_rules():
        if isinstance(rule, RuntimeRule):
            assert rule.examples == (), rule.id
            kinds = {example.flagged for example in rule.runtime_examples}
        else:
            kinds = {example.flagged for example in rule.examples}
        assert kinds == {True, False}, rule.id


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in all_rules()]
    assert len(ids) == len(set(ids))
    assert all(len(i) == 5 and i.startswith("MA") and i[2:].isdigit() for i in ids)


def test_generated_catalogue_is_current() -> None:
    """docs/rules.md is generated: run `make docs` after changing a rule."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == catalogue_markdown(all_rules()), (
        "docs/rules.md is out of date: run `make docs`"
    )

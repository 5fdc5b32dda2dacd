"""MA123 (checkpoint header): which changes of how checkpoints are written it claims."""

from __future__ import annotations

from auditor.classify.classifier import Classifier
from auditor.classify.effects import Effect, effect_of
from auditor.domain import Change, ChangeKind, FactKind
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules, rule_by_id

KEY = "my_save2.header"


def change(old: object, new: object, kind: ChangeKind = ChangeKind.MODIFIED) -> Change:
    return Change(
        kind, FactKind.CHECKPOINT_FORMAT, "process_ckpt.py", KEY, "checkpoint header", old, new, 31
    )  # type: ignore[arg-type]


def test_a_tag_written_anew_or_another_literal_tag() -> None:
    rule = rule_by_id("MA123")
    assert rule is not None and rule.severity.value == "medium"
    assert rule.applies(change(None, ("03",), ChangeKind.ADDED))
    assert rule.applies(change(("03",), ("04",)))
    assert not rule.applies(change(("03",), ("<2 bytes>",)))  # the same header, chosen later
    assert not rule.applies(change(("03",), None, ChangeKind.REMOVED))


def test_no_other_rule_claims_a_header_no_longer_written_and_old_files_still_load() -> None:
    classifier = Classifier(all_rules(), ProjectConfig())
    assert (
        classifier.classify(change(("03",), None, ChangeKind.REMOVED), "a" * 40, "b" * 40) is None
    )
    finding = classifier.classify(change(None, ("03",), ChangeKind.ADDED), "a" * 40, "b" * 40)
    assert finding is not None and finding.rule == "MA123"
    assert effect_of(finding) is Effect.CONTEXT

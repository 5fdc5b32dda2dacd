"""MA121 (concatenation order) and MA122 (submodule inputs): which changes they claim."""

from __future__ import annotations

from auditor.classify.classifier import Classifier
from auditor.domain import Change, ChangeKind, FactKind
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules, rule_by_id

CAT = "Generator.forward.cat[0]"
KEYWORDS = "TextEncoder.forward.self.encoder.keywords"


def change(key: str, old: object, new: object, kind: ChangeKind = ChangeKind.MODIFIED) -> Change:
    return Change(kind, FactKind.FORWARD_INPUT, "models.py", key, "cat", old, new, 9)  # type: ignore[arg-type]


def test_the_same_operands_in_another_order() -> None:
    rule = rule_by_id("MA121")
    assert rule is not None and rule.severity.value == "high"
    assert rule.applies(change(CAT, ("x", "mel"), ("mel", "x")))
    assert not rule.applies(change(CAT, ("x", "mel"), ("x", "mel_norm")))  # renamed operand
    assert not rule.applies(change(CAT, ("x", "mel"), ("x", "mel", "f0")))  # another input
    assert not rule.applies(change(CAT, None, ("x", "mel"), ChangeKind.ADDED))
    assert not rule.applies(change(KEYWORDS, ("a", "b"), ("b", "a")))


def test_a_submodule_with_other_keyword_inputs() -> None:
    rule = rule_by_id("MA122")
    assert rule is not None and rule.severity.value == "medium"
    assert rule.applies(change(KEYWORDS, (), ("g",)))
    assert rule.applies(change(KEYWORDS, ("g",), ()))
    assert not rule.applies(change(KEYWORDS, ("g",), ("g",)))
    assert not rule.applies(change(CAT, ("x",), ("g",)))


def test_a_forward_input_added_or_removed_is_no_finding() -> None:
    """The call of a renamed or new submodule is that submodule's change, said once."""
    classifier = Classifier(all_rules(), ProjectConfig())
    added = change(KEYWORDS, None, ("g",), ChangeKind.ADDED)
    assert classifier.classify(added, "a" * 40, "b" * 40) is None
    assert classifier.classify(change(CAT, ("x", "y"), ("x", "z")), "a" * 40, "b" * 40) is None

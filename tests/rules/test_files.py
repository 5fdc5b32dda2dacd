"""Whole files added or removed: one finding per file, worded for a config or a module."""

from __future__ import annotations

from dataclasses import replace

from auditor.diff.facts import file_change
from auditor.domain import Change, ChangeKind, Fact, FactKind, Severity
from auditor.rules import rule_by_id
from auditor.rules.files import FileRule

WIDTH = Fact(FactKind.CONFIG, "model.hidden_channels", "hidden_channels", 192, 1)
EPOCHS = Fact(FactKind.CONFIG, "train.epochs", "epochs", 100, 2)
CLASS = Fact(FactKind.SUBMODULE, "Net.__init__.self.proj", "proj", "torch.nn.Linear", 7)


def file_rule(rule_id: str) -> FileRule:
    rule = rule_by_id(rule_id)
    assert isinstance(rule, FileRule)
    return rule


def rate(fact: Fact) -> Severity:
    return Severity.INFO if fact.parameter == "epochs" else Severity.CRITICAL


def test_a_file_holding_a_model_fact_gets_the_rules_severity() -> None:
    added = file_rule("MA301")
    assert added.severity_of(file_change(ChangeKind.FILE_ADDED, "c.json", [WIDTH]), rate) is (
        Severity.LOW
    )
    assert added.severity_of(file_change(ChangeKind.FILE_ADDED, "c.json", [EPOCHS]), rate) is (
        Severity.INFO
    )


def test_only_its_own_kind_of_change_applies() -> None:
    added, removed = file_rule("MA301"), file_rule("MA302")
    change = file_change(ChangeKind.FILE_REMOVED, "configs/s2.json", [WIDTH])
    assert removed.applies(change) and not added.applies(change)


def test_a_config_and_a_python_module_are_worded_apart() -> None:
    added, removed = file_rule("MA301"), file_rule("MA302")
    config = file_change(ChangeKind.FILE_ADDED, "configs/s2v2.json", [WIDTH])
    module = file_change(ChangeKind.FILE_ADDED, "module/models_v3.py", [CLASS])
    assert "config" in added.why_of(config)
    assert added.why_of(module).startswith("a new model module")
    assert "config" not in added.why_of(module)
    gone = file_change(ChangeKind.FILE_REMOVED, "module/models_v3.py", [CLASS])
    assert removed.why_of(gone).startswith("checkpoints of the models this module defined")
    assert removed.why_of(file_change(ChangeKind.FILE_REMOVED, "s2.json", [WIDTH])) == removed.why


def test_what_to_do_about_a_python_module_names_no_config() -> None:
    added, removed = file_rule("MA301"), file_rule("MA302")
    module = file_change(ChangeKind.FILE_ADDED, "module/models_v3.py", [CLASS])
    gone = file_change(ChangeKind.FILE_REMOVED, "module/models_v3.py", [CLASS])
    config = file_change(ChangeKind.FILE_REMOVED, "configs/s2.json", [WIDTH])
    assert added.hint_of(module) == (
        "Check which model the new module builds and ship it with its checkpoints."
    )
    assert "config" not in removed.hint_of(gone) and "last release" in removed.hint_of(gone)
    assert removed.hint_of(config) == removed.hint


def test_a_parameter_rule_words_some_parameters_its_own_way() -> None:
    swap = rule_by_id("MA111")
    vocoder = Change(
        ChangeKind.MODIFIED, FactKind.CONFIG, "configs/s2.json", "model.vocoder", "vocoder",
        "hifigan", "bigvgan",
    )  # fmt: skip
    content = replace(vocoder, key="model.content_module", parameter="content_module")
    assert "vocoder" in swap.why_of(vocoder) and "content features" not in swap.hint_of(vocoder)
    assert (swap.why_of(content), swap.hint_of(content)) == (swap.why, swap.hint)

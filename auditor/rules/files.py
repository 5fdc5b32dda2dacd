"""Rules for whole config files added or removed, and for changes no other rule knows."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, Confidence, FactKind, Severity
from auditor.rules.base import FALLBACK, FactRater, Rule, RuleExample

_S2 = '{"model": {"hidden_channels": 192, "gin_channels": 512}}'
_LOCALE = '{"Start": "Start", "Stop": "Stop"}'


@dataclass(frozen=True)
class FileRule(Rule):
    """A config or dependency file appeared or disappeared: one finding for the file.

    The severity is the rule's own when the file holds a fact rated ``medium`` or worse
    (a model config), and ``info`` otherwise.
    """

    change_kind: ChangeKind = ChangeKind.FILE_ADDED
    #: What ``why`` and ``hint`` say of a Python module (model code rather than a config).
    why_module: str = ""
    hint_module: str = ""

    def applies(self, change: Change) -> bool:
        return change.kind is self.change_kind

    def why_of(self, change: Change) -> str:
        return self.why_module if self.why_module and change.file.endswith(".py") else self.why

    def hint_of(self, change: Change) -> str:
        return self.hint_module if self.hint_module and change.file.endswith(".py") else self.hint

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        if any(rate(fact).rank >= Severity.MEDIUM.rank for fact in change.facts):
            return self.severity
        return Severity.INFO


@dataclass(frozen=True)
class FallbackRule(Rule):
    """Any change of a fact of one kind that no other rule classified."""

    fact_kind: FactKind = FactKind.CONFIG

    def applies(self, change: Change) -> bool:
        return change.kind not in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED) and (
            change.fact_kind is self.fact_kind
        )


RULES = (
    FileRule(
        id="MA301",
        slug="config-file-added",
        severity=Severity.LOW,
        category=Category.CONFIG_FILE,
        summary="A config file that defines model parameters was added.",
        why="a new model config usually means a new model variant; checkpoints of the "
        "existing variants are unaffected, but new checkpoints need this config",
        hint="Check which model the new config builds and ship it with its checkpoints.",
        change_kind=ChangeKind.FILE_ADDED,
        why_module="a new model module usually means a new model or variant; checkpoints of "
        "the existing ones are unaffected unless their code now imports it",
        hint_module="Check which model the new module builds and ship it with its checkpoints.",
        examples=(
            RuleExample("configs/s2v2.json", None, _S2, flagged=True),
            RuleExample("i18n_extra/ui.json", _S2, _S2, flagged=False),
        ),
    ),
    FileRule(
        id="MA302",
        slug="config-file-removed",
        severity=Severity.MEDIUM,
        category=Category.CONFIG_FILE,
        summary="A config file that defined model parameters was removed.",
        why="checkpoints trained with this config can no longer be rebuilt from the repository",
        hint="Keep a copy of the removed config next to checkpoints trained with it.",
        change_kind=ChangeKind.FILE_REMOVED,
        why_module="checkpoints of the models this module defined can no longer be built from "
        "the repository",
        hint_module="Build checkpoints trained with the removed module from the last release "
        "that has it, or keep a copy of the module with them.",
        examples=(
            RuleExample("configs/s2.json", _S2, None, flagged=True),
            RuleExample("configs/s2.json", _S2, _S2, flagged=False),
        ),
    ),
    FallbackRule(
        id="MA901",
        slug="other-dependency",
        severity=Severity.INFO,
        category=Category.DEPENDENCY,
        summary="A dependency outside the model stack changed.",
        why="it is not known to affect how checkpoints load",
        hint="None needed for checkpoints.",
        confidence=Confidence.LOW,
        precedence=FALLBACK,
        fact_kind=FactKind.DEPENDENCY,
        examples=(
            RuleExample("requirements.txt", "gradio==3.38\n", "gradio==4.44\n", flagged=True),
            RuleExample("requirements.txt", "torch==2.1.0\n", "torch==2.3.0\n", flagged=False),
        ),
    ),
    FallbackRule(
        id="MA999",
        slug="other-config-change",
        severity=Severity.INFO,
        category=Category.OTHER,
        summary="A config value changed that no rule knows to affect checkpoints.",
        why="no rule knows this parameter; it is listed for review",
        hint="If it does shape the model, declare it under `parameters` in .model-audit.yaml.",
        confidence=Confidence.LOW,
        precedence=FALLBACK,
        fact_kind=FactKind.CONFIG,
        examples=(
            RuleExample(
                "configs/s2.json", '{"data": {"exp_dir": "a"}}', '{"data": {"exp_dir": "b"}}', True
            ),
            RuleExample(
                "configs/s2.json",
                '{"model": {"gin_channels": 1}}',
                '{"model": {"gin_channels": 2}}',
                False,
            ),
        ),
    ),
)

"""Turn changes into findings: the first rule that applies decides, project settings adjust."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from auditor.domain import (
    Category,
    Change,
    ChangeKind,
    Fact,
    FactKind,
    Finding,
    Severity,
)
from auditor.project_config import ProjectConfig
from auditor.rules.base import ParameterRule, Rule, normalise_name
from auditor.wording import listed, value_text, what_changed

#: The most a change in a commit without a parent is rated: it adds what it holds.
FIRST_COMMIT_CAP = Severity.LOW

_CATEGORY_BY_SEVERITY = {
    Severity.CRITICAL: Category.TENSOR_SHAPE,
    Severity.HIGH: Category.INPUT_FEATURES,
    Severity.MEDIUM: Category.STATE_DICT_KEYS,
    Severity.LOW: Category.OTHER,
    Severity.INFO: Category.OTHER,
}


def project_parameter_rules(parameters: dict[str, Severity]) -> tuple[ParameterRule, ...]:
    """Rule MA100, once per severity, for the parameters a project declares itself."""
    rules = []
    for severity in Severity:
        names = frozenset(normalise_name(n) for n, s in parameters.items() if s is severity)
        if names:
            rules.append(
                ParameterRule(
                    id="MA100",
                    slug="project-parameter",
                    severity=severity,
                    category=_CATEGORY_BY_SEVERITY[severity],
                    summary="A parameter the project's configuration declares changed.",
                    why="the project's .model-audit.yaml declares it as affecting checkpoints",
                    hint="See the project's own notes on this parameter.",
                    parameters=names,
                    fact_kinds=frozenset(FactKind),
                )
            )
    return tuple(rules)


def describe(change: Change) -> str:
    """What changed, in a few words (``model.gin_channels: 512 → 1024``); a change in a file
    moved since the old side names where the file was (``… (file moved from configs/s2.json)``),
    a component added the files that import it (``… (imported by webui.py)``)."""
    what = what_changed(
        change.kind,
        change.key,
        change.old,
        change.new,
        files=(change.file,),
        values=len(change.facts),
    )
    if change.old_file and change.variant_of is None and change.old_file != change.file:
        return f"{what} (file moved from {change.old_file})"
    if change.used_by:
        return f"{what} (imported by {listed(list(change.used_by))})"
    return what


def finding_id(rule: str, commit: str, change: Change) -> str:
    """A stable fingerprint: the same change in the same commit has the same id on every run."""
    material = "\0".join(
        (rule, commit, change.file, change.key, value_text(change.old), value_text(change.new))
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


class Classifier:
    """Classifies changes with a rule set and a project's settings."""

    def __init__(self, rules: Sequence[Rule], config: ProjectConfig) -> None:
        declared = project_parameter_rules(dict(config.parameters))
        own = config.components
        ordered = sorted((r.for_project(own) for r in rules), key=lambda rule: rule.precedence)
        first = [rule for rule in ordered if rule.precedence < 1]
        rest = [rule for rule in ordered if rule.precedence >= 1]
        self._rules: tuple[Rule, ...] = (*first, *declared, *rest)
        self._config = config

    def rule_for(self, change: Change) -> Rule | None:
        """The first rule that applies (disabled rules still claim their changes)."""
        return next((rule for rule in self._rules if rule.applies(change)), None)

    def rate(self, fact: Fact) -> Severity:
        """The severity a change of this fact would get."""
        probe = Change(ChangeKind.MODIFIED, fact.kind, "", fact.key, fact.parameter)
        rule = self.rule_for(probe)
        return self._severity(rule, probe) if rule else Severity.INFO

    def _severity(self, rule: Rule, change: Change) -> Severity:
        return self._config.severity.get(rule.id) or rule.severity_of(change, self.rate)

    def classify(self, change: Change, commit: str, parent: str | None) -> Finding | None:
        """The finding for ``change`` in ``commit``, or None when no enabled rule applies."""
        rule = self.rule_for(change)
        if rule is None or rule.id in self._config.disabled:
            return None
        severity = self._severity(rule, change)
        why = rule.why_of(change)
        if parent is None and severity.rank > FIRST_COMMIT_CAP.rank:
            # a commit with no parent (the root, or the edge of a shallow history) has no
            # earlier checkpoint that could stop loading
            severity = FIRST_COMMIT_CAP
            why = f"{why} (no earlier revision: nothing trained before it can break)"
        return Finding(
            id=finding_id(rule.id, commit, change),
            rule=rule.id,
            change=change.kind,
            commit=commit,
            parent=parent,
            file=change.file,
            line=change.line,
            severity=severity,
            confidence=rule.confidence,
            category=rule.category,
            parameter=change.parameter,
            key=change.key,
            old=change.old,
            new=change.new,
            message=f"{describe(change)}: {why}.",
            hint=rule.hint_of(change),
        )

    def adjust(self, finding: Finding) -> Finding | None:
        """A finding made without a source change (by runtime confirmation) under the
        project's settings: None when its rule is disabled, else with the severity the
        project gives that rule."""
        if finding.rule in self._config.disabled:
            return None
        severity = self._config.severity.get(finding.rule, finding.severity)
        return finding if severity is finding.severity else replace(finding, severity=severity)

    def classify_all(
        self, changes: Iterable[Change], commit: str, parent: str | None
    ) -> list[Finding]:
        """Findings for every change that an enabled rule classifies, in change order."""
        found = (self.classify(change, commit, parent) for change in changes)
        return [finding for finding in found if finding is not None]

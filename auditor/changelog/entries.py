"""Grouping a release's findings into entries people read as one change.

- The findings of one key in one file form a chain, in walk order: 512 → 768 → 1024 is one
  entry 512 → 1024 listing both commits.
- A finding that repeats a transition the chain already holds, without continuing it (a
  merge commit compared with its first parent repeats its branch), adds its commit only.
- A chain whose net old value equals its net new value (changed, then changed back) is no
  change of the release: it has no entry at all.
- Chains of the same rule, key and net values in different files (a config and its mirror
  copy) are one entry listing every location; so are files added (or removed) by the same
  commits under the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditor.changelog.contents import Entry, Location, Scope, Section
from auditor.changelog.verdicts import variant_only
from auditor.classify.classifier import describe
from auditor.classify.effects import Effect, Loads, effect_of
from auditor.domain import (
    Change,
    ChangeKind,
    Commit,
    FactKind,
    FactValue,
    Finding,
    Severity,
)
from auditor.wording import listed, value_text

_FILE_LEVEL = (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED)
_FILE_PREFIX = re.compile(r"^.+ (?:added|removed) \(\d+ values?\): ")
#: What a finding's message says between "what changed" and why, for a file that moved.
_MOVED = re.compile(r"^ \(file moved from [^)]*\)")
#: ... and for a component others import: said after why.
_USED_BY = re.compile(r"^ \(imported by ([^)]*)\)")


def reason_of(finding: Finding) -> str:
    """Why a finding breaks checkpoints: its message without the "what changed" prefix."""
    if finding.change in _FILE_LEVEL:
        return _FILE_PREFIX.sub("", finding.message, count=1)
    change = Change(
        finding.change,
        FactKind.CONFIG,
        finding.file,
        finding.key,
        finding.parameter,
        finding.old,
        finding.new,
    )
    prefix = describe(change)
    if not finding.message.startswith(prefix):
        return finding.message
    rest = _MOVED.sub("", finding.message[len(prefix) :], count=1)
    users = _USED_BY.match(rest)
    if users is not None:
        why = rest[users.end() :].removeprefix(": ")
        return f"{why} Imported by {users.group(1)}."
    return rest.removeprefix(": ")


def _same(a: FactValue, b: FactValue) -> bool:
    """Equal as users read them (``true`` is not ``1``)."""
    return value_text(a) == value_text(b)


@dataclass
class _Chain:
    """The findings of one key in one file, in walk order."""

    first: int
    steps: list[Finding]
    old: FactValue
    new: FactValue
    commits: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def repeats(self, finding: Finding) -> bool:
        if _same(finding.old, self.new):
            return False
        transitions = [(self.old, self.new)] + [(s.old, s.new) for s in self.steps]
        return any(_same(finding.old, o) and _same(finding.new, n) for o, n in transitions)

    def add(self, finding: Finding) -> None:
        if not self.repeats(finding):
            self.steps.append(finding)
            self.new = finding.new
        if finding.commit not in self.commits:
            self.commits.append(finding.commit)
        self.ids.append(finding.id)

    def unchanged(self) -> bool:
        """Whether the release leaves this key (or file) as it found it."""
        first, last = self.steps[0].change, self.steps[-1].change
        if first in _FILE_LEVEL:
            return (first is ChangeKind.FILE_REMOVED) == (last is ChangeKind.FILE_ADDED)
        return _same(self.old, self.new)

    def kind(self) -> ChangeKind:
        first, last = self.steps[0].change, self.steps[-1].change
        if first in _FILE_LEVEL or len(self.steps) == 1:
            return last
        if first is ChangeKind.ADDED and self.old is None:
            return ChangeKind.ADDED
        if last is ChangeKind.REMOVED and self.new is None:
            return ChangeKind.REMOVED
        return ChangeKind.MODIFIED

    def worst(self) -> Finding:
        """The most severe step (the latest of equals): it names the rule, reason and hint."""
        return max(reversed(self.steps), key=lambda f: f.severity.rank)


def _chains(findings: Iterable[Finding]) -> list[_Chain]:
    chains: dict[tuple[str, str], _Chain] = {}
    for index, finding in enumerate(findings):
        slot = (finding.file, finding.key)
        chain = chains.get(slot)
        if chain is None:
            chains[slot] = _Chain(
                index, [finding], finding.old, finding.new, [finding.commit], [finding.id]
            )
        else:
            chain.add(finding)
    return [chain for chain in chains.values() if not chain.unchanged()]


def _commit(sha: str, commits: Mapping[str, Commit]) -> Commit:
    return commits.get(sha) or Commit(sha=sha, parent=None, date="", author="", subject="")


def group_findings(findings: Iterable[Finding], commits: Mapping[str, Commit]) -> tuple[Entry, ...]:
    """The entries of a release's findings (given in walk order), most severe first."""
    findings = list(findings)
    chains = _chains(findings)
    order = {sha: i for i, sha in enumerate(dict.fromkeys(f.commit for f in findings))}
    groups: dict[tuple[object, ...], list[_Chain]] = {}
    for chain in chains:
        worst, kind = chain.worst(), chain.kind()
        if kind in _FILE_LEVEL:
            slot: tuple[object, ...] = (worst.rule, kind, tuple(chain.commits))
        else:
            slot = (worst.rule, worst.key, kind, value_text(chain.old), value_text(chain.new))
        groups.setdefault(slot, []).append(chain)
    entries: list[tuple[int, Entry]] = []
    for group in groups.values():
        lead = group[0]
        worst = max((c.worst() for c in group), key=lambda f: f.severity.rank)
        shas = sorted({sha for c in group for sha in c.commits}, key=order.__getitem__)
        entry = Entry(
            severity=worst.severity,
            rule=worst.rule,
            category=worst.category,
            change=lead.kind(),
            parameter=worst.parameter,
            key=worst.key,
            old=lead.old,
            new=lead.new,
            reason=reason_of(worst),
            hint=worst.hint,
            locations=tuple(
                dict.fromkeys(Location(c.steps[-1].file, c.steps[-1].line) for c in group)
            ),
            commits=tuple(_commit(sha, commits) for sha in shas),
            finding_ids=tuple(i for c in group for i in c.ids),
            effect=effect_of(worst),
        )
        entries.append((min(c.first for c in group), entry))
    entries.sort(key=lambda pair: (-pair[1].severity.rank, pair[0]))
    return tuple(entry for _, entry in entries)


def _breaking(section: Section, severity: Severity) -> int:
    return sum(
        1
        for entry in section.entries
        if entry.severity is severity
        and not variant_only(entry)
        and entry.scope is Scope.CHECKPOINT
    )


def verdict(section: Section) -> tuple[bool, str]:
    """Whether checkpoints of the previous release load, and the one-line answer; an answer
    that rests on an incomplete audit says so."""
    loads, answer = _verdict(section)
    if section.incomplete:
        count = len(section.warnings)
        answer += f" (incomplete audit: {count} warning{'' if count == 1 else 's'})"
    return loads, answer


def _verdict(section: Section) -> tuple[bool, str]:
    """Whether checkpoints of the previous release load, and the one-line answer.

    Entries about a new variant config (a new file compared with its sibling) describe the
    new model, not a change to the existing ones, so they do not count here; nor do entries
    outside the checkpoint scope (inference and export code, tools).
    """
    if section.baseline:
        return True, "the first release of this history"
    variants = [
        e
        for e in section.entries
        if variant_only(e) and e.severity.rank >= Severity.LOW.rank and e.scope is Scope.CHECKPOINT
    ]
    aside = f" (new variants: {len(variants)} difference{'' if len(variants) == 1 else 's'})"
    aside = aside if variants else ""
    critical = _breaking(section, Severity.CRITICAL)
    if critical:
        return False, f"no — {critical} critical change{'' if critical == 1 else 's'}{aside}"
    gone = [
        m.model
        for m in section.models
        if m.loads is Loads.NO and m.first is not None and m.first.effect is Effect.MODEL_MISSING
    ]
    if gone:
        return False, f"no — the code of the {listed(gone)} is gone{aside}"
    caveats = [(_breaking(section, s), s.value) for s in (Severity.HIGH, Severity.MEDIUM)]
    shown = [f"{count} {name}" for count, name in caveats if count]
    if not shown:
        return True, f"yes{aside}"
    total = sum(count for count, _ in caveats)
    plural = "" if total == 1 else "s"
    return True, f"yes, but review {' and '.join(shown)} change{plural}{aside}"

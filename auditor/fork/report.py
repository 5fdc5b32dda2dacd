"""The data of a fork audit: both sides since the merge-base, the net difference, verdicts.

Pure data: frozen dataclasses and ``str`` enums whose values are the words users see.
Nothing here does I/O or rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from auditor.classify.effects import Effect, Loads
from auditor.domain import AuditWarning, FactValue, Finding, Report, Severity


class Direction(str, Enum):
    """Which way a checkpoint travels: saved on one tip, loaded on the other."""

    UPSTREAM_INTO_FORK = "upstream-into-fork"
    FORK_INTO_UPSTREAM = "fork-into-upstream"
    BOTH = "both"

    def covers(self, other: Direction) -> bool:
        """Whether a reason in this direction applies to direction ``other``."""
        return self is Direction.BOTH or self is other


@dataclass(frozen=True)
class Reason:
    """One difference between the tips that decides (or qualifies) a verdict.

    ``upstream`` and ``fork`` are the values at the two tips; ``keys`` are the state-dict
    key patterns involved (``sv_emb.*``) for key effects; ``fork_commit`` and
    ``upstream_commit`` are the commits that set each side's value since the merge-base.
    """

    direction: Direction
    effect: Effect
    severity: Severity
    rule: str
    file: str
    key: str
    upstream: FactValue
    fork: FactValue
    message: str
    keys: tuple[str, ...] = ()
    fork_commit: str | None = None
    upstream_commit: str | None = None


@dataclass(frozen=True)
class RuntimeCheck:
    """What runtime confirmation saw for one direction of one model."""

    outcome: str
    missing_keys: tuple[str, ...] = ()
    unexpected_keys: tuple[str, ...] = ()
    mismatched_keys: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether checkpoints of one model load across the two tips, each way, and why."""

    model: str
    upstream_into_fork: Loads
    fork_into_upstream: Loads
    reasons: tuple[Reason, ...] = ()
    #: ``static`` (from the findings) or ``runtime`` (built and loaded with ``--confirm``).
    decided_by: str = "static"
    #: The runtime checks behind a ``runtime`` decision: upstream into fork, fork into upstream.
    runtime: tuple[RuntimeCheck, RuntimeCheck] | None = None
    #: ``(file, key)`` of the differences left out because the model builds neither side of
    #: them (a class or submodule its top classes never build), sorted.
    unbuilt: tuple[tuple[str, str], ...] = ()

    @property
    def compatible(self) -> bool:
        return self.upstream_into_fork is Loads.YES and self.fork_into_upstream is Loads.YES


@dataclass(frozen=True)
class ForkSide:
    """One tip and what its side changed since the merge-base.

    ``label`` is the tip as given; ``commits_ahead`` counts the commits this tip has and the
    other lacks; ``report`` is the audit of merge-base..tip (empty without a merge-base).
    """

    label: str
    tip: str
    date: str
    commits_ahead: int
    report: Report


@dataclass(frozen=True)
class ForkReport:
    """The audit of a fork against its upstream."""

    repository: str
    upstream_spec: str
    merge_base: str | None
    merge_base_date: str | None
    fork: ForkSide
    upstream: ForkSide
    #: The findings between the tips, upstream's tip as old and the fork's as new.
    net: tuple[Finding, ...]
    verdicts: tuple[Verdict, ...]
    warnings: tuple[AuditWarning, ...] = ()

    @property
    def related(self) -> bool:
        """Whether the fork shares history with upstream (else tips are compared directly)."""
        return self.merge_base is not None

    def compatible(self) -> bool:
        """Whether every model's checkpoints load both ways without reservation."""
        return all(verdict.compatible for verdict in self.verdicts)


def max_severity(findings: tuple[Finding, ...]) -> Severity | None:
    """The worst severity among FINDINGS, or None when there are none."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)


@dataclass(frozen=True)
class ForkRow:
    """One fork of a many-fork comparison: its report, or why it could not be audited."""

    fork: str
    report: ForkReport | None = None
    error: str | None = None


@dataclass(frozen=True)
class ForkTable:
    """What ``model-audit forks`` writes: one row per fork audited against UPSTREAM."""

    upstream: str
    rows: tuple[ForkRow, ...]

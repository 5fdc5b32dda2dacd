"""``identify``: which model a checkpoint is, which generation, and which releases load it.

Read safely (:func:`~auditor.checkpoints.read_checkpoint`), the file says what it can on its
own: its layout (project, model, generation: :mod:`.layout`), its digests, its audio front
end, and what ``torch.load(weights_only=True)`` refuses in it. Given a repository, its
releases' models are built and the checkpoint checked against each (:mod:`.releases`): the
model it belongs to, the runs of releases that load it, and the commit of each break.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from auditor.checkpoints import Checkpoint, read_checkpoint
from auditor.checkpoints.results import CheckResult
from auditor.pipeline import AuditOptions
from auditor.provenance.checker import Building, Checker
from auditor.provenance.digest import file_sha256, keys_digest
from auditor.provenance.front_end import FrontEndValue, front_end
from auditor.provenance.layout import Layout, read_layout
from auditor.provenance.releases import (
    MAX_BISECTS,
    MAX_RELEASES,
    Break,
    ReleaseCheck,
    Run,
    Status,
    check_releases,
    find_breaks,
    release_points,
    runs,
    trial_line,
)
from auditor.provenance.weights_only import WeightsOnly, weights_only
from auditor.runtime.process import WorkerError
from auditor.runtime.profile import Profile


@dataclass(frozen=True)
class Progress:
    """Where ``identify`` says what it does: a step begins, a line that stays."""

    stage: Callable[[str], None] = lambda message: None
    log: Callable[[str], None] = lambda message: None


@dataclass(frozen=True)
class FileFacts:
    """What the checkpoint file says on its own."""

    file: str
    checkpoint: Checkpoint
    sha256: str
    keys_digest: str
    layout: Layout
    front_end: tuple[FrontEndValue, ...]
    weights_only: WeightsOnly


@dataclass(frozen=True)
class Identification:
    """What ``identify`` found: the file's own facts and, given a repository, its releases.

    ``not_checked`` says why the releases were not checked (no repository given, torch
    missing, no profile); ``left_out`` counts the oldest releases skipped to stay bounded.
    """

    facts: FileFacts
    repository: str | None = None
    profile: str | None = None
    device: str | None = None
    releases: tuple[ReleaseCheck, ...] = ()
    runs: tuple[Run, ...] = ()
    breaks: tuple[Break, ...] = ()
    not_checked: str | None = None
    left_out: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def model(self) -> ReleaseCheck | None:
        """The release whose choice names the checkpoint's model: the newest that loads it,
        else the newest whose models were compared with it."""
        loading = [r for r in self.releases if r.status.loads]
        compared = [r for r in self.releases if r.check.choice is not None]
        chosen = loading or compared
        return chosen[-1] if chosen else None

    @property
    def tip(self) -> ReleaseCheck | None:
        """The newest release checked (the tip)."""
        return self.releases[-1] if self.releases else None


def file_facts(path: Path, shown: str | None = None) -> FileFacts:
    """What the checkpoint at PATH says on its own (SHOWN: its name in the output).

    Raises :class:`~auditor.checkpoints.UnsafeCheckpoint` for a file that would need code
    to load and :class:`~auditor.checkpoints.CheckpointError` for one that cannot be read.
    """
    checkpoint = read_checkpoint(path)
    return FileFacts(
        file=shown or str(path),
        checkpoint=checkpoint,
        sha256=file_sha256(path),
        keys_digest=keys_digest(checkpoint.tensors),
        layout=read_layout(checkpoint),
        front_end=front_end(checkpoint.config, checkpoint.extras),
        weights_only=weights_only(path),
    )


def identify(
    path: Path,
    repository: str | os.PathLike[str] | None = None,
    profile: Profile | None = None,
    *,
    tip: str = "HEAD",
    building: Building | None = None,
    options: AuditOptions | None = None,
    max_releases: int = MAX_RELEASES,
    max_bisects: int = MAX_BISECTS,
    progress: Progress | None = None,
    shown: str | None = None,
) -> Identification:
    """Identify the checkpoint at PATH; with REPOSITORY (and PROFILE, its runtime profile),
    check it at each release TIP reaches and name the commit of each break."""
    facts = file_facts(path, shown)
    if repository is None:
        return Identification(facts, not_checked="no repository given")
    if profile is None:
        return Identification(
            facts, repository=os.fspath(repository), not_checked="no runtime profile given"
        )
    say = progress or Progress()
    building = building or Building()
    checker = Checker(repository, facts.checkpoint, profile, building)
    points, left_out = release_points(repository, tip, max_releases)
    found = Identification(
        facts,
        repository=os.fspath(repository),
        profile=profile.name,
        device=building.device,
        left_out=left_out,
    )
    warnings = []
    if left_out:
        warnings.append(f"the {left_out} oldest releases were left out (--max-releases)")
    count = len(points)
    index = iter(range(1, count + 1))
    checker.on_build = lambda name: say.stage(f"building the models at {name}")
    say.stage(f"checking the checkpoint at {count} release{'s' if count != 1 else ''}")
    try:
        checks = check_releases(
            checker, points, lambda r: say.log(f"{_line(r)} ({next(index)}/{count})")
        )
    except WorkerError as error:
        return replace(found, not_checked=str(error))
    if all(r.status is Status.NOT_CHECKED for r in checks):
        reasons = {r.check.reason for r in checks if r.check.reason}
        why = "; ".join(sorted(reasons)) or "no release's models could be compared with it"
        return replace(found, releases=checks, runs=runs(checks), not_checked=why)
    breaks, unbisected = find_breaks(
        checker,
        checks,
        options,
        max_bisects,
        lambda between: say.stage(f"bisecting {between} for the commit that breaks it"),
        lambda trial: say.log(trial_line(trial)),
    )
    if unbisected:
        warnings.append(f"{unbisected} later breaks were not bisected (--max-bisects)")
    warnings += [w for r in checks for w in r.check.warnings if w not in warnings]
    return replace(
        found, releases=checks, runs=runs(checks), breaks=breaks, warnings=tuple(warnings)
    )


def _line(release: ReleaseCheck) -> str:
    check: CheckResult = release.check
    model = check.comparison.model if check.comparison is not None else "-"
    return f"{release.name} ({release.sha[:7]}): {release.status.value}, {model}"

"""The data of a breaking-change changelog: releases, their entries, and where to link.

Pure data, like :mod:`auditor.domain`: frozen dataclasses, no I/O, no rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from auditor.classify.effects import Effect, Loads
from auditor.domain import AuditWarning, Category, ChangeKind, Commit, FactValue, Severity

if TYPE_CHECKING:  # the matrix is built from these types
    from auditor.changelog.confirmed import ConfirmedMatrix


class Scope(str, Enum):
    """Where an entry belongs in a release: what users' checkpoints hold comes first."""

    #: Code or configs that build a trained model: the weights users own depend on them.
    CHECKPOINT = "checkpoint"
    #: Inference and export paths (serving copies, the web UI's pipeline, ONNX exports):
    #: they do not change a checkpoint, but a vocoder swap there changes what users hear.
    INFERENCE = "inference"
    #: Everything else: tools, bundled utilities, classes no trained model builds.
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    """A file and 1-based line (0 when unknown) where an entry's change lies."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Entry:
    """One change users read as one: net old → new, with every commit and file it touched.

    ``reason`` says why it breaks checkpoints (the finding's message without its "what
    changed" prefix); ``hint`` says what to do. ``effect`` is what the change does to a
    checkpoint of the previous release (None: nothing, such as the details of a new
    variant); ``scope`` and ``models`` place it (the models of the model map it concerns),
    ``aside`` says why it sits outside the checkpoint scope when that is not its file's
    model alone (``not built by SynthesizerTrn``).
    """

    severity: Severity
    rule: str
    category: Category
    change: ChangeKind
    parameter: str
    key: str
    old: FactValue
    new: FactValue
    reason: str
    hint: str
    locations: tuple[Location, ...]
    commits: tuple[Commit, ...]
    finding_ids: tuple[str, ...]
    effect: Effect | None = None
    scope: Scope = Scope.CHECKPOINT
    models: tuple[str, ...] = ()
    aside: str | None = None


@dataclass(frozen=True)
class Release:
    """A section of the changelog: the commits ``tip`` reaches and no earlier release does.

    ``version`` is the tag (None for unreleased work); ``previous`` names the release it is
    compared with (a tag, a revision, or None when it starts at the root commit, whose
    first commit is then the baseline); ``base`` is that release's commit. ``date`` is the
    ISO 8601 author date of ``tip`` (None for unreleased work).
    """

    version: str | None
    tip: str
    date: str | None
    previous: str | None
    base: str | None
    root: str | None = None

    @property
    def day(self) -> str | None:
        """``YYYY-MM-DD`` of the release."""
        return self.date[:10] if self.date else None

    @property
    def title(self) -> str:
        return self.version or "Unreleased"

    @property
    def baseline_label(self) -> str:
        """What the compatibility verdict says checkpoints come from."""
        if self.previous is not None:
            return self.previous
        if self.root is not None:
            return f"the first commit ({self.root[:7]})"
        return "the first commit"

    @property
    def target_label(self) -> str:
        return self.version if self.version is not None else "HEAD (unreleased)"


@dataclass(frozen=True)
class ModelVerdict:
    """Whether one model's checkpoints of the previous release load into this one.

    ``first`` is the entry that decides a ``no`` (the earliest commit's most severe); the
    counts are the model's breaking entries by severity.
    """

    model: str
    loads: Loads
    counts: tuple[tuple[Severity, int], ...] = ()
    first: Entry | None = None
    new_variants: int = 0
    #: The previous release does not ship this model: there are no old checkpoints of it.
    new: bool = False
    #: The checkpoint generation this verdict is of (a variant of the runtime profile:
    #: ``v2Pro``); None: the model as a whole, or its own default build.
    generation: str | None = None
    #: How the changelog names the checkpoints (``SoVITS generator v2Pro``); None: the model.
    label: str | None = None

    @property
    def name(self) -> str:
        """The checkpoints this verdict speaks of: the label, else the model."""
        return self.label or self.model


@dataclass(frozen=True)
class Section:
    """A release, its entries (every severity, most severe first) and its size."""

    release: Release
    entries: tuple[Entry, ...]
    commit_count: int
    #: What the audit of this release's commits could not read (missing objects, files that
    #: did not parse, a shallow history): the verdict may miss changes.
    warnings: tuple[AuditWarning, ...] = ()
    #: One verdict per trained model the release ships (checkpoint scope), in map order.
    models: tuple[ModelVerdict, ...] = ()
    #: One verdict per checkpoint generation the release ships, for the models that ship
    #: variants of their runtime profile (:mod:`auditor.changelog.generations`).
    generations: tuple[ModelVerdict, ...] = ()
    #: The oldest release of an all-tags changelog: nothing earlier to compare it with, so
    #: it lists no entries (its commits build what later releases are compared with).
    baseline: bool = False

    @property
    def incomplete(self) -> bool:
        return bool(self.warnings)

    def count(self, severity: Severity) -> int:
        return sum(1 for entry in self.entries if entry.severity is severity)


@dataclass(frozen=True)
class Forge:
    """The web home of a repository on GitHub or GitLab, for commit and compare links."""

    kind: str  # "github" or "gitlab"
    url: str  # https://github.com/owner/repo, no trailing slash

    def commit_url(self, sha: str) -> str:
        return f"{self.url}{'/-' if self.kind == 'gitlab' else ''}/commit/{sha}"

    def compare_url(self, old: str, new: str) -> str:
        return f"{self.url}{'/-' if self.kind == 'gitlab' else ''}/compare/{old}...{new}"

    def tag_url(self, tag: str) -> str:
        if self.kind == "gitlab":
            return f"{self.url}/-/tags/{tag}"
        return f"{self.url}/releases/tag/{tag}"


@dataclass(frozen=True)
class Changelog:
    """Sections newest first, for one repository."""

    repository: str
    sections: tuple[Section, ...]
    forge: Forge | None = None


@dataclass(frozen=True)
class ChangelogOutput:
    """What ``model-audit changelog`` writes: the changelog, whether info entries show,
    whether the Markdown is the compatibility matrix alone, and its confirmed matrix."""

    changelog: Changelog
    include_info: bool = False
    matrix_only: bool = False
    #: The compatibility matrix with cells confirmed at runtime (``--confirm``), if asked.
    confirmed: ConfirmedMatrix | None = None

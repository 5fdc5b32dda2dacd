"""What exporting a revision's models found, as pure data.

Frozen dataclasses and ``str`` enums whose values are the words users see; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from auditor.domain import Change, Commit


class ExportOutcome(str, Enum):
    """What happened to one model when it was exported and run against itself."""

    #: Every export made ran the seeded inputs within the tolerance of the eager model.
    EXPORTS = "exports"
    #: Neither tracing nor scripting made a graph, or the ONNX export raised.
    EXPORT_FAILS = "export-fails"
    #: An exported graph ran, but its outputs are not the eager model's.
    EXPORTED_OUTPUT_DIFFERS = "exported-output-differs"
    BUILD_FAILED = "build-failed"
    #: The eager model could not run the profile's inputs: nothing to export against.
    INFERENCE_FAILED = "inference-failed"
    #: The model's code imports a third-party module that is not installed here.
    UNAVAILABLE = "unavailable"
    #: The model's worker ran past its timeout (and was ended).
    TIMEOUT = "timeout"
    #: The model's worker died building or exporting it.
    CRASHED = "crashed"

    @property
    def checked(self) -> bool:
        """Whether the outcome decides anything (False: it could not be checked here)."""
        return self not in (ExportOutcome.UNAVAILABLE, ExportOutcome.TIMEOUT, ExportOutcome.CRASHED)

    @property
    def breaks(self) -> bool:
        """Whether export itself went wrong (not the build or the eager run)."""
        return self in (ExportOutcome.EXPORT_FAILS, ExportOutcome.EXPORTED_OUTPUT_DIFFERS)


class ExportVerdict(str, Enum):
    """What one export check says as a whole; it decides the exit code."""

    #: Every model exports (exit 0).
    EXPORTS = "exports"
    #: A model fails to export, its graph differs, or it fails to build or run (exit 1).
    BREAKS = "breaks"
    #: Nothing breaks, but a model could not be checked (exit 3).
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class GraphCheck:
    """One exported graph against the eager model.

    ``kind`` is ``torchscript`` or ``onnx``; ``how`` how the graph was made (``trace``,
    ``script``, ``onnx``) or, for ONNX, ``not-installed`` / ``exported`` (not run) /
    ``failed``; ``max_rel_error`` the largest relative output error over the draws run (None:
    not run or not comparable, ``note`` says why); ``draws`` how many input draws it ran.
    ``compared`` is False when the error says nothing of the export (an ONNX graph that
    samples noise with its own generator, ``note`` says so): it is shown, not judged.
    """

    kind: str
    how: str | None
    error: str | None = None
    max_rel_error: float | None = None
    draws: int = 0
    note: str | None = None
    warnings: tuple[str, ...] = ()
    compared: bool = True


@dataclass(frozen=True)
class ModelExport:
    """The export outcome of one profile model at one revision."""

    name: str
    outcome: ExportOutcome
    error: str | None = None
    config: str | None = None
    method: str | None = None
    output_shapes: tuple[tuple[int, ...], ...] = ()
    tolerance: float = 0.0
    graphs: tuple[GraphCheck, ...] = ()
    stubbed_imports: tuple[str, ...] = ()
    seconds: float | None = None


@dataclass(frozen=True)
class CopyDrift:
    """A class of the project's export copy (``module/models_onnx.py``) and where it differs
    from the class it copies (``module/models.py``): fact changes, original → copy."""

    copy: str
    original: str
    class_name: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ExportReport:
    """Every profile model exported at one revision, and the export copies' drift there."""

    repository: str
    profile: str
    revision: str
    sha: str
    device: str
    models: tuple[ModelExport, ...]
    drift: tuple[CopyDrift, ...] = ()
    #: Models not checked, ``(model, why)``: absent at the revision, or without inputs.
    skipped: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> ExportVerdict:
        """Breaks when any checked model does not export; else not checked when a model
        could not be checked (or none was); else exports."""
        if any(m.outcome.checked and m.outcome is not ExportOutcome.EXPORTS for m in self.models):
            return ExportVerdict.BREAKS
        if not self.models or any(not m.outcome.checked for m in self.models):
            return ExportVerdict.NOT_CHECKED
        return ExportVerdict.EXPORTS

    def outcome_of(self, name: str) -> ExportOutcome | None:
        """The outcome of model NAME (None: not checked at this revision)."""
        return next((m.outcome for m in self.models if m.name == name), None)


class RangeVerdict(str, Enum):
    """What a search of a range for the first commit at which export breaks concluded."""

    #: ``first_breaking`` breaks a model's export that its parent exports.
    FOUND = "found"
    #: Every model that exports at the base still exports at the tip.
    EXPORTS_AT_TIP = "exports-at-tip"
    #: No model exports at the base of the range: nothing to search for.
    BROKEN_AT_BASE = "broken-at-base"
    #: Commits whose models could not be built hide the first breaking one.
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class RangeTrial:
    """One commit the search exported; ``breaks`` is None when it could not be checked."""

    commit: Commit
    role: str
    verdict: str
    breaks: bool | None


@dataclass(frozen=True)
class ExportBisect:
    """The first commit of a range at which a model that exports at the base stops exporting.

    ``report`` is the export check at the commit named (else at the tip, or the base, as the
    verdict says); ``models`` those that exported at the base, which every commit checks.
    ``searched`` as in ``check-ckpt --range``: ``candidates`` (commits the static audit
    flags), ``all-commits`` or ``none``.
    """

    range: str
    base: str
    tip: str
    verdict: RangeVerdict
    commits_in_range: int
    trials: tuple[RangeTrial, ...]
    report: ExportReport
    models: tuple[str, ...] = ()
    searched: str = "none"
    candidates: int = 0
    first_breaking: Commit | None = None
    parent_exports: bool | None = None
    undecided: tuple[Commit, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportCheck:
    """What ``model-audit export-check`` writes: the export check at ``--rev`` (with
    ``--range``: at the commit the search settled on) and, with ``--range``, the search."""

    report: ExportReport
    bisect: ExportBisect | None = None

    @property
    def verdict(self) -> ExportVerdict:
        """The verdict that decides the exit code: the report's, or with a range, breaks
        when a commit was found to break export (or the base could not export at all)."""
        if self.bisect is None:
            return self.report.verdict
        if self.bisect.verdict is RangeVerdict.EXPORTS_AT_TIP:
            return ExportVerdict.EXPORTS
        if self.bisect.verdict is RangeVerdict.UNDECIDED:
            return ExportVerdict.NOT_CHECKED
        return ExportVerdict.BREAKS

"""The results of runtime confirmation: what happened when old weights met new code.

Pure data: frozen dataclasses and a ``str`` enum whose values are the words users see.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Outcome(str, Enum):
    """What happened to one model when the old revision's weights were loaded into the new."""

    LOADS = "loads"
    LOADS_WITH_MISSING_KEYS = "loads-with-missing-keys"
    LOADS_OUTPUT_DIFFERS = "loads-output-differs"
    FAILS_TO_LOAD = "fails-to-load"
    BUILD_FAILED = "build-failed"
    INFERENCE_FAILED = "inference-failed"
    #: The model's code imports a third-party module that is not installed here.
    UNAVAILABLE = "unavailable"
    #: The model's worker ran past its timeout building or running it (and was ended).
    TIMEOUT = "timeout"
    #: The model's worker died building or running it (a signal, ``os._exit``, a crash).
    CRASHED = "crashed"

    @property
    def checked(self) -> bool:
        """Whether the outcome decides anything: False when the model could not be checked
        here (a module not installed, a worker that hung or died), not because of a change."""
        return self not in (Outcome.UNAVAILABLE, Outcome.TIMEOUT, Outcome.CRASHED)


class Verdict(str, Enum):
    """What one runtime confirmation says as a whole; it decides the exit code."""

    #: Every model loads cleanly and gives the old revision's outputs (exit 0).
    LOADS = "loads"
    #: A model does not load cleanly, differs, or fails to build or run (exit 1).
    BREAKS = "breaks"
    #: No model breaks, but one could not be checked at all (exit 3).
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class ShapeMismatch:
    """A state-dict key whose tensor shape differs: ``load_state_dict`` raises on it."""

    key: str
    old: tuple[int, ...]
    new: tuple[int, ...]


@dataclass(frozen=True)
class Rename:
    """A likely renamed submodule: every tensor under ``old.`` now lives under ``new.``."""

    old: str
    new: str
    tensors: int


@dataclass(frozen=True)
class OutputComparison:
    """The new revision's outputs, with the old weights, against the old revision's own.

    Both ran the same seeded inputs. ``max_rel_error`` is the largest absolute difference
    over the largest absolute value of the old output; the errors are None, and ``note``
    says why, when the values could not be compared (other shapes, other inputs, NaN).
    ``compared`` is False when the new model could not be given the old inputs at all.
    """

    old_shapes: tuple[tuple[int, ...], ...]
    new_shapes: tuple[tuple[int, ...], ...]
    max_abs_error: float | None
    max_rel_error: float | None
    tolerance: float
    compared: bool = True
    note: str | None = None

    @property
    def matches(self) -> bool:
        """Same shapes and a relative error within the tolerance."""
        return (
            self.old_shapes == self.new_shapes
            and self.max_rel_error is not None
            and self.max_rel_error <= self.tolerance
        )


@dataclass(frozen=True)
class Timings:
    """Seconds one model took on ``device`` (a build on ``meta`` allocates nothing): its build
    at each revision (the constructor and the move to the device; a worker's first build of a
    module also imports it), the ``load_state_dict`` of the old weights into the new model,
    and the inference call at each revision. None: not done."""

    device: str | None = None
    old_build: float | None = None
    new_build: float | None = None
    load: float | None = None
    old_inference: float | None = None
    new_inference: float | None = None


@dataclass(frozen=True)
class ModelResult:
    """The outcome for one model of the profile.

    ``side`` names the revision (``old`` or ``new``) a build failure happened at;
    ``error`` is the last line of the error; ``output_shapes`` are the shapes of the tensors
    the inference call returned at the new revision, ``comparison`` how they compare with the
    old revision's. ``stubbed_imports`` are the modules, not installed here, that either
    revision's code imports and that were stubbed to build the model.
    """

    name: str
    outcome: Outcome
    error: str | None = None
    side: str | None = None
    old_config: str | None = None
    new_config: str | None = None
    old_tensors: int = 0
    new_tensors: int = 0
    missing_keys: tuple[str, ...] = ()
    unexpected_keys: tuple[str, ...] = ()
    mismatches: tuple[ShapeMismatch, ...] = ()
    renames: tuple[Rename, ...] = ()
    method: str | None = None
    output_shapes: tuple[tuple[int, ...], ...] = ()
    comparison: OutputComparison | None = None
    #: The old revision's model whose weights were used, when it is not ``name`` itself (a
    #: variant the old revision lacks receives the weights of its fallback, by default the
    #: model it varies).
    old_model: str | None = None
    stubbed_imports: tuple[str, ...] = ()
    timings: Timings = Timings()
    #: The state-dict maps (key, shape) of the old weights and of the new model, in module
    #: order, when both were built: what a migration plan (:mod:`auditor.migrate`) is made of.
    old_map: tuple[tuple[str, tuple[int, ...]], ...] = ()
    new_map: tuple[tuple[str, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class RuntimeReport:
    """Runtime confirmation of one pair of revisions under one profile."""

    repository: str
    profile: str
    old: str
    new: str
    old_sha: str
    new_sha: str
    device: str
    models: tuple[ModelResult, ...]
    #: Files the profile asked for that could not be read (absent blobs), per side.
    warnings: tuple[str, ...] = ()
    #: Models not compared, ``(model, why)``: those the new revision does not have, and those
    #: the old revision does not have with nothing to fall back on.
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def all_load(self) -> bool:
        """Whether every model loads cleanly (exit code 0)."""
        return all(m.outcome is Outcome.LOADS for m in self.models)

    @property
    def verdict(self) -> Verdict:
        """Breaks when any model decidedly does not load as before; else not checked when
        any model could not be checked; else loads."""
        if any(m.outcome.checked and m.outcome is not Outcome.LOADS for m in self.models):
            return Verdict.BREAKS
        if any(not m.outcome.checked for m in self.models):
            return Verdict.NOT_CHECKED
        return Verdict.LOADS

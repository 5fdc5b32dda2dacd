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
    FAILS_TO_LOAD = "fails-to-load"
    BUILD_FAILED = "build-failed"
    INFERENCE_FAILED = "inference-failed"


@dataclass(frozen=True)
class ShapeMismatch:
    """A state-dict key whose tensor shape differs: ``load_state_dict`` raises on it."""

    key: str
    old: tuple[int, ...]
    new: tuple[int, ...]


@dataclass(frozen=True)
class ModelResult:
    """The outcome for one model of the profile.

    ``side`` names the revision (``old`` or ``new``) a build failure happened at;
    ``error`` is the last line of the error; ``output_shapes`` are the shapes of the tensors
    the inference call returned.
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
    method: str | None = None
    output_shapes: tuple[tuple[int, ...], ...] = ()


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

    @property
    def all_load(self) -> bool:
        """Whether every model loads cleanly (exit code 0)."""
        return all(m.outcome is Outcome.LOADS for m in self.models)

"""The outcome of one model, from what the old and the new revision's workers said about it.

Keys and shapes come from the two state-dict maps (the ``meta`` build, or the real one when
it ran); the load and inference results from the new revision's real build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.runtime.profile import ModelSpec
from auditor.runtime.results import ModelResult, Outcome, OutputComparison
from auditor.runtime.statediff import diff_state_maps


@dataclass(frozen=True)
class Side:
    """What one revision's workers said: per model, its raw result and its config path."""

    device: str
    models: Mapping[str, Mapping[str, Any]]
    configs: Mapping[str, str | None]


def outcome(spec: ModelSpec, old: Side, new: Side, tolerance: float | None = None) -> ModelResult:
    """The outcome for SPEC from what the old and the new workers said about it.

    Outputs match when their relative error is at most TOLERANCE (default: the profile's).
    """
    base: dict[str, Any] = {
        "name": spec.name,
        "old_config": old.configs.get(spec.name),
        "new_config": new.configs.get(spec.name),
    }
    for label, side in (("old", old), ("new", new)):
        raw = side.models.get(spec.name, {})
        if not raw.get("built"):
            error = raw.get("error") or "not built"
            kind = _unbuilt(raw)
            return ModelResult(**base, outcome=kind, error=error, side=label)
    before, after = old.models[spec.name], new.models[spec.name]
    diff = diff_state_maps(_shapes(before), _shapes(after))
    base.update(
        old_tensors=len(before["parameters"]),
        new_tensors=len(after["parameters"]),
        missing_keys=diff.missing,
        unexpected_keys=diff.unexpected,
        mismatches=diff.mismatches,
        renames=diff.renames,
    )
    load = after.get("load")
    if diff.mismatches:
        return ModelResult(**base, outcome=Outcome.FAILS_TO_LOAD)
    if load is not None and not load.get("loaded"):
        return ModelResult(**base, outcome=Outcome.FAILS_TO_LOAD, error=load.get("error"))
    recorded = before.get("inference")
    if recorded is not None and not recorded["ok"]:
        return ModelResult(
            **base, outcome=Outcome.INFERENCE_FAILED, error=recorded["error"], side="old"
        )
    inference = after.get("inference")
    if inference is not None:
        base.update(
            method=inference.get("method"),
            output_shapes=tuple(tuple(s) for s in inference["output_shapes"]),
        )
        if not inference["ok"]:
            return ModelResult(
                **base, outcome=Outcome.INFERENCE_FAILED, error=inference["error"], side="new"
            )
        if inference.get("comparison") is not None:
            limit = spec.tolerance if tolerance is None else tolerance
            base["comparison"] = comparison(inference["comparison"], limit)
    if diff.missing or diff.unexpected:
        return ModelResult(**base, outcome=Outcome.LOADS_WITH_MISSING_KEYS)
    found = base.get("comparison")
    if found is not None and found.compared and not found.matches:
        return ModelResult(**base, outcome=Outcome.LOADS_OUTPUT_DIFFERS)
    return ModelResult(**base, outcome=Outcome.LOADS)


def _unbuilt(raw: Mapping[str, Any]) -> Outcome:
    """Why a model was not built: its worker stopped on it (``timeout``, ``crashed``), a
    module it imports is not installed, or its own build failed."""
    if raw.get("stopped"):
        return Outcome(raw["stopped"])
    return Outcome.UNAVAILABLE if raw.get("unavailable") else Outcome.BUILD_FAILED


def comparison(raw: Mapping[str, Any], tolerance: float) -> OutputComparison:
    """The :class:`OutputComparison` of a worker's raw comparison."""
    return OutputComparison(
        old_shapes=tuple(tuple(s) for s in raw["old_shapes"]),
        new_shapes=tuple(tuple(s) for s in raw["new_shapes"]),
        max_abs_error=raw["max_abs_error"],
        max_rel_error=raw["max_rel_error"],
        tolerance=tolerance,
        compared=bool(raw["compared"]),
        note=raw["note"],
    )


def _shapes(raw: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    return {key: tuple(shape) for key, shape in raw["parameters"].items()}

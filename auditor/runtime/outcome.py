"""The outcome of one model, from what the old and the new revision's workers said about it.

Keys and shapes come from the two state-dict maps (the ``meta`` build, or the real one when
it ran); the load and inference results from the new revision's real build. A load or an
inference that needed a stubbed module (not installed here) makes the model ``unavailable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.runtime.profile import ModelSpec
from auditor.runtime.results import ModelResult, Outcome, OutputComparison, Timings
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
    raws = (old.models.get(spec.name, {}), new.models.get(spec.name, {}))
    base: dict[str, Any] = {
        "name": spec.name,
        "old_config": old.configs.get(spec.name),
        "new_config": new.configs.get(spec.name),
        "stubbed_imports": tuple(sorted({str(m) for raw in raws for m in raw.get("stubbed", ())})),
        "timings": timings(*raws),
    }
    for label, side in (("old", old), ("new", new)):
        raw = side.models.get(spec.name, {})
        if not raw.get("built"):
            error = raw.get("error") or "not built"
            kind = _unbuilt(raw)
            return ModelResult(**base, outcome=kind, error=error, side=label)
    before, after = old.models[spec.name], new.models[spec.name]
    old_map, new_map = _shapes(before), _shapes(after)
    diff = diff_state_maps(old_map, new_map)
    base.update(
        old_map=tuple(old_map.items()),
        new_map=tuple(new_map.items()),
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
        failed = Outcome.UNAVAILABLE if load.get("unavailable") else Outcome.FAILS_TO_LOAD
        return ModelResult(**base, outcome=failed, error=load.get("error"))
    recorded = before.get("inference")
    if recorded is not None and not recorded["ok"]:
        failed = Outcome.UNAVAILABLE if recorded.get("unavailable") else Outcome.INFERENCE_FAILED
        return ModelResult(**base, outcome=failed, error=recorded["error"], side="old")
    inference = after.get("inference")
    if inference is not None:
        base.update(
            method=inference.get("method"),
            output_shapes=tuple(tuple(s) for s in inference["output_shapes"]),
        )
        if not inference["ok"]:
            failed = (
                Outcome.UNAVAILABLE if inference.get("unavailable") else Outcome.INFERENCE_FAILED
            )
            return ModelResult(**base, outcome=failed, error=inference["error"], side="new")
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


def timings(old: Mapping[str, Any], new: Mapping[str, Any]) -> Timings:
    """The seconds the two workers say they took on the model, on one device: the real one
    when either side was built on it (the new side's first), else ``meta``.

    A model settled by its state-dict maps can still have been built for real at the old
    revision, as the weights another model receives; its ``meta`` times are left out then.
    """
    sides = [raw.get("timings", {}) for raw in (new, old)]
    devices = [str(t["device"]) for t in sides if t.get("device")]
    device = next((d for d in devices if d != "meta"), devices[0] if devices else None)
    after, before = (t if t.get("device") == device else {} for t in sides)
    return Timings(
        device=device,
        old_build=before.get("build"),
        new_build=after.get("build"),
        load=after.get("load"),
        old_inference=before.get("inference"),
        new_inference=after.get("inference"),
    )


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

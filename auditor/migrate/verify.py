"""Verify a written migration: the new file loads at the new revision, and computes there
what the original computed at the old one.

Both files are read back with the safe reader (:mod:`.weights`) and handed to runtime
workers as plain state dicts. The old revision's worker loads the original into the old
model and runs the profile's seeded inputs, recording inputs and outputs
(:mod:`auditor.runtime.inference`); ids drawn for an embedding whose rows moved are then
translated to the new table (an old symbol keeps its meaning, not its index); the new
revision's worker loads the migrated file and runs the same inputs. Inputs use only old
symbols, since they are drawn below the old table's size.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.checkpoints.results import KeyMapping
from auditor.migrate.build import Worker, run_model
from auditor.migrate.plan import SymbolRows
from auditor.migrate.weights import read_weights
from auditor.migrate.write import model_weights
from auditor.runtime.profile import ModelSpec, Profile


@dataclass(frozen=True)
class Verification:
    """What the written file does at the new revision.

    ``loads``: ``load_state_dict`` takes it (no shape differs); ``missing`` and
    ``unexpected`` are the keys ``strict=False`` let pass. ``max_rel_error`` compares the
    outputs with the original's at the old revision (None when not compared: ``note`` or
    ``error`` says why); ``matches`` says whether it is within ``tolerance``."""

    loads: bool
    tolerance: float
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    note: str | None = None
    error: str | None = None

    @property
    def matches(self) -> bool | None:
        """Whether the outputs agree within tolerance (None: not compared)."""
        if self.max_rel_error is None:
            return None
        return self.max_rel_error <= self.tolerance


@dataclass(frozen=True)
class Sides:
    """The repository, profile and the model at each revision (commit, profile model)."""

    repository: str | os.PathLike[str]
    profile: Profile
    old: tuple[str, str]
    new: tuple[str, str]


def verify_migration(
    sides: Sides,
    original: Path,
    written: Path,
    mapping: KeyMapping,
    rows: Sequence[SymbolRows],
    worker: Worker,
    not_shipped: Sequence[str] = (),
) -> Verification:
    """Load WRITTEN at the new revision and compare it with ORIGINAL at the old one.

    Keys of NOT_SHIPPED (the project's files never hold them) are not reported missing."""
    import torch

    spec = _spec(sides.profile, sides.new[1])
    with tempfile.TemporaryDirectory(prefix="model-audit-verify-") as temp:
        work = Path(temp)
        torch.save(model_weights(read_weights(original), mapping), work / "old.pt")
        torch.save(model_weights(read_weights(written), mapping), work / "new.pt")
        record = work / "outputs.pt"
        old_sha, old_model = sides.old
        old = run_model(
            sides.repository,
            old_sha,
            sides.profile,
            old_model,
            {"load": str(work / "old.pt"), "record": str(record)},
            worker,
        )
        why = _old_side_failed(old, old_model)
        if record.is_file():
            translate_ids(record, _id_inputs(spec, rows))
        new_sha, new_model = sides.new
        fields = {"load": str(work / "new.pt"), "reference": str(record) if why is None else None}
        new = run_model(sides.repository, new_sha, sides.profile, new_model, fields, worker)
    found = _verification(new, spec.tolerance, why)
    return replace(found, missing=tuple(k for k in found.missing if k not in set(not_shipped)))


def _spec(profile: Profile, name: str) -> ModelSpec:
    return next(m for m in profile.models if m.name == name)


def _old_side_failed(answer: Mapping[str, Any], model: str) -> str | None:
    """Why the original could not be run at the old revision (None: it ran)."""
    if not answer.get("built"):
        return f"{model} could not be built at the old revision: {answer.get('error')}"
    load = answer.get("load") or {}
    if not load.get("loaded"):
        return f"the original does not load at the old revision: {load.get('error') or load}"
    inference = answer.get("inference")
    if inference is None:
        return "the profile gives the model no inputs to run"
    if not inference.get("ok"):
        return f"the old model could not run: {inference.get('error')}"
    return None


def _id_inputs(spec: ModelSpec, rows: Sequence[SymbolRows]) -> dict[str, dict[int, int]]:
    """The inputs of SPEC drawn as ids into an embedding whose rows moved, and each id's
    index in the new table: an input whose range the profile reads from that embedding."""
    found: dict[str, dict[int, int]] = {}
    for choice in (spec.inputs, *spec.alternatives):
        if choice is None:
            continue
        for tensor in (*choice.args, *choice.kwargs):
            sources = [e.source for e in tensor.high.expressions] if tensor.high else []
            for moved in rows:
                module = moved.key.rsplit(".", 1)[0]
                if any(f"model.{module}." in s for s in sources):
                    found[tensor.name] = moved.rows.old_to_new()
    return found


def translate_ids(record: Path, inputs: Mapping[str, Mapping[int, int]]) -> None:
    """Rewrite the ids of INPUTS in the RECORD of the old revision's inputs as the new
    table numbers the same symbols (an id whose symbol the new table lacks becomes 0)."""
    import torch

    if not inputs:
        return
    saved = torch.load(record, map_location="cpu", weights_only=True)
    names = list(saved.get("names", ()))
    for index, tensor in enumerate(saved["args"]):
        if index < len(names) and names[index] in inputs:
            saved["args"][index] = _translated(tensor, inputs[names[index]])
    for name, tensor in list(saved["kwargs"].items()):
        if name in inputs:
            saved["kwargs"][name] = _translated(tensor, inputs[name])
    torch.save(saved, record)


def _translated(ids: Any, old_to_new: Mapping[int, int]) -> Any:
    import torch

    size = max(max(old_to_new, default=0), int(ids.max()) if ids.numel() else 0) + 1
    table = torch.zeros(size, dtype=ids.dtype)
    for old, new in old_to_new.items():
        table[old] = new
    return table[ids]


def _verification(answer: Mapping[str, Any], tolerance: float, why: str | None) -> Verification:
    if not answer.get("built"):
        error = f"the new model could not be built: {answer.get('error')}"
        return Verification(False, tolerance, error=error)
    load = answer.get("load") or {}
    common: dict[str, Any] = {
        "missing": tuple(load.get("missing", ())),
        "unexpected": tuple(load.get("unexpected", ())),
    }
    if not load.get("loaded"):
        mismatched = ", ".join(
            f"{m['key']} {m['old']} → {m['new']}" for m in load.get("mismatched", ())
        )
        error = load.get("error") or f"shapes differ: {mismatched}"
        return Verification(False, tolerance, **common, error=f"does not load: {error}")
    if why is not None:
        return Verification(True, tolerance, **common, note=f"outputs not compared: {why}")
    inference = answer.get("inference") or {}
    if not inference.get("ok"):
        error = f"the new model could not run: {inference.get('error')}"
        return Verification(True, tolerance, **common, error=error)
    comparison = inference.get("comparison") or {}
    note = comparison.get("note")
    if comparison.get("old_shapes") != comparison.get("new_shapes"):
        note = note or (
            f"output shapes differ: {comparison.get('old_shapes')} at the old revision, "
            f"{comparison.get('new_shapes')} at the new"
        )
    return Verification(
        True,
        tolerance,
        **common,
        max_abs_error=comparison.get("max_abs_error"),
        max_rel_error=comparison.get("max_rel_error"),
        note=note,
    )

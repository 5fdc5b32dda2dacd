"""Carry out a plan on a checkpoint's tensors and write the result in the same container.

A torch zip is written with ``torch.save`` of the original top level (its state dict
replaced, its stored config updated where the plan says the new model is built otherwise),
then the version tag the original carried over ``PK`` is written back. safetensors stays
safetensors, written by hand (header, then the bytes of each tensor). The file is written
next to its destination and renamed into place, so a failure leaves nothing half written.
"""

from __future__ import annotations

import copy
import ctypes
import io
import json
import os
import struct
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor.checkpoints.checkpoint import ContainerFormat
from auditor.checkpoints.reader import SAFETENSORS_DTYPES
from auditor.checkpoints.results import ConfigDifference, KeyMapping
from auditor.migrate.plan import MigrationPlan, NewRows, Step
from auditor.migrate.weights import StoredWeights

#: torch's dtype names in safetensors' words.
SAFETENSORS_NAMES = {torch_name: name for name, torch_name in SAFETENSORS_DTYPES.items()}


def model_weights(stored: StoredWeights, mapping: KeyMapping) -> dict[str, Any]:
    """The checkpoint's tensors named as the model names them."""
    return {mapping.apply(key): value for key, value in stored.weights.items()}


def file_key(key: str, mapping: KeyMapping) -> str:
    """A model KEY as the checkpoint names it (MAPPING undone)."""
    return mapping.strip + (key[len(mapping.add) :] if key.startswith(mapping.add) else key)


def migrated_weights(
    plan: MigrationPlan,
    old: Mapping[str, Any],
    init: Mapping[str, Any],
) -> dict[str, Any]:
    """The new model's tensors (by its keys) as PLAN makes them from OLD, the checkpoint's
    tensors by model key; INIT is the new model's initial state dict.

    Tensors taken from INIT are cast to the checkpoint's most common floating dtype (a
    GPT-SoVITS file is float16 throughout); an impossible tensor (written only when a
    partial migration is allowed) takes its initial value too."""
    dtype = _floating_dtype(old.values())
    rows = {found.key: found.rows for found in plan.symbol_rows}
    result: dict[str, Any] = {}
    for tensor in plan.tensors:
        if tensor.step is Step.DROP:
            continue
        if tensor.step in (Step.COPY, Step.RENAME):
            result[tensor.key] = old[str(tensor.source)]
            continue
        start = _cast(init[tensor.key], dtype)
        if tensor.step is Step.SYMBOL_ROWS:
            source = old[str(tensor.source)]
            start = start.to(source.dtype).clone()
            if plan.new_rows is NewRows.MEAN:
                start[:] = source.float().mean(0).to(source.dtype)
            for index, row in enumerate(rows[tensor.key].rows):
                if row is not None:
                    start[index] = source[row]
        result[tensor.key] = start
    return result


def _floating_dtype(tensors: Any) -> Any:
    found = Counter(t.dtype for t in tensors if t.is_floating_point())
    return found.most_common(1)[0][0] if found else None


def _cast(tensor: Any, dtype: Any) -> Any:
    if dtype is not None and tensor.is_floating_point():
        return tensor.to(dtype)
    return tensor


def updated_config(config: Any, updates: Sequence[ConfigDifference]) -> Any:
    """A copy of the stored CONFIG with each dotted key of UPDATES set to the new value."""
    if not isinstance(config, Mapping):
        return config
    result = copy.deepcopy(dict(config))
    for update in updates:
        *sections, leaf = update.key.split(".")
        target = result
        for section in sections:
            if not isinstance(target.get(section), dict):
                break
            target = target[section]
        else:
            target[leaf] = update.model
    return result


def write_checkpoint(
    stored: StoredWeights,
    weights: Mapping[str, Any],
    updates: Sequence[ConfigDifference],
    path: Path,
) -> None:
    """Write WEIGHTS (named as in the file) in STORED's container to PATH."""
    if stored.format is ContainerFormat.SAFETENSORS:
        data = safetensors_bytes(weights, stored.metadata)
    else:
        data = torch_bytes(stored, weights, updates)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def torch_bytes(
    stored: StoredWeights, weights: Mapping[str, Any], updates: Sequence[ConfigDifference]
) -> bytes:
    """A ``torch.save`` zip of STORED's top level with WEIGHTS as its state dict, the stored
    config updated, the original's version tag over ``PK``."""
    import torch

    state = {key: value.contiguous() for key, value in weights.items()}
    if stored.state_key is None:
        document: dict[str, Any] = state
    else:
        document = {}
        for key in stored.order or (stored.state_key, *stored.root):
            if key == stored.state_key:
                document[key] = state
            elif key == "config":
                document[key] = updated_config(stored.root[key], updates)
            else:
                document[key] = stored.root[key]
    buffer = io.BytesIO()
    torch.save(document, buffer)
    data = buffer.getvalue()
    if stored.version_tag is not None:
        data = stored.version_tag.encode("ascii") + data[2:]
    return data


def safetensors_bytes(weights: Mapping[str, Any], metadata: Mapping[str, str] | None) -> bytes:
    """A safetensors file of WEIGHTS (and METADATA)."""
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    chunks: list[bytes] = []
    offset = 0
    for key, value in weights.items():
        raw = tensor_bytes(value)
        name = str(value.dtype).removeprefix("torch.")
        header[key] = {
            "dtype": SAFETENSORS_NAMES.get(name, name.upper()),
            "shape": list(value.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def tensor_bytes(tensor: Any) -> bytes:
    """The bytes of a CPU tensor in C order (little-endian, as torch stores them here)."""
    flat = tensor.detach().cpu().contiguous()
    return ctypes.string_at(flat.data_ptr(), flat.numel() * flat.element_size())

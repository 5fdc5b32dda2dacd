"""``ckpt-info`` output: a plain-text table, or JSON (``schemas/checkpoint.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from auditor.checkpoints.checkpoint import Checkpoint
from auditor.schemas import schema_id

SCHEMA_VERSION = 1


def checkpoint_document(checkpoint: Checkpoint, file: str) -> dict[str, Any]:
    """The JSON document of ``checkpoint`` read from ``file`` (as given on the command line)."""
    return {
        "$schema": schema_id("checkpoint"),
        "schema_version": SCHEMA_VERSION,
        "file": file,
        "format": checkpoint.format.value,
        "version_tag": checkpoint.version_tag,
        "container_keys": list(checkpoint.container_keys),
        "tensor_count": len(checkpoint.tensors),
        "parameter_count": checkpoint.parameter_count,
        "config": checkpoint.config,
        "tensors": [
            {"key": key, "dtype": info.dtype, "shape": list(info.shape)}
            for key, info in checkpoint.tensors.items()
        ],
    }


def render_json(checkpoint: Checkpoint, file: str) -> str:
    """``checkpoint`` as indented JSON, keys in a fixed order, tensors in file order."""
    return json.dumps(checkpoint_document(checkpoint, file), indent=2, ensure_ascii=False) + "\n"


def render_table(checkpoint: Checkpoint, file: str) -> str:
    """``checkpoint`` as a summary followed by one line per tensor: key, dtype, shape."""
    keys = ", ".join(checkpoint.container_keys) or "-"
    lines = [
        f"file:            {file}",
        f"format:          {checkpoint.format.value}",
        f"version tag:     {checkpoint.version_tag or '-'}",
        f"container keys:  {keys}",
        f"tensors:         {len(checkpoint.tensors)}",
        f"parameters:      {checkpoint.parameter_count:,}",
    ]
    if checkpoint.tensors:
        width = max(len(key) for key in checkpoint.tensors)
        lines.append("")
        for key, info in checkpoint.tensors.items():
            shape = "(" + ", ".join(str(d) for d in info.shape) + ")"
            lines.append(f"{key:<{width}}  {info.dtype:<9} {shape}")
    return "\n".join(lines) + "\n"

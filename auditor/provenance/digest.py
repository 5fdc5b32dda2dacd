"""Digests that name a checkpoint: of its bytes, of its tensor data, of its keys and shapes.

The file's sha256 says "this very file"; the digest of its sorted keys and shapes says "a
checkpoint of this architecture", which survives re-saving, fine-tuning and a change of
dtype (``float32`` weights halved to ``float16`` keep it). A safetensors file that carries
its manifest in its header is named by the sha256 of its tensor data, which stamping leaves
untouched.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from pathlib import Path

from auditor.checkpoints import CheckpointError
from auditor.checkpoints.checkpoint import TensorInfo

CHUNK = 1 << 20
#: The prefix every digest this module writes carries: the algorithm.
PREFIX = "sha256:"


def file_sha256(path: Path, *, start: int = 0) -> str:
    """The sha256 (hex) of the bytes of PATH from offset START to its end."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            stream.seek(start)
            while block := stream.read(CHUNK):
                digest.update(block)
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


def tensor_data_sha256(path: Path) -> str:
    """The sha256 (hex) of a safetensors file's tensor data: every byte after its header."""
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror or error}") from None
    if len(head) != 8:
        raise CheckpointError(f"{path} is too short to be a safetensors file")
    (length,) = struct.unpack("<Q", head)
    return file_sha256(path, start=8 + length)


def keys_digest(tensors: Mapping[str, TensorInfo]) -> str:
    """``sha256:…`` of the sorted ``key → shape`` pairs of TENSORS (dtypes left out)."""
    pairs = sorted((key, list(info.shape)) for key, info in tensors.items())
    canonical = json.dumps(pairs, separators=(",", ":"), ensure_ascii=True)
    return PREFIX + hashlib.sha256(canonical.encode("ascii")).hexdigest()

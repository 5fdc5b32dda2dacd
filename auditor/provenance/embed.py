"""A manifest inside a safetensors file: its header's ``__metadata__``, rewritten in place.

A safetensors file is an 8-byte little-endian header length, a JSON header and the tensor
data, whose offsets count from the end of the header. The header can therefore grow or
shrink without moving a tensor: the new header (padded with spaces to a multiple of 8
bytes, as safetensors writes it) is written to a temporary file beside the original, the
tensor bytes are copied after it unchanged, and the temporary file replaces the original.
``__metadata__`` values are strings, so the manifest is stored as its JSON text.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

from auditor.checkpoints import CheckpointError
from auditor.checkpoints.formats import MANIFEST_METADATA_KEY, read_safetensors_header

ALIGNMENT = 8
CHUNK = 1 << 20


def embedded_manifest(path: Path) -> str | None:
    """The manifest text in the header of the safetensors file at PATH, or None."""
    metadata = read_safetensors_header(path).get("__metadata__")
    value = metadata.get(MANIFEST_METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None


def embed_manifest(path: Path, text: str) -> None:
    """Store TEXT as the manifest in the header of the safetensors file at PATH; the tensor
    data is copied byte for byte. Raises :class:`CheckpointError` when PATH cannot be read
    or replaced."""
    header = read_safetensors_header(path)
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{path}: the safetensors __metadata__ is not a JSON object")
    metadata = {**metadata, MANIFEST_METADATA_KEY: text}
    rest = {key: value for key, value in header.items() if key != "__metadata__"}
    raw = json.dumps({"__metadata__": metadata, **rest}, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % ALIGNMENT)
    try:
        with path.open("rb") as source:
            (length,) = struct.unpack("<Q", source.read(8))
            source.seek(8 + length)
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as target:
                    target.write(struct.pack("<Q", len(raw)))
                    target.write(raw)
                    shutil.copyfileobj(source, target, CHUNK)
                shutil.copymode(path, temp)
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
    except OSError as error:
        raise CheckpointError(f"cannot rewrite {path}: {error.strerror or error}") from None

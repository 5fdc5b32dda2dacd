"""Tell a checkpoint's container from its bytes: torch zip, legacy torch pickle, safetensors.

GPT-SoVITS overwrites the first two bytes of its ``torch.save`` zips (``PK``) with a version
tag such as ``05``, so a zip is recognised by its end-of-central-directory record and by the
rest of its first local header, not by its first bytes.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from auditor.checkpoints.checkpoint import ContainerFormat
from auditor.checkpoints.errors import CheckpointError

#: ``pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)``: the first pickle of a legacy torch file.
LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
EOCD_SIGNATURE = b"PK\x05\x06"
#: The end-of-central-directory record is 22 bytes plus a comment of at most 65,535 bytes.
EOCD_SEARCH = 22 + 0xFFFF
SAFETENSORS_HEADER_LIMIT = 100 * 1024 * 1024
#: The ``__metadata__`` entry of a safetensors file that holds its provenance manifest
#: (``model-audit stamp``): not part of the checkpoint's config.
MANIFEST_METADATA_KEY = "model_audit.manifest"


@dataclass(frozen=True)
class Detected:
    """A container format, and the version tag written over a zip's ``PK``, if any."""

    format: ContainerFormat
    version_tag: str | None = None


def detect_format(path: Path) -> Detected:
    """The container of the checkpoint at ``path``; :class:`CheckpointError` if none fits."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(16)
            stream.seek(max(0, size - EOCD_SEARCH))
            tail = stream.read()
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror}") from None
    if len(head) >= 4 and head[2:4] == b"\x03\x04":
        if EOCD_SIGNATURE not in tail:
            raise CheckpointError(f"{path} is a truncated or corrupt zip (no central directory)")
        return Detected(ContainerFormat.TORCH_ZIP, _version_tag(head[:2], path))
    if head.startswith(LEGACY_MAGIC):
        return Detected(ContainerFormat.TORCH_LEGACY)
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return Detected(ContainerFormat.PICKLE)
    if _looks_like_safetensors(head, size):
        return Detected(ContainerFormat.SAFETENSORS)
    raise CheckpointError(
        f"{path} is not a checkpoint this tool reads "
        "(expected a torch.save zip, a legacy torch pickle or safetensors)"
    )


def _version_tag(first: bytes, path: Path) -> str | None:
    if first == b"PK":
        return None
    if all(0x21 <= byte < 0x7F for byte in first):
        return first.decode("ascii")
    raise CheckpointError(f"{path}: the zip's first bytes {first!r} are neither PK nor a tag")


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= min(size - 8, SAFETENSORS_HEADER_LIMIT) and head[8:9] == b"{"


def read_safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file, checked against the file's length."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            (length,) = struct.unpack("<Q", stream.read(8))
            raw = stream.read(length)
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: corrupt safetensors header: {error}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the safetensors header is not a JSON object")
    data_size = size - 8 - length
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and offsets[1] <= data_size):
            raise CheckpointError(f"{path}: tensor {key!r} lies outside the file (truncated?)")
    return header


class PatchedHead(io.RawIOBase):
    """A read-only file whose first two bytes read as ``PK``, so zipfile accepts a tagged zip."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def readinto(self, buffer: Any) -> int:
        start = self._stream.tell()
        data = self._stream.read(len(buffer))
        if start < 2 and data:
            data = (b"PK"[start:] + data[2 - start :])[: len(data)]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()

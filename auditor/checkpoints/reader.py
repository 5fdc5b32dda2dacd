"""``read_checkpoint``: a checkpoint's container, tensors and config, without running its code."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.checkpoints.checkpoint import Checkpoint, ContainerFormat, JSONValue, TensorInfo
from auditor.checkpoints.errors import CheckpointError
from auditor.checkpoints.formats import (
    LEGACY_MAGIC,
    MANIFEST_METADATA_KEY,
    PatchedHead,
    detect_format,
    read_safetensors_header,
)
from auditor.checkpoints.unpickle import ConfigObject, restricted_load

#: Where projects keep the state dict: GPT-SoVITS and RVC, so-vits-svc, Lightning and others.
STATE_DICT_KEYS = ("weight", "model", "state_dict")
LEGACY_PROTOCOL = 1001


def read_checkpoint(path: Path) -> Checkpoint:
    """Read the checkpoint at ``path``: tensor shapes and config, tensor data left unread.

    Raises :class:`~auditor.checkpoints.errors.UnsafeCheckpoint` when the file asks for
    anything outside the allow-list, and :class:`CheckpointError` when it cannot be read.
    """
    detected = detect_format(path)
    if detected.format is ContainerFormat.SAFETENSORS:
        return _from_safetensors(path)
    if detected.format is ContainerFormat.TORCH_ZIP:
        root = _load_zip(path)
    else:
        root = _load_pickle_file(path, legacy=detected.format is ContainerFormat.TORCH_LEGACY)
    tensors = dict(_flatten(_state_dict(root)))
    config = _jsonable(root.get("config")) if isinstance(root, Mapping) else None
    keys = tuple(str(key) for key in root) if isinstance(root, Mapping) else ()
    extras = _extras(root) if isinstance(root, Mapping) else {}
    return Checkpoint(detected.format, detected.version_tag, tensors, config, keys, extras)


def _extras(root: Mapping[Any, Any]) -> dict[str, JSONValue]:
    """The container's top-level entries that are plain values, but for the config."""
    return {
        str(key): value
        for key, value in root.items()
        if key != "config" and (value is None or isinstance(value, (str, bool, int, float)))
    }


def _load_zip(path: Path) -> Any:
    try:
        with path.open("rb") as raw, zipfile.ZipFile(PatchedHead(raw)) as archive:
            names = [n for n in archive.namelist() if n.count("/") == 1]
            pickles = [n for n in names if n.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise CheckpointError(f"{path} is a zip but not a torch.save archive (no data.pkl)")
            with archive.open(pickles[0]) as stream:
                return restricted_load(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CheckpointError(f"{path} is a corrupt zip: {error}") from None


def _load_pickle_file(path: Path, *, legacy: bool) -> Any:
    try:
        with path.open("rb") as stream:
            if legacy:
                stream.seek(len(LEGACY_MAGIC) + 1)  # the magic number pickle and its STOP
                if restricted_load(stream) != LEGACY_PROTOCOL:
                    raise CheckpointError(f"{path}: unsupported legacy torch protocol version")
                restricted_load(stream)  # system info: byte order, type sizes
            return restricted_load(stream)
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror}") from None


def _state_dict(root: Any) -> Mapping[Any, Any]:
    if not isinstance(root, Mapping):
        return {}
    for key in STATE_DICT_KEYS:
        if isinstance(root.get(key), Mapping):
            return root[key]  # type: ignore[no-any-return]
    return root


def _flatten(tree: Mapping[Any, Any], prefix: str = "") -> Iterator[tuple[str, TensorInfo]]:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, TensorInfo):
            yield name, value
        elif isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")


def _jsonable(value: Any) -> JSONValue:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, ConfigObject):
        return _jsonable(value.fields)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, TensorInfo):
        return {"dtype": value.dtype, "shape": list(value.shape)}
    return repr(value)


def _from_safetensors(path: Path) -> Checkpoint:
    header = read_safetensors_header(path)
    tensors: dict[str, TensorInfo] = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        shape = entry.get("shape")
        dtype = entry.get("dtype")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise CheckpointError(f"{path}: tensor {key!r} has a malformed shape {shape!r}")
        if not isinstance(dtype, str):
            raise CheckpointError(f"{path}: tensor {key!r} has no dtype")
        tensors[key] = TensorInfo(SAFETENSORS_DTYPES.get(dtype, dtype.lower()), tuple(shape))
    metadata = header.get("__metadata__")
    if isinstance(metadata, dict):
        metadata = {k: v for k, v in metadata.items() if k != MANIFEST_METADATA_KEY}
    config = _jsonable(metadata) if isinstance(metadata, dict) else None
    return Checkpoint(ContainerFormat.SAFETENSORS, None, tensors, config, ())


#: safetensors dtype names in torch's words, so both formats report the same dtype.
SAFETENSORS_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
}

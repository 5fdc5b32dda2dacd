"""A checkpoint's tensors with their data, read without running anything the file brings.

The restricted unpickler of :mod:`auditor.checkpoints.unpickle` reads a ``torch.save`` zip's
pickle with an explicit allow-list; here its tensor stand-ins are given the data of their
storages (``archive/data/<key>``, read from the zip as bytes), so the tensors are real while
every global the pickle names still goes through the allow-list. Config objects
(GPT-SoVITS's ``HParams``) become plain dicts of their fields, which is what the project's
loaders read (``DictToAttrRecursive(dict_s2["config"])``). safetensors is read from its
header and byte ranges. torch is imported lazily: only a migration needs it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from auditor.checkpoints.checkpoint import ContainerFormat
from auditor.checkpoints.errors import CheckpointError
from auditor.checkpoints.formats import (
    MANIFEST_METADATA_KEY,
    PatchedHead,
    detect_format,
    read_safetensors_header,
)
from auditor.checkpoints.reader import SAFETENSORS_DTYPES, STATE_DICT_KEYS
from auditor.checkpoints.unpickle import ConfigObject, RestrictedUnpickler, StorageRecord


@dataclass
class StoredWeights:
    """A checkpoint read whole: its container, the state dict's place in it, its tensors.

    ``root`` is the container's top level with its state dict left out (GPT-SoVITS's
    ``config`` and ``info``), ``state_key`` where the state dict sits in it (None: the root
    is the state dict); ``weights`` the tensors by their keys in the file; ``metadata`` a
    safetensors file's ``__metadata__`` (the provenance manifest left out: it described the
    file before migration); ``order`` the container's top-level keys in file order.
    """

    format: ContainerFormat
    version_tag: str | None
    weights: dict[str, Any]
    state_key: str | None = None
    root: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] | None = None
    order: tuple[str, ...] = ()


def read_weights(path: Path) -> StoredWeights:
    """The tensors and container of the checkpoint at PATH (a torch zip or safetensors).

    Raises :class:`~auditor.checkpoints.errors.UnsafeCheckpoint` for a global outside the
    allow-list and :class:`CheckpointError` for a file it cannot read."""
    detected = detect_format(path)
    if detected.format is ContainerFormat.SAFETENSORS:
        return _from_safetensors(path)
    if detected.format is not ContainerFormat.TORCH_ZIP:
        raise CheckpointError(
            f"{path}: migrate reads torch.save zips and safetensors, not a "
            f"{detected.format.value} file (load and save it once with a current torch)"
        )
    root = _load_zip(path)
    if not isinstance(root, Mapping):
        raise CheckpointError(f"{path} holds no state dict")
    plain = {str(k): _plain(v) for k, v in root.items()}
    order = tuple(plain)
    state_key = next((k for k in STATE_DICT_KEYS if isinstance(plain.get(k), Mapping)), None)
    state = plain.pop(state_key) if state_key is not None else plain
    weights = _flat(state)
    if state_key is None:
        plain, order = {}, ()
    return StoredWeights(
        detected.format, detected.version_tag, weights, state_key, plain, order=order
    )


class _DataUnpickler(RestrictedUnpickler):
    """The restricted unpickler, whose tensors carry the data of their storages."""

    def __init__(self, stream: IO[bytes], archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(stream)
        self._archive = archive
        self._prefix = prefix
        self._data: dict[str, Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        allowed = super().find_class(module, name)
        if module == "torch._utils" and name.startswith("_rebuild_tensor"):
            return self._rebuild_tensor
        if module == "torch._utils" and name.startswith("_rebuild_parameter"):
            return _rebuild_parameter
        return allowed

    def _storage(self, record: StorageRecord) -> Any:
        import torch

        if record.key not in self._data:
            raw = bytearray(self._archive.read(f"{self._prefix}/data/{record.key}"))
            dtype = getattr(torch, record.dtype)
            self._data[record.key] = (
                torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
            )
        return self._data[record.key]

    def _rebuild_tensor(self, storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> Any:
        if not isinstance(storage, StorageRecord):
            raise CheckpointError("a tensor refers to no storage record")
        if not all(isinstance(v, tuple) for v in (size, stride)) or type(offset) is not int:
            raise CheckpointError(f"a tensor has a malformed layout {size!r} {stride!r}")
        data = self._storage(storage)
        try:
            return data.as_strided(size, stride, offset).clone()
        except RuntimeError as error:
            raise CheckpointError(f"a tensor lies outside its storage: {error}") from None


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    import torch

    if not isinstance(data, torch.Tensor):
        raise CheckpointError("a parameter wraps something that is not a tensor")
    return data


def _load_zip(path: Path) -> Any:
    try:
        with path.open("rb") as raw, zipfile.ZipFile(PatchedHead(raw)) as archive:
            pickles = [
                n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/data.pkl")
            ]
            if len(pickles) != 1:
                raise CheckpointError(f"{path} is a zip but not a torch.save archive (no data.pkl)")
            prefix = pickles[0].split("/")[0]
            with archive.open(pickles[0]) as stream:
                return _DataUnpickler(stream, archive, prefix).load()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as error:
        raise CheckpointError(f"{path} is a corrupt zip: {error}") from None


def _plain(value: Any) -> Any:
    """VALUE with config objects turned into dicts of their fields (recursively)."""
    if isinstance(value, ConfigObject):
        return {str(k): _plain(v) for k, v in value.fields.items()}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _flat(tree: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    import torch

    found: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, torch.Tensor):
            found[name] = value
        elif isinstance(value, Mapping):
            found.update(_flat(value, f"{name}."))
    return found


def _from_safetensors(path: Path) -> StoredWeights:
    import torch

    header = read_safetensors_header(path)
    whole = path.read_bytes()
    data = whole[8 + int.from_bytes(whole[:8], "little") :]
    weights: dict[str, Any] = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        dtype = getattr(torch, SAFETENSORS_DTYPES.get(entry["dtype"], entry["dtype"].lower()))
        begin, end = entry["data_offsets"]
        raw = bytearray(data[begin:end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        weights[key] = flat.reshape(entry["shape"]).clone()
    metadata = header.get("__metadata__")
    kept = None
    if isinstance(metadata, dict):
        kept = {str(k): str(v) for k, v in metadata.items() if k != MANIFEST_METADATA_KEY}
    return StoredWeights(ContainerFormat.SAFETENSORS, None, weights, metadata=kept)

"""A restricted unpickler: the few globals a ``torch.save`` of a state dict needs, nothing else.

``find_class`` maps an explicit allow-list of globals to harmless local stand-ins; any other
global (``os.system``, ``builtins.eval``, a project's own class) is refused with
:class:`UnsafeCheckpoint`. ``persistent_load`` records where a tensor's storage is, without
reading its data, and the tensor stand-ins return a :class:`TensorInfo`.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any

from auditor.checkpoints.checkpoint import TensorInfo
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint

#: torch's storage classes and the element type of their tensors.
STORAGE_DTYPES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
}

#: torch dtypes a config may hold (``torch.float16``); they read as the string "torch.float16".
DTYPE_NAMES = frozenset(
    {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8"}
    | {"bool", "complex64", "complex128", "float", "double", "half", "long", "int"}
)

#: Plain attribute bags used for configs: GPT-SoVITS's ``HParams``, ``argparse.Namespace``.
CONFIG_CLASSES = frozenset(
    {
        ("utils", "HParams"),
        ("GPT_SoVITS.utils", "HParams"),
        ("argparse", "Namespace"),
    }
)


@dataclass(frozen=True, slots=True)
class StorageType:
    """Stand-in for a storage class such as ``torch.HalfStorage``: only its dtype."""

    dtype: str


@dataclass(frozen=True, slots=True)
class StorageRecord:
    """A storage the file refers to: element type, key in the archive, element count."""

    dtype: str
    key: str
    numel: int | None


class ConfigObject:
    """Stand-in for a config class: keeps the fields the pickle gives it, does nothing else."""

    qualname = "config"
    fields: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> ConfigObject:
        instance = super().__new__(cls)
        instance.fields = {}
        return instance

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise UnsafeCheckpoint(f"{self.qualname} carries a state that is not plain fields")
        self.fields = dict(state)


def _config_class(qualname: str) -> type[ConfigObject]:
    return type(qualname, (ConfigObject,), {"qualname": qualname})


def _shape(size: Any) -> tuple[int, ...]:
    if not isinstance(size, tuple) or not all(type(d) is int and d >= 0 for d in size):
        raise CheckpointError(f"a tensor has a malformed shape {size!r}")
    return size


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, *rest: Any) -> TensorInfo:
    """Stand-in for ``torch._utils._rebuild_tensor(_v2)``: dtype and shape, no data."""
    if not isinstance(storage, StorageRecord):
        raise CheckpointError("a tensor refers to no storage record")
    return TensorInfo(dtype=storage.dtype, shape=_shape(size))


def _rebuild_parameter(data: Any, *rest: Any) -> Any:
    """Stand-in for ``torch._utils._rebuild_parameter(_with_state)``: the tensor itself."""
    if not isinstance(data, TensorInfo):
        raise CheckpointError("a parameter wraps something that is not a tensor")
    return data


def _ordered_dict(*args: Any) -> OrderedDict[Any, Any]:
    # OrderedDict() with an argument would iterate over whatever the pickle passes.
    if args:
        raise UnsafeCheckpoint("collections.OrderedDict called with arguments")
    return OrderedDict()


ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    **{("torch", name): StorageType(dtype) for name, dtype in STORAGE_DTYPES.items()},
    **{("torch", name): f"torch.{name}" for name in DTYPE_NAMES},
    **{key: _config_class(".".join(key)) for key in CONFIG_CLASSES},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickle a torch checkpoint's pickle with only the globals in :data:`ALLOWED`."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        self.storages: dict[str, StorageRecord] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeCheckpoint(
                f"refused global {module}.{name}: loading it could run code"
            ) from None

    def persistent_load(self, pid: Any) -> StorageRecord:
        # ('storage', storage type, key, location, numel[, view metadata (legacy files)])
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise UnsafeCheckpoint(f"refused persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, StorageType) or not isinstance(key, str):
            raise CheckpointError(f"malformed storage reference {pid!r}")
        record = StorageRecord(storage_type.dtype, key, numel if type(numel) is int else None)
        self.storages[key] = record
        return record


def restricted_load(stream: IO[bytes]) -> Any:
    """One pickle from ``stream``, read with :class:`RestrictedUnpickler`.

    Raises :class:`UnsafeCheckpoint` for a refused global and :class:`CheckpointError` for a
    pickle that is truncated or malformed.
    """
    try:
        return RestrictedUnpickler(stream).load()
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError("the pickle nests too deeply") from None
    except Exception as error:  # any malformed pickle: a corrupt file, never a crash
        raise CheckpointError(f"corrupt pickle: {type(error).__name__}: {error}") from None

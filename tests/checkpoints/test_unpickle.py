"""The restricted unpickler: torch's tensor globals become shapes; every other global is refused.

The pickles are written opcode by opcode, as ``torch.save`` writes them, so no torch is needed.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import struct
from pathlib import Path

import pytest

from auditor.checkpoints.checkpoint import TensorInfo
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint
from auditor.checkpoints.unpickle import ConfigObject, StorageRecord, restricted_load
from tests.checkpoint_files import Exploit


def _str(text: str) -> bytes:
    raw = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def _int(value: int) -> bytes:
    return pickle.BININT + struct.pack("<i", value)


def _tuple(*items: bytes) -> bytes:
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _tensor(storage: str, key: str, shape: tuple[int, ...], numel: int) -> bytes:
    """``torch._utils._rebuild_tensor_v2(persistent storage, 0, shape, stride, False, OD())``."""
    persistent = _tuple(
        _str("storage"), _global("torch", storage), _str(key), _str("cpu"), _int(numel)
    )
    ordered_dict = _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
    args = _tuple(
        persistent + pickle.BINPERSID,
        _int(0),
        _tuple(*(_int(d) for d in shape)),
        _tuple(*(_int(1) for _ in shape)),
        pickle.NEWFALSE,
        ordered_dict,
    )
    return _global("torch._utils", "_rebuild_tensor_v2") + args + pickle.REDUCE


def _load(body: bytes) -> object:
    return restricted_load(io.BytesIO(pickle.PROTO + b"\x02" + body + pickle.STOP))


def test_state_dict_reads_as_shapes() -> None:
    state = (
        _global("collections", "OrderedDict")
        + pickle.EMPTY_TUPLE
        + pickle.REDUCE
        + pickle.MARK
        + _str("enc_p.text_embedding.weight")
        + _tensor("HalfStorage", "0", (322, 192), 322 * 192)
        + _str("step")
        + _tensor("LongStorage", "1", (), 1)
        + pickle.SETITEMS
    )
    loaded = _load(pickle.EMPTY_DICT + _str("weight") + state + pickle.SETITEM)
    assert loaded == {
        "weight": {
            "enc_p.text_embedding.weight": TensorInfo("float16", (322, 192)),
            "step": TensorInfo("int64", ()),
        }
    }


def test_parameter_is_its_tensor() -> None:
    body = (
        _global("torch._utils", "_rebuild_parameter")
        + _tuple(_tensor("FloatStorage", "0", (4, 2), 8), pickle.NEWTRUE, pickle.EMPTY_DICT)
        + pickle.REDUCE
    )
    assert _load(body) == TensorInfo("float32", (4, 2))


def test_dtype_global_reads_as_its_name() -> None:
    assert _load(_global("torch", "bfloat16")) == "torch.bfloat16"


def test_config_object_keeps_plain_fields() -> None:
    fields = _str("sampling_rate") + _int(32000) + _str("filter_length") + _int(2048)
    body = (
        _global("utils", "HParams")
        + pickle.EMPTY_TUPLE
        + pickle.NEWOBJ
        + pickle.EMPTY_DICT
        + pickle.MARK
        + fields
        + pickle.SETITEMS
        + pickle.BUILD
    )
    loaded = _load(body)
    assert isinstance(loaded, ConfigObject)
    assert loaded.fields == {"sampling_rate": 32000, "filter_length": 2048}


def test_namespace_config_as_pickled_by_python() -> None:
    data = pickle.dumps(argparse.Namespace(version="v2", hop=640), protocol=2)
    loaded = restricted_load(io.BytesIO(data))
    assert isinstance(loaded, ConfigObject)
    assert loaded.fields == {"version": "v2", "hop": 640}


def test_config_object_refuses_other_state() -> None:
    body = _global("utils", "HParams") + pickle.EMPTY_TUPLE + pickle.NEWOBJ + _int(1) + pickle.BUILD
    with pytest.raises(UnsafeCheckpoint, match=r"utils\.HParams carries a state"):
        _load(body)


@pytest.mark.parametrize(
    ("module", "name"),
    [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("subprocess", "Popen")],
)
def test_other_globals_are_refused(module: str, name: str) -> None:
    with pytest.raises(UnsafeCheckpoint, match=rf"refused global {module}\.{name}"):
        _load(_global(module, name) + _tuple(_str("echo pwned")) + pickle.REDUCE)


def test_reduce_gadget_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = pickle.dumps({"weight": {}, "info": Exploit(marker)}, protocol=2)
    with pytest.raises(UnsafeCheckpoint, match=f"refused global {os.name}.system"):
        restricted_load(io.BytesIO(data))
    assert not marker.exists()


def test_storage_classes_cannot_be_called() -> None:
    with pytest.raises(CheckpointError, match="corrupt pickle"):
        _load(_global("torch", "FloatStorage") + _tuple(_int(3)) + pickle.REDUCE)


def test_ordered_dict_with_arguments_is_refused() -> None:
    body = _global("collections", "OrderedDict") + _tuple(_str("ab")) + pickle.REDUCE
    with pytest.raises(UnsafeCheckpoint, match="OrderedDict called with arguments"):
        _load(body)


def test_foreign_persistent_id_is_refused() -> None:
    with pytest.raises(UnsafeCheckpoint, match="persistent id"):
        _load(_str("evil") + pickle.BINPERSID)


def test_malformed_shape_is_corrupt() -> None:
    body = _tensor("FloatStorage", "0", (2,), 2).replace(_tuple(_int(2)), _tuple(_str("x")), 1)
    with pytest.raises(CheckpointError, match="malformed shape"):
        _load(body)


def test_truncated_pickle_is_corrupt() -> None:
    with pytest.raises(CheckpointError, match="corrupt pickle"):
        restricted_load(io.BytesIO(b"\x80\x02}q\x00(X\x06\x00\x00\x00wei"))


def test_storages_are_recorded_without_data() -> None:
    record = _load(
        _tuple(_str("storage"), _global("torch", "BoolStorage"), _str("7"), _str("cpu"), _int(5))
        + pickle.BINPERSID
    )
    assert record == StorageRecord("bool", "7", 5)

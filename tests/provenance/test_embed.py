"""A manifest in a safetensors header: tensor bytes untouched, metadata kept, header aligned."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from auditor.checkpoints import CheckpointError, TensorInfo, read_checkpoint
from auditor.checkpoints.formats import MANIFEST_METADATA_KEY
from auditor.provenance.embed import embed_manifest, embedded_manifest
from tests.checkpoint_files import write_safetensors


def parts(path: Path) -> tuple[dict[str, object], int, bytes]:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]), length, data[8 + length :]


def test_the_header_takes_the_manifest_and_nothing_else_moves(tmp_path: Path) -> None:
    folder = tmp_path / "weights"
    folder.mkdir()
    path = write_safetensors(folder / "m.safetensors", {"a": ("F32", (3,)), "b": ("F16", (2, 2))})
    raw = path.read_bytes()
    path.write_bytes(raw[:-20] + bytes(range(20)))  # 20 bytes of tensor data, all distinct
    header, _, data = parts(path)
    assert embedded_manifest(path) is None
    embed_manifest(path, '{"schema_version": 1}')
    new_header, length, new_data = parts(path)
    assert new_data == data and length % 8 == 0
    assert new_header["__metadata__"] == {
        "format": "pt",
        MANIFEST_METADATA_KEY: '{"schema_version": 1}',
    }
    assert {k: v for k, v in new_header.items() if k != "__metadata__"} == {
        k: v for k, v in header.items() if k != "__metadata__"
    }
    assert embedded_manifest(path) == '{"schema_version": 1}'
    embed_manifest(path, "{}")
    assert embedded_manifest(path) == "{}"
    assert read_checkpoint(path).tensors == {
        "a": TensorInfo("float32", (3,)),
        "b": TensorInfo("float16", (2, 2)),
    }
    assert list(folder.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.torch
def test_safetensors_still_loads_it(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.torch")
    torch = pytest.importorskip("torch")
    path = tmp_path / "m.safetensors"
    safetensors.save_file({"w": torch.arange(6.0).reshape(2, 3)}, str(path))
    embed_manifest(path, "{}")
    assert torch.equal(safetensors.load_file(str(path))["w"], torch.arange(6.0).reshape(2, 3))


def test_a_file_that_is_not_safetensors_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", 5) + b"[1,2]")
    with pytest.raises(CheckpointError, match="not a JSON object"):
        embed_manifest(path, "{}")

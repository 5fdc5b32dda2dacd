"""Digests: the file's sha256, a safetensors file's tensor data, its keys and shapes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from auditor.checkpoints import CheckpointError, TensorInfo
from auditor.provenance.digest import file_sha256, keys_digest, tensor_data_sha256
from auditor.provenance.embed import embed_manifest
from tests.checkpoint_files import write_safetensors


def test_file_sha256_is_the_files(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"x" * 3_000_000)
    assert file_sha256(path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"cannot read .*gone\.pth"):
        file_sha256(tmp_path / "gone.pth")


def test_tensor_data_survives_a_new_header(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (4, 4))})
    before, whole = tensor_data_sha256(path), file_sha256(path)
    assert before == hashlib.sha256(bytes(64)).hexdigest()
    embed_manifest(path, "{}")
    assert tensor_data_sha256(path) == before
    assert file_sha256(path) != whole


def test_a_short_file_is_no_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "short.safetensors"
    path.write_bytes(b"\x01")
    with pytest.raises(CheckpointError, match="too short"):
        tensor_data_sha256(path)


def test_keys_digest_ignores_order_and_dtype_not_shapes() -> None:
    one = {"a.weight": TensorInfo("float32", (2, 3)), "b.bias": TensorInfo("float32", (3,))}
    other = {"b.bias": TensorInfo("float16", (3,)), "a.weight": TensorInfo("float16", (2, 3))}
    wider = {"a.weight": TensorInfo("float32", (2, 4)), "b.bias": TensorInfo("float32", (3,))}
    assert keys_digest(one) == keys_digest(other)
    assert keys_digest(one) != keys_digest(wider)
    canonical = b'[["a.weight",[2,3]],["b.bias",[3]]]'
    assert keys_digest(one) == "sha256:" + hashlib.sha256(canonical).hexdigest()

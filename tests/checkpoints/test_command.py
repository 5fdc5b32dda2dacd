"""``model-audit ckpt-info``: table and JSON output, exit 2 for unreadable, 3 for unsafe files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checkpoint_files import (
    TINY_PARAMETERS,
    malicious_pickle,
    torch_gpt_sovits,
    write_malicious_zip,
    write_safetensors,
)
from tests.conftest import validate
from tests.test_cli import run


@pytest.mark.torch
def test_tagged_gpt_sovits_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")
    path = torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=b"05")
    code, out, err = run(capsys, "ckpt-info", str(path), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    validate(document, "checkpoint")
    assert document["format"] == "torch-zip"
    assert document["version_tag"] == "05"
    assert document["container_keys"] == ["weight", "config", "info"]
    assert document["tensor_count"] == 5
    assert document["parameter_count"] == TINY_PARAMETERS
    assert document["tensors"][0] == {
        "key": "enc_p.text_embedding.weight",
        "dtype": "float16",
        "shape": [322, 192],
    }

    code, out, _ = run(capsys, "ckpt-info", str(path))
    assert code == 0
    assert "version tag:     05" in out
    assert "enc_p.text_embedding.weight  float16   (322, 192)" in out


def test_safetensors_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (2, 3))})
    code, out, _ = run(capsys, "ckpt-info", str(path), "--format", "json")
    assert code == 0
    validate(json.loads(out), "checkpoint")
    code, out, _ = run(capsys, "ckpt-info", str(path))
    assert code == 0
    assert out.splitlines()[-1] == "w  float32   (2, 3)"
    assert "parameters:      6" in out


@pytest.mark.parametrize("packing", ["zip", "tagged-zip", "raw"])
def test_malicious_checkpoint_exits_3_without_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], packing: str
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    if packing == "raw":
        path.write_bytes(malicious_pickle(marker))
    else:
        write_malicious_zip(path, marker, tag=b"05" if packing == "tagged-zip" else None)
    code, out, err = run(capsys, "ckpt-info", str(path))
    assert code == 3
    assert out == ""
    assert err.startswith(f"unsafe: {path}: refused global ")
    assert "system" in err
    assert len(err.splitlines()) == 1
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + bytes(60), "truncated or corrupt zip"),
        (b"just some notes\n", "not a checkpoint this tool reads"),
        (b"\x80\x02}q\x00(X\x06\x00\x00\x00wei", "corrupt pickle"),
    ],
)
def test_unreadable_checkpoint_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    code, out, err = run(capsys, "ckpt-info", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_missing_checkpoint_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ckpt-info", str(tmp_path / "missing.pth"))
    assert code == 2
    assert "cannot read checkpoint" in err

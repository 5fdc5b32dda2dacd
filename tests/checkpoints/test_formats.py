"""Container detection: zips by their central directory (tagged or not), pickles, safetensors."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from auditor.checkpoints.checkpoint import ContainerFormat
from auditor.checkpoints.errors import CheckpointError
from auditor.checkpoints.formats import LEGACY_MAGIC, PatchedHead, detect_format
from tests.checkpoint_files import write_safetensors


def _zip(path: Path, first: bytes = b"PK") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    path.write_bytes(first + path.read_bytes()[2:])
    return path


def test_plain_zip_has_no_tag(tmp_path: Path) -> None:
    detected = detect_format(_zip(tmp_path / "a.pth"))
    assert (detected.format, detected.version_tag) == (ContainerFormat.TORCH_ZIP, None)


@pytest.mark.parametrize("tag", ["03", "04", "05", "06"])
def test_zip_with_version_tag_over_pk(tmp_path: Path, tag: str) -> None:
    detected = detect_format(_zip(tmp_path / "a.pth", tag.encode()))
    assert (detected.format, detected.version_tag) == (ContainerFormat.TORCH_ZIP, tag)


def test_truncated_zip_is_corrupt(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.pth", b"05")
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(CheckpointError, match="truncated or corrupt zip"):
        detect_format(path)


def test_legacy_and_plain_pickles(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.pth"
    legacy.write_bytes(LEGACY_MAGIC + b".")
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(b"\x80\x04N.")
    assert detect_format(legacy).format is ContainerFormat.TORCH_LEGACY
    assert detect_format(plain).format is ContainerFormat.PICKLE


def test_safetensors(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (2, 3))})
    assert detect_format(path) == detect_format(path)
    assert detect_format(path).format is ContainerFormat.SAFETENSORS


def test_text_and_missing_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not a checkpoint this tool reads"):
        detect_format(text)
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        detect_format(tmp_path / "missing.pth")


def test_safetensors_header_longer_than_file_is_not_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b'{"w": 1}')
    with pytest.raises(CheckpointError):
        detect_format(path)


def test_patched_head_reads_pk_over_the_tag() -> None:
    stream = PatchedHead(io.BytesIO(b"05\x03\x04rest"))
    assert stream.read(3) == b"PK\x03"
    stream.seek(1)
    assert stream.read() == b"K\x03\x04rest"

"""read_checkpoint on ``torch.save`` files, tagged zips, legacy files, safetensors, exploits."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from auditor.checkpoints import (
    CheckpointError,
    ContainerFormat,
    TensorInfo,
    UnsafeCheckpoint,
    read_checkpoint,
)
from tests.checkpoint_files import (
    CONFIG,
    TINY_PARAMETERS,
    TINY_SHAPES,
    malicious_pickle,
    torch_gpt_sovits,
    write_malicious_zip,
    write_safetensors,
)

EXPECTED = {key: TensorInfo("float16", shape) for key, shape in TINY_SHAPES.items()}


@pytest.mark.torch
@pytest.mark.parametrize(
    ("tag", "legacy", "fmt"),
    [
        (None, False, ContainerFormat.TORCH_ZIP),
        (b"05", False, ContainerFormat.TORCH_ZIP),
        (None, True, ContainerFormat.TORCH_LEGACY),
    ],
)
def test_gpt_sovits_checkpoint(
    tmp_path: Path, tag: bytes | None, legacy: bool, fmt: ContainerFormat
) -> None:
    torch = pytest.importorskip("torch")
    path = torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=tag, legacy=legacy)
    checkpoint = read_checkpoint(path)
    assert checkpoint.format is fmt
    assert checkpoint.version_tag == (tag.decode() if tag else None)
    assert checkpoint.tensors == EXPECTED
    assert checkpoint.tensors["enc_p.text_embedding.weight"].shape == (322, 192)
    assert checkpoint.parameter_count == TINY_PARAMETERS
    assert checkpoint.config == CONFIG
    assert checkpoint.container_keys == ("weight", "config", "info")


@pytest.mark.torch
def test_tagged_zip_defeats_plain_torch_load(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=b"05")
    with pytest.raises(Exception):  # noqa: B017 - torch's own error type varies by version
        torch.load(path, weights_only=True)
    assert read_checkpoint(path).version_tag == "05"


@pytest.mark.torch
def test_so_vits_svc_layout_and_parameters(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    linear = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(linear.parameters())
    path = tmp_path / "G_0.pth"
    model = {"model": dict(linear.named_parameters()), "iteration": 0}
    torch.save({**model, "optimizer": optimizer.state_dict(), "learning_rate": 1e-4}, path)
    checkpoint = read_checkpoint(path)
    assert checkpoint.tensors == {
        "weight": TensorInfo("float32", (2, 3)),
        "bias": TensorInfo("float32", (2,)),
    }
    assert checkpoint.container_keys == ("model", "iteration", "optimizer", "learning_rate")
    assert checkpoint.config is None
    assert checkpoint.extras == {"iteration": 0, "learning_rate": 1e-4}


def test_plain_top_level_values_are_kept_as_extras(tmp_path: Path) -> None:
    """RVC saves its version, sampling rate and pitch flag beside a list config."""
    saved = {
        "weight": {},
        "config": [1025, 32, 192, 40000],
        "info": "300epoch",
        "sr": "40k",
        "f0": 1,
        "version": "v2",
        "nested": {"not": "kept"},
    }
    path = tmp_path / "rvc.pth"
    path.write_bytes(pickle.dumps(saved, protocol=2))
    checkpoint = read_checkpoint(path)
    assert checkpoint.config == [1025, 32, 192, 40000]
    assert checkpoint.extras == {"info": "300epoch", "sr": "40k", "f0": 1, "version": "v2"}


def test_safetensors(tmp_path: Path) -> None:
    path = write_safetensors(
        tmp_path / "m.safetensors",
        {"enc_p.text_embedding.weight": ("F16", (322, 192)), "step": ("I64", ())},
    )
    checkpoint = read_checkpoint(path)
    assert checkpoint.format is ContainerFormat.SAFETENSORS
    assert checkpoint.tensors == {
        "enc_p.text_embedding.weight": TensorInfo("float16", (322, 192)),
        "step": TensorInfo("int64", ()),
    }
    assert checkpoint.config == {"format": "pt"}


def test_a_stamped_manifest_is_no_part_of_a_safetensors_config(tmp_path: Path) -> None:
    from auditor.provenance.embed import embed_manifest

    path = write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (4,))})
    embed_manifest(path, '{"schema_version": 1}')
    assert read_checkpoint(path).config == {"format": "pt"}


def test_truncated_safetensors(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (100,))})
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="outside the file"):
        read_checkpoint(path)


@pytest.mark.parametrize("tag", [None, b"05"])
def test_malicious_zip_is_refused_and_not_run(tmp_path: Path, tag: bytes | None) -> None:
    marker = tmp_path / "pwned"
    path = write_malicious_zip(tmp_path / "evil.pth", marker, tag=tag)
    with pytest.raises(UnsafeCheckpoint, match="system"):
        read_checkpoint(path)
    assert not marker.exists()


def test_malicious_raw_pickle_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(malicious_pickle(marker))
    with pytest.raises(UnsafeCheckpoint, match="system"):
        read_checkpoint(path)
    assert not marker.exists()


def test_pickled_module_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"model": Path("x")}, protocol=2))
    with pytest.raises(UnsafeCheckpoint, match="pathlib"):
        read_checkpoint(path)


def test_zip_without_data_pkl(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(CheckpointError, match=r"no data\.pkl"):
        read_checkpoint(path)

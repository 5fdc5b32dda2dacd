"""read_weights: a checkpoint's tensors with their data, read through the allow-list."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from auditor.checkpoints.checkpoint import ContainerFormat
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint
from auditor.migrate.weights import read_weights
from auditor.migrate.write import safetensors_bytes
from tests.checkpoint_files import CONFIG, tiny_state_dict, torch_gpt_sovits, write_malicious_zip

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")


def test_a_tagged_gpt_sovits_zip_reads_whole(tmp_path: Path) -> None:
    stored = read_weights(torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=b"05"))
    assert (stored.format, stored.version_tag, stored.state_key) == (
        ContainerFormat.TORCH_ZIP,
        "05",
        "weight",
    )
    assert stored.order == ("weight", "config", "info")
    assert stored.root == {"config": CONFIG, "info": "e8_s200"}
    expected = tiny_state_dict(torch)
    assert list(stored.weights) == list(expected)
    assert all(torch.equal(stored.weights[k], v) for k, v in expected.items())


def test_a_config_object_becomes_the_dict_of_its_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    utils = types.ModuleType("utils")

    class HParams:
        def __init__(self, **fields: object) -> None:
            self.__dict__.update(fields)

    HParams.__module__ = "utils"
    HParams.__qualname__ = "HParams"
    utils.HParams = HParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "utils", utils)
    path = tmp_path / "s2G.pth"
    hps = HParams(model=HParams(hidden_channels=192), version="v2")
    torch.save({"weight": {"w": torch.ones(2)}, "config": hps}, path)
    assert read_weights(path).root == {
        "config": {"model": {"hidden_channels": 192}, "version": "v2"}
    }


def test_views_of_one_storage_keep_their_own_data(tmp_path: Path) -> None:
    base = torch.arange(12.0)
    path = tmp_path / "views.pth"
    torch.save({"a": base[2:6], "b": base.view(3, 4).t()}, path)
    stored = read_weights(path)
    assert stored.state_key is None and stored.root == {}
    assert torch.equal(stored.weights["a"], base[2:6])
    assert torch.equal(stored.weights["b"], base.view(3, 4).t())


def test_safetensors_reads_without_its_manifest(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    weights = {"emb.weight": torch.randn(3, 2).half(), "ids": torch.arange(4)}
    metadata = {"format": "pt", "model_audit.manifest": "{}"}
    path.write_bytes(safetensors_bytes(weights, metadata))
    stored = read_weights(path)
    assert stored.format is ContainerFormat.SAFETENSORS and stored.metadata == {"format": "pt"}
    assert all(torch.equal(stored.weights[k], v) for k, v in weights.items())


def test_code_in_the_pickle_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UnsafeCheckpoint, match="refused global"):
        read_weights(write_malicious_zip(tmp_path / "bad.pth", marker, tag=b"05"))
    assert not marker.exists()


def test_a_legacy_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = torch_gpt_sovits(torch, tmp_path / "old.pth", legacy=True)
    with pytest.raises(CheckpointError, match=r"not a torch-legacy file \(load and save it once"):
        read_weights(path)

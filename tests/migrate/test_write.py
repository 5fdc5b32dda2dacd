"""Carrying out a plan on tensors, and writing the container the project loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.results import ConfigDifference, KeyMapping
from auditor.migrate.plan import MigrationPlan, NewRows, Step, SymbolRows, TensorPlan, Treatment
from auditor.migrate.symbols import SymbolTable, row_map
from auditor.migrate.weights import read_weights
from auditor.migrate.write import (
    file_key,
    migrated_weights,
    model_weights,
    updated_config,
    write_checkpoint,
)
from tests.checkpoint_files import torch_gpt_sovits

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

ROWS = row_map(
    SymbolTable("s.py", "symbols", ("_", "a", "b")),
    SymbolTable("s.py", "symbols", ("_", "b", "ja", "a")),
)


def tensor(key: str, step: Step, source: str | None) -> TensorPlan:
    return TensorPlan(key, step, Treatment.EXACT, source, None, None, "")


def plan(new_rows: NewRows = NewRows.INIT) -> MigrationPlan:
    return MigrationPlan(
        tensors=(
            tensor("dec.w", Step.COPY, "dec.w"),
            tensor("ref_encoder.w", Step.RENAME, "ref_enc.w"),
            tensor("emb.weight", Step.SYMBOL_ROWS, "emb.weight"),
            tensor("sv_emb.weight", Step.INITIALISE, None),
            tensor("gone.w", Step.DROP, "gone.w"),
        ),
        symbol_rows=(SymbolRows("emb.weight", ROWS),),
        new_rows=new_rows,
    )


def test_each_step_makes_its_tensor() -> None:
    old = {
        "dec.w": torch.ones(2).half(),
        "ref_enc.w": torch.full((2,), 3.0).half(),
        "emb.weight": torch.tensor([[0.0], [1.0], [2.0]]).half(),
        "gone.w": torch.zeros(1).half(),
    }
    init = {
        "dec.w": torch.zeros(2),
        "ref_encoder.w": torch.zeros(2),
        "emb.weight": torch.full((4, 1), 9.0),
        "sv_emb.weight": torch.full((2, 2), 5.0),
    }
    made = migrated_weights(plan(), old, init)
    assert list(made) == ["dec.w", "ref_encoder.w", "emb.weight", "sv_emb.weight"]
    assert torch.equal(made["ref_encoder.w"], old["ref_enc.w"])
    assert made["emb.weight"].flatten().tolist() == [0.0, 2.0, 9.0, 1.0]
    assert made["sv_emb.weight"].dtype == torch.float16
    mean = migrated_weights(plan(NewRows.MEAN), old, init)
    assert mean["emb.weight"].flatten().tolist() == [0.0, 2.0, 1.0, 1.0]


def test_keys_go_back_to_the_files_names() -> None:
    mapping = KeyMapping(strip="model.", add="")
    assert file_key(mapping.apply("model.ar.weight"), mapping) == "model.ar.weight"
    added = KeyMapping(strip="", add="net.")
    assert file_key(added.apply("dec.w"), added) == "dec.w"


def test_the_stored_config_takes_the_new_values() -> None:
    stored = {"model": {"hidden_channels": 192, "version": "v1"}, "train": {"epochs": 8}}
    updates = [
        ConfigDifference("model.hidden_channels", 192, 256),
        ConfigDifference("data.n_speakers", 300, 500),
    ]
    assert updated_config(stored, updates) == {
        "model": {"hidden_channels": 256, "version": "v1"},
        "train": {"epochs": 8},
    }
    assert stored["model"]["hidden_channels"] == 192


def test_a_tagged_zip_keeps_its_tag_order_and_extras(tmp_path: Path) -> None:
    stored = read_weights(torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=b"05"))
    weights = model_weights(stored, KeyMapping())
    weights["enc_p.extra.weight"] = torch.ones(3).half()
    target = tmp_path / "s2G.migrated.pth"
    update = ConfigDifference("model.inter_channels", 192, 256)
    write_checkpoint(stored, weights, [update], target)
    assert target.read_bytes()[:2] == b"05"
    again = read_weights(target)
    assert again.order == ("weight", "config", "info") and again.root["info"] == "e8_s200"
    assert again.root["config"]["model"] == {"inter_channels": 256}
    assert torch.equal(again.weights["enc_p.extra.weight"], torch.ones(3).half())
    assert read_checkpoint(target).version_tag == "05"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_safetensors_stays_safetensors(tmp_path: Path) -> None:
    source = tmp_path / "model.safetensors"
    from auditor.migrate.write import safetensors_bytes

    source.write_bytes(safetensors_bytes({"a": torch.ones(2, 3)}, {"format": "pt"}))
    stored = read_weights(source)
    target = tmp_path / "model.migrated.safetensors"
    write_checkpoint(stored, {"b": torch.arange(5, dtype=torch.int64)}, [], target)
    read = read_checkpoint(target)
    assert read.format.value == "safetensors" and read.config == {"format": "pt"}
    assert torch.equal(read_weights(target).weights["b"], torch.arange(5))

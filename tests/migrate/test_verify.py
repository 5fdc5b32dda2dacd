"""Verification's parts: ids translated to the new table, the inputs that are ids, and what
a worker's answers say about the written file."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.migrate.plan import SymbolRows
from auditor.migrate.symbols import SymbolTable, row_map
from auditor.migrate.verify import Verification, _id_inputs, _verification, translate_ids
from auditor.runtime.profile import load_profile

ROWS = row_map(
    SymbolTable("s.py", "symbols", ("_", "a", "b")),
    SymbolTable("s.py", "symbols", ("_", "ja", "b", "a")),
)


@pytest.mark.torch
def test_recorded_ids_are_renumbered_as_the_new_table(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    record = tmp_path / "outputs.pt"
    codes = torch.tensor([[5, 6]])
    saved = {
        "method": "decode",
        "names": ["codes", "text"],
        "args": [codes, torch.tensor([[0, 1, 2, 1]])],
        "kwargs": {"lang": torch.tensor([2])},
        "outputs": [],
    }
    torch.save(saved, record)
    translate_ids(record, {"text": ROWS.old_to_new(), "lang": ROWS.old_to_new()})
    again = torch.load(record, weights_only=True)
    assert again["args"][1].tolist() == [[0, 3, 2, 3]]
    assert again["kwargs"]["lang"].tolist() == [2]
    assert torch.equal(again["args"][0], codes)


def test_the_inputs_drawn_below_an_embeddings_size_are_its_ids() -> None:
    spec = next(m for m in load_profile("gpt-sovits").models if m.name == "sovits")
    rows = [SymbolRows("enc_p.text_embedding.weight", ROWS)]
    assert _id_inputs(spec, rows) == {"text": {0: 0, 1: 3, 2: 2}}
    assert _id_inputs(spec, [SymbolRows("enc_p.other.weight", ROWS)]) == {}


def test_answers_become_a_verification() -> None:
    loaded = {"loaded": True, "missing": [], "unexpected": ["x"]}
    comparison = {
        "old_shapes": [[1, 2]],
        "new_shapes": [[1, 2]],
        "max_abs_error": 1e-6,
        "max_rel_error": 2e-6,
        "note": None,
    }
    answer = {"built": True, "load": loaded, "inference": {"ok": True, "comparison": comparison}}
    found = _verification(answer, 1e-4, None)
    assert found == Verification(True, 1e-4, (), ("x",), 1e-6, 2e-6)
    assert found.matches is True
    assert Verification(True, 1e-4, max_rel_error=0.5).matches is False
    mismatched = {"loaded": False, "mismatched": [{"key": "w", "old": [3], "new": [4]}]}
    refused = _verification({"built": True, "load": mismatched}, 1e-4, None)
    assert (refused.loads, refused.error) == (False, "does not load: shapes differ: w [3] → [4]")
    unrun = _verification({"built": True, "load": loaded}, 1e-4, "no inputs")
    assert unrun.note == "outputs not compared: no inputs" and unrun.matches is None
    unbuilt = _verification({"built": False, "error": "boom"}, 1e-4, None)
    assert unbuilt.error == "the new model could not be built: boom"

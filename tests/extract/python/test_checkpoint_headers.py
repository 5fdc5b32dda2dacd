"""Stage 1: version tags a checkpoint-saving function writes over a saved file's head."""

from __future__ import annotations

import ast

from auditor.extract.python.checkpoint_headers import checkpoint_headers
from auditor.extract.python.summary import CheckpointHeader, ModuleSummary

SAVES = """\
from io import BytesIO

import torch

version2byte = {"v3": b"04"}


def my_save2(fea, path):
    bio = BytesIO()
    torch.save(fea, bio)
    data = bio.getvalue()
    data = b"03" + data[2:]
    with open(path, "wb") as f:
        f.write(data)


class Saver:
    def save(self, fea, path, version):
        bio = BytesIO()
        torch.save(fea, bio)
        data = version2byte[version] + bio.getvalue()[2:]
        open(path, "wb").write(data)


def read_head(path):
    return b"PK" + open(path, "rb").read()[2:]


def pads(fea, path):
    torch.save(fea, path)
    return b"030" + fea[2:], fea[2:] + b"00", b"03" + fea[2:9]
"""


def test_literal_and_run_time_tags_of_saving_functions() -> None:
    assert checkpoint_headers(SAVES) == (
        CheckpointHeader("my_save2", "03", 12),
        CheckpointHeader("Saver.save", "<2 bytes>", 21),
    )
    assert checkpoint_headers(SAVES, ast.parse(SAVES)) == checkpoint_headers(SAVES)


def test_nothing_without_a_save_or_a_splice_or_valid_python() -> None:
    assert checkpoint_headers(SAVES.replace("torch.save", "torch.load")) == ()
    assert checkpoint_headers("import torch\n\ndef f(x):\n    torch.save(x, 'a.pt')\n") == ()
    assert checkpoint_headers("def f(:\n    torch.save(x)\n    y = b'03' + d[2:]\n") == ()


def test_tags_round_trip_through_the_summary() -> None:
    summary = ModuleSummary(checkpoint_headers=checkpoint_headers(SAVES))
    assert ModuleSummary.from_json(summary.to_json()) == summary

"""Stage 2: one checkpoint-format fact per saving function, its tags sorted."""

from __future__ import annotations

from auditor.domain import FactKind
from auditor.extract.python import ModuleSummary, resolve_python_facts, summarise_module

SAVES = """\
import torch


def save_tagged(state, path, buffer, v2):
    torch.save(state, buffer)
    data = buffer.getvalue()
    head = b"02" + data[2:] if v2 else b"01" + data[2:]
    open(path, "wb").write(head)


def save_plain(state, path):
    torch.save(state, path)
"""


def test_each_saving_function_gives_its_tags() -> None:
    modules: dict[str, ModuleSummary] = {"tools/ckpt.py": summarise_module(SAVES.encode())}
    facts = [
        f
        for f in resolve_python_facts("tools/ckpt.py", modules)
        if f.kind is FactKind.CHECKPOINT_FORMAT
    ]
    assert [(f.key, f.parameter, f.value, f.line) for f in facts] == [
        ("save_tagged.header", "checkpoint header", ("01", "02"), 7)
    ]

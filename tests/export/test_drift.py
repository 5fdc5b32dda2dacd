"""Where an export copy of a class (``models_onnx.py``) drifted from the class it copies."""

from __future__ import annotations

from collections.abc import Callable

from auditor.domain import ChangeKind
from auditor.export.drift import copy_drift, is_export_copy
from auditor.pipeline import AuditOptions
from tests.gitrepo import GitRepo

MODELS = """
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, hidden_channels, n_vocab=322):
        super().__init__()
        self.emb = nn.Embedding(n_vocab, hidden_channels)
        self.proj = nn.Conv1d(hidden_channels, hidden_channels * 2, 1)


class Flow(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.pre = nn.Conv1d(channels, channels, 1)
"""


def test_names_of_export_copies() -> None:
    assert is_export_copy("GPT_SoVITS/module/models_onnx.py")
    assert is_export_copy("attentions_onnx.py")
    assert not is_export_copy("GPT_SoVITS/module/models.py")
    assert not is_export_copy("onnx_export.py")


def test_a_drifted_copy_lists_its_facts_and_an_exact_copy_none(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    drifted = MODELS.replace("n_vocab=322", "n_vocab=732").replace(
        "        self.proj = nn.Conv1d(hidden_channels, hidden_channels * 2, 1)\n", ""
    )
    repo.commit(
        "models and their export copy",
        {"module/models.py": MODELS, "module/models_onnx.py": drifted, "module/other.py": MODELS},
    )
    found = copy_drift(repo.path, "HEAD", AuditOptions(use_cache=False))
    assert [(d.copy, d.original, d.class_name) for d in found] == [
        ("module/models_onnx.py", "module/models.py", "Flow"),
        ("module/models_onnx.py", "module/models.py", "TextEncoder"),
    ]
    flow, encoder = found
    assert flow.changes == ()
    changes = {(c.kind, c.key, c.old, c.new) for c in encoder.changes}
    assert (
        ChangeKind.MODIFIED,
        "TextEncoder.__init__.self.emb.num_embeddings",
        322,
        732,
    ) in changes
    assert all(c.file == "module/models_onnx.py" for c in encoder.changes)
    removed = {c.key for c in encoder.changes if c.kind is ChangeKind.REMOVED}
    assert "TextEncoder.__init__.self.proj" in removed


def test_a_tree_without_export_copies_has_no_drift(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("models", {"module/models.py": MODELS})
    assert copy_drift(repo.path, "HEAD", AuditOptions(use_cache=False)) == ()

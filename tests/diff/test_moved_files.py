"""A file moved and rewritten between two revisions is compared as one file (tree to tree)."""

from __future__ import annotations

from pathlib import Path

from auditor.history import diff_trees, open_repository
from auditor.pipeline import AuditOptions, diff_revisions
from tests.gitrepo import GitRepo

S1_OLD = """\
train:
  seed: 1234
  epochs: 20
  batch_size: 8
optimizer:
  lr: 0.01
  warmup_steps: 2000
data:
  max_sec: 54
  pad_val: 1024
model:
  vocab_size: 1025
  phoneme_vocab_size: 732
  embedding_dim: 512
  hidden_dim: 512
  head: 16
  n_layer: 24
  dropout: 0
"""

#: Moved, re-indented with four spaces, sections reordered, one dimension changed.
S1_NEW = """\
# GPT stage
model:
    vocab_size: 1025
    phoneme_vocab_size: 732
    embedding_dim: 512
    hidden_dim: 512
    head: 16
    n_layer: 32
    dropout: 0
data:
    max_sec: 54
    pad_val: 1024
optimizer:
    lr: 0.01
    warmup_steps: 2000
train:
    seed: 1234
    epochs: 20
    batch_size: 8
"""

MODELS_OLD = """\
from torch import nn


class SynthesizerTrn(nn.Module):
    def __init__(self, hidden_channels=192, gin_channels=512):
        super().__init__()
        self.enc = nn.Conv1d(hidden_channels, hidden_channels, 5, padding=2)
        self.proj = nn.Linear(gin_channels, hidden_channels)
        self.out = nn.Conv1d(hidden_channels, 1, 7, padding=3)
"""

MODELS_NEW = """\
from torch import nn


class SynthesizerTrn(nn.Module):
    def __init__(
        self,
        hidden_channels=192,
        gin_channels=512,
    ):
        super().__init__()
        self.enc = nn.Conv1d(
            hidden_channels,
            hidden_channels,
            5,
            padding=2,
        )
        self.proj = nn.Linear(
            gin_channels,
            hidden_channels,
        )
        self.out = nn.Conv1d(
            hidden_channels,
            1,
            5,
            padding=3,
        )
"""


def test_a_moved_and_rewritten_file_reports_only_what_changed(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    old = repo.commit(
        "Base",
        {"GPT_SoVITS/configs/s1longer.yaml": S1_OLD, "GPT_SoVITS/module/models.py": MODELS_OLD},
    )
    new = repo.commit(
        "Move and reformat",
        {
            "GPT_SoVITS/configs/s1longer.yaml": None,
            "GPT_SoVITS/configs_v2/s1longer.yaml": S1_NEW,
            "GPT_SoVITS/module/models.py": None,
            "GPT_SoVITS/module_v2/models.py": MODELS_NEW,
        },
    )
    # git alone sees two files removed and two added
    with open_repository(repo.path) as opened:
        assert sorted(c.status for c in diff_trees(opened, old, new)) == ["A", "A", "D", "D"]
    report = diff_revisions(repo.path, old, new, AuditOptions(use_cache=False))
    assert [(f.rule, f.file, f.key, f.old, f.new) for f in report.findings] == [
        ("MA101", "GPT_SoVITS/configs_v2/s1longer.yaml", "model.n_layer", 24, 32),
        (
            "MA101",
            "GPT_SoVITS/module_v2/models.py",
            "SynthesizerTrn.__init__.self.out.kernel_size",
            7,
            5,
        ),
    ]
    moved_from = [
        f.message.partition("(file moved from ")[2].partition(")")[0] for f in report.findings
    ]
    assert moved_from == ["GPT_SoVITS/configs/s1longer.yaml", "GPT_SoVITS/module/models.py"]

"""Python trees along a walk: a range whose commits change no Python reads no Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from auditor.extract import summary_store
from auditor.pipeline import AuditOptions, scan
from tests.gitrepo import GitRepo

MODELS = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
MODELS += "        super().__init__()\n        self.proj = nn.Linear(192, 192)\n"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Python blobs the audit asked to summarise, up front and one by one."""
    asked: list[str] = []
    prefetch = summary_store.SummaryStore.prefetch
    summarise = summary_store.SummaryStore._summarise

    def prefetching(self: summary_store.SummaryStore, blobs: Iterable[str], workers: int) -> None:
        wanted = list(blobs)
        asked.extend(wanted)
        prefetch(self, wanted, workers)

    def summarising(self: summary_store.SummaryStore, blob: str) -> str | None:
        asked.append(blob)
        return summarise(self, blob)

    monkeypatch.setattr(summary_store.SummaryStore, "prefetch", prefetching)
    monkeypatch.setattr(summary_store.SummaryStore, "_summarise", summarising)
    return asked


def test_a_commit_that_changes_no_python_parses_none(
    make_repo: Callable[..., GitRepo], parsed: list[str]
) -> None:
    repo = make_repo()
    repo.commit("root", {"module/models.py": MODELS, "requirements.txt": "torch==2.0\n"})
    repo.commit("pin torch", {"requirements.txt": "torch==2.1\n"})
    report = scan(repo.path, "HEAD~1..HEAD", AuditOptions(use_cache=False))
    assert [f.rule for f in report.findings] == ["MA201"]
    assert parsed == []


def test_a_commit_that_changes_python_parses_its_tree(
    make_repo: Callable[..., GitRepo], parsed: list[str]
) -> None:
    repo = make_repo()
    repo.commit("root", {"module/models.py": MODELS, "requirements.txt": "torch==2.0\n"})
    repo.commit("wider", {"module/models.py": MODELS.replace("192, 192", "192, 256")})
    report = scan(repo.path, "HEAD~1..HEAD", AuditOptions(use_cache=False))
    assert [f.new for f in report.findings if f.severity.value == "critical"] == [256]
    assert len(set(parsed)) == 2  # the model file before and after


SYMBOLS = "symbols = ['a', 'b', 'c']\nextra = ['x', 'y']\n"


def measuring(name: str) -> str:
    return (
        "import torch.nn as nn\nfrom symbols import symbols, extra\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        f"        self.emb = nn.Embedding(len({name}), 192)\n"
    )


def test_a_file_measured_anew_by_another_file_is_compared_again(
    make_repo: Callable[..., GitRepo],
) -> None:
    """Only the changed paths are looked at after the first commit; a file whose sequence
    another file starts to measure with len() is still compared (its table is new)."""
    repo = make_repo()
    repo.commit("root", {"models.py": measuring("symbols"), "symbols.py": SYMBOLS, "a.md": "a"})
    repo.commit("docs", {"a.md": "b"})
    switched = repo.commit("other table", {"models.py": measuring("extra")})
    grown = repo.commit("grow", {"symbols.py": SYMBOLS.replace("'y'", "'y', 'z'")})
    report = scan(repo.path, None, AuditOptions(use_cache=False))
    tables = [(f.commit, f.old, f.new) for f in report.findings if f.key == "extra"]
    assert tables == [(switched, None, 2), (grown, 2, 3)]
    widths = [(f.commit, f.old, f.new) for f in report.findings if f.key.endswith("num_embeddings")]
    assert widths == [(switched, 3, 2), (grown, 2, 3)]

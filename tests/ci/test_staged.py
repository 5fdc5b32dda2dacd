"""``model-audit ci staged``: the pre-commit hook audits the index against HEAD."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ci.conftest import Run, s2
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": s2(gin=512)})
    return repo


def test_a_staged_breaking_change_fails(cli: Run, repo: GitRepo) -> None:
    repo.write("configs/s2.json", s2(gin=1024))
    repo.git("add", "configs/s2.json")
    head = repo.sha("HEAD")
    code, out, _ = cli("ci", "staged", str(repo.path), "--no-cache")
    assert code == 1
    assert "model.gin_channels" in out and "512" in out and "1024" in out
    assert "staged changes" in out
    assert "1 critical" in out
    assert repo.sha("HEAD") == head
    assert repo.git("status", "--porcelain") == "M  configs/s2.json"


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under FOLDER, with the bytes of each file (None for a folder)."""
    return {
        str(entry.relative_to(folder)): entry.read_bytes() if entry.is_file() else None
        for entry in folder.rglob("*")
    }


def test_the_audit_leaves_the_git_directory_byte_for_byte(
    cli: Run, repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("configs/s2.json", s2(gin=1024))
    repo.git("add", "configs/s2.json")
    before = snapshot(repo.path / ".git")
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code, out, _ = cli("ci", "staged", str(repo.path), "--no-cache")
    assert code == 1
    assert "model.gin_channels" in out and "512" in out and "1024" in out
    assert snapshot(repo.path / ".git") == before  # no object, ref or index written
    assert list(temp.iterdir()) == []  # the scratch repository is gone


def test_the_report_is_a_tree_comparison(cli: Run, repo: GitRepo) -> None:
    repo.write("configs/s2.json", s2(gin=1024))
    repo.git("add", "configs/s2.json")
    code, out, _ = cli("ci", "staged", str(repo.path), "--no-cache")
    assert code == 1
    assert "HEAD..staged (tree comparison)" in out
    assert "between the trees of HEAD and the staged changes" in out
    assert "commits scanned" not in out


def test_unstaged_changes_are_not_audited(cli: Run, repo: GitRepo) -> None:
    repo.write("configs/s2.json", s2(gin=1024))  # not added
    code, out, _ = cli("ci", "staged", str(repo.path), "--no-cache")
    assert code == 0
    assert "0 critical" in out


def test_a_staged_learning_rate_change_passes(cli: Run, repo: GitRepo) -> None:
    repo.write("configs/s2.json", s2(lr=0.00005, gin=512))
    repo.git("add", "-A")
    code, _, _ = cli("ci", "staged", str(repo.path), "--no-cache", "--fail-on", "low")
    assert code == 0


def test_fail_on_can_be_lowered(cli: Run, repo: GitRepo) -> None:
    repo.write("configs/s2.json", s2(gin=1024))
    repo.git("add", "-A")
    code, _, _ = cli("ci", "staged", str(repo.path), "--no-cache", "--fail-on", "none")
    assert code == 0


def test_before_the_first_commit_there_is_nothing_to_compare(
    cli: Run, make_repo: Callable[..., GitRepo]
) -> None:
    repo = make_repo("new")
    repo.write("configs/s2.json", s2())
    repo.git("add", "-A")
    code, out, err = cli("ci", "staged", str(repo.path), "--no-cache")
    assert (code, out) == (0, "")
    assert "no commit yet" in err


def test_not_a_repository_is_an_error(cli: Run) -> None:
    code, _, err = cli("ci", "staged", "/nonexistent/path", "--no-cache")
    assert code == 2
    assert err.startswith("error: /nonexistent/path: no such file or directory")

"""The temporary workspace: sees both object databases, writes nothing of the user's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from auditor.errors import RepositoryError
from auditor.fork.sources import TipSource, fork_source
from auditor.fork.workspace import FORK_REF, UPSTREAM_REF, open_workspace
from auditor.history import files_at, resolve_revision
from tests.fork.conftest import git, sha


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_workspace_reads_both_tips_and_is_removed(
    forks: dict[str, Path], upstream: Path, temp_root: Path
) -> None:
    orphan = forks["orphan_import"]
    with open_workspace(fork_source(str(orphan)), fork_source(f"{upstream}@v2.0")) as ws:
        assert ws.path.parent == temp_root
        assert ws.fork_sha == sha(orphan, "HEAD")
        assert ws.upstream_sha == sha(upstream, "v2.0")
        assert resolve_revision(ws.repo, FORK_REF) == ws.fork_sha
        assert resolve_revision(ws.repo, UPSTREAM_REF) == ws.upstream_sha
        assert "GPT_SoVITS/configs/s2.json" in files_at(ws.repo, ws.upstream_sha)
        assert "GPT_SoVITS/configs_v2/s2.json" in files_at(ws.repo, ws.fork_sha)
    assert list(temp_root.iterdir()) == []


def test_workspace_is_removed_when_the_audit_fails(
    forks: dict[str, Path], upstream: Path, temp_root: Path
) -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        open_workspace(fork_source(str(forks["webui_only"])), fork_source(str(upstream))),
    ):
        raise RuntimeError("boom")
    assert list(temp_root.iterdir()) == []


def test_a_remote_branch_is_fetched_into_the_workspace_only(
    forks: dict[str, Path], upstream: Path, temp_root: Path
) -> None:
    fork = forks["webui_only"]
    before = git(fork, "for-each-ref"), git(fork, "count-objects", "-v")
    source = TipSource(
        label="up/v3.0", repository=fork, fetch_url=str(upstream), fetch_branch="main"
    )
    with open_workspace(fork_source(str(fork)), source) as ws:
        assert ws.upstream_sha == sha(upstream, "main")
    assert (git(fork, "for-each-ref"), git(fork, "count-objects", "-v")) == before
    missing = TipSource(
        label="up/nope", repository=fork, fetch_url=str(upstream), fetch_branch="nope"
    )
    with (
        pytest.raises(RepositoryError, match="cannot fetch branch 'nope'"),
        open_workspace(fork_source(str(fork)), missing),
    ):
        pass
    assert list(temp_root.iterdir()) == []


def test_unknown_revision_names_the_tip(forks: dict[str, Path], upstream: Path) -> None:
    with (
        pytest.raises(RepositoryError, match=r"@v9: unknown revision 'v9'"),
        open_workspace(fork_source(str(forks["webui_only"])), fork_source(f"{upstream}@v9")),
    ):
        pass

"""Shallow clones: a range whose history is cut is fetched from origin, or fails with the fix."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from auditor.ci.shallow import FETCH_DEPTH_FIX, AuditRange, History, HistoryError
from auditor.history import is_shallow, open_repository
from tests.ci.conftest import clone, s2
from tests.gitrepo import GitRepo


@pytest.fixture
def source(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """Eight commits on main, each changing the learning rate."""
    repo = make_repo("source")
    for n in range(8):
        repo.commit(f"c{n}", {"configs/s2.json": s2(lr=n / 10)})
    return repo


def shallow_clone(source: GitRepo, tmp_path: Path) -> Path:
    path = clone(source, tmp_path / "clone", "--depth", "1", "--no-single-branch")
    return path


def test_a_complete_clone_needs_nothing(source: GitRepo) -> None:
    with closing(open_repository(source.path)) as repo:
        history = History(repo, fetch=False)
        rng = AuditRange(tip=source.sha("HEAD"), base=source.sha("HEAD~5"))
        assert history.problem(rng) is None
        history.ensure(rng)


def test_a_shallow_clone_is_deepened_until_the_base_is_there(
    source: GitRepo, tmp_path: Path
) -> None:
    path = shallow_clone(source, tmp_path)
    said: list[str] = []
    with closing(open_repository(path)) as repo:
        history = History(repo, fetch=True, say=said.append)
        rng = AuditRange(tip=source.sha("HEAD"), base=source.sha("HEAD~5"), label="r")
        assert (
            history.problem(rng)
            == f"the base of the range, {source.sha('HEAD~5')[:7]}, is not in the clone"
        )
        history.ensure(rng)
        assert history.problem(rng) is None
    assert said == ["fetching 50 more commits from origin"]


def test_one_commit_needs_its_parent(source: GitRepo, tmp_path: Path) -> None:
    path = shallow_clone(source, tmp_path)
    with closing(open_repository(path)) as repo:
        history = History(repo, fetch=True)
        rng = AuditRange(tip=source.sha("HEAD"), single=True, label="tip")
        assert history.problem(rng) == "the shallow clone cuts the history of tip"
        history.ensure(rng)
        assert history.commit(f"{source.sha('HEAD')}^") == source.sha("HEAD~1")


def test_all_history_unshallows(source: GitRepo, tmp_path: Path) -> None:
    path = shallow_clone(source, tmp_path)
    with closing(open_repository(path)) as repo:
        History(repo, fetch=True).ensure(AuditRange(tip="HEAD", label="HEAD"))
        assert not is_shallow(repo)


def test_without_fetching_a_cut_history_fails_with_the_fix(source: GitRepo, tmp_path: Path) -> None:
    path = shallow_clone(source, tmp_path)
    with closing(open_repository(path)) as repo:
        history = History(repo, fetch=False)
        rng = AuditRange(tip=source.sha("HEAD"), base=source.sha("HEAD~2"))
        with pytest.raises(HistoryError) as caught:
            history.ensure(rng)
    message = str(caught.value)
    assert "(fetching is turned off)" in message
    assert message.endswith(FETCH_DEPTH_FIX)
    assert "fetch-depth: 0" in message
    assert "\n" not in message


def test_a_commit_origin_lacks_fails_with_git_message_and_fix(
    source: GitRepo, tmp_path: Path
) -> None:
    path = shallow_clone(source, tmp_path)
    with closing(open_repository(path)) as repo:
        history = History(repo, fetch=True)
        with pytest.raises(HistoryError) as caught:
            history.ensure(AuditRange(tip=source.sha("HEAD"), base="e" * 40))
    message = str(caught.value)
    assert message.startswith("the base of the range, eeeeeee, is not in the clone; ")
    assert "fetching from origin failed: " in message
    assert "not our ref" in message
    assert message.endswith(FETCH_DEPTH_FIX)


def test_without_an_origin_the_fetch_fails_cleanly(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo("lonely")
    repo.commit("only", {"configs/s2.json": s2()})
    with closing(open_repository(repo.path)) as opened:
        history = History(opened, fetch=True)
        assert not history.obtain("d" * 40)
        assert history.fetch_error is not None
        assert "origin" in history.fetch_error

"""A model that hangs or kills its worker gets an outcome of its own; the others keep theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.runtime.confirm import confirm
from auditor.runtime.profile import parse_profile
from auditor.runtime.results import Outcome, Verdict
from tests.gitrepo import GitRepo
from tests.tiny_models import tiny_profile, tiny_repo


@pytest.mark.torch
def test_a_model_past_the_timeout_is_a_timeout_and_the_others_keep_their_results(
    make_repo: Callable[..., GitRepo],
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)
    old = repo.git("rev-parse", "HEAD~1")
    profile = parse_profile(tiny_profile("first:Net", "slow:Slow", "last:Net"), "tiny.yaml")
    report = confirm(repo.path, "HEAD~1", "HEAD", profile, "cpu", timeout=5)
    results = {m.name: m for m in report.models}
    assert [m.name for m in report.models] == ["first", "slow", "last"]
    slow = results["slow"]
    assert (slow.outcome, slow.side) == (Outcome.TIMEOUT, "old")
    assert slow.error == (
        f"the runtime worker for slow at old revision HEAD~1 ({old[:7]}) ran past its "
        "timeout of 5 s"
    )
    # the models before and after the one that hung were still built and compared
    assert results["first"].outcome is Outcome.FAILS_TO_LOAD
    assert results["last"].outcome is Outcome.FAILS_TO_LOAD
    assert report.verdict is Verdict.BREAKS


@pytest.mark.torch
def test_a_model_that_kills_its_worker_is_crashed_naming_it_and_the_revision(
    make_repo: Callable[..., GitRepo],
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)
    head = repo.git("rev-parse", "HEAD")
    profile = parse_profile(tiny_profile("dies:Dies", "net:Net"), "tiny.yaml")
    report = confirm(repo.path, "HEAD", "HEAD", profile, "cpu")
    dies, net = report.models
    assert (dies.outcome, dies.side) == (Outcome.CRASHED, "old")
    assert dies.error == (
        f"the runtime worker for dies at old revision HEAD ({head[:7]}) was killed by SIGKILL"
    )
    assert "Warning" not in str(dies.error)  # not the last line the worker wrote to stderr
    assert net.outcome is Outcome.LOADS  # built by a fresh worker
    assert report.verdict is Verdict.NOT_CHECKED

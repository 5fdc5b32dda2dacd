"""A model that hangs or kills its worker gets an outcome of its own; the others keep theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.runtime.confirm import confirm
from auditor.runtime.profile import parse_profile
from auditor.runtime.results import Outcome, Verdict
from tests.gitrepo import GitRepo
from tests.tiny_models import tiny_profile, tiny_repo

#: Seconds a worker may spend on one model in the timeout test. The first model's time
#: includes importing torch: about 1.5 s on an idle machine, but 6 to 15 s with a load average
#: of 7 or more on two cores (the same before and after stubs came in; building the model
#: takes milliseconds). Generous, far below the 600 s the slow model sleeps.
TIMEOUT = 25
#: Models whose Slow hangs at the old revision only (width 4): the test waits out one
#: timeout, not one per revision.
SLOW_AT_THE_OLD_REVISION = """
import time

from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)


class Slow(Net):
    def __init__(self, width):
        if width == 4:
            time.sleep(600)
        super().__init__(width)
"""


@pytest.mark.torch
def test_a_model_past_the_timeout_is_a_timeout_and_the_others_keep_their_results(
    make_repo: Callable[..., GitRepo],
) -> None:
    pytest.importorskip("torch")
    repo = make_repo()
    repo.commit("nets", {"nets.py": SLOW_AT_THE_OLD_REVISION, "conf.json": '{"width": 4}'})
    repo.commit("wider", {"conf.json": '{"width": 8}'})
    old = repo.git("rev-parse", "HEAD~1")
    profile = parse_profile(tiny_profile("first:Net", "slow:Slow", "last:Net"), "tiny.yaml")
    report = confirm(repo.path, "HEAD~1", "HEAD", profile, "cpu", timeout=TIMEOUT)
    results = {m.name: m for m in report.models}
    assert [m.name for m in report.models] == ["first", "slow", "last"]
    slow = results["slow"]
    assert (slow.outcome, slow.side) == (Outcome.TIMEOUT, "old")
    assert slow.error == (
        f"the runtime worker for slow at old revision HEAD~1 ({old[:7]}) ran past its "
        f"timeout of {TIMEOUT} s"
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

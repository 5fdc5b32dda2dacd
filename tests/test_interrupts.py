"""Ctrl-C during a scan: exit 130 promptly, once or twice pressed, with no traceback, no
worker process left behind, and a fact cache the next run can trust."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.interrupts import WorkerPool
from tests.gitrepo import GitRepo

#: Commits in the generated history: enough Python files to parse that the scan runs for
#: seconds, and that the summaries are parsed by a process pool.
COMMITS = 24


def model_source(n: int) -> str:
    """A models file whose layer sizes change with N: every version has facts to parse."""
    lines = ["from torch import nn", ""]
    for block in range(6):
        lines += [f"class Block{block}(nn.Module):", "    def __init__(self, channels):"]
        lines.append("        super().__init__()")
        for layer in range(8):
            size = 64 + n + layer
            lines.append(f"        self.conv{layer} = nn.Conv1d(channels, {size}, {3 + block})")
        lines += ["", "    def forward(self, x):"]
        lines += [f"        x = self.conv{layer}(x) * {layer + 1}" for layer in range(8)]
        lines += ["        return x", ""]
    return "\n".join(lines) + "\n"


def scan(repo: Path, *options: str) -> subprocess.Popen[str]:
    """``python -m auditor scan REPO --format json OPTIONS`` in a process group of its own,
    as a terminal runs it (Ctrl-C reaches the whole group)."""
    command = [sys.executable, "-m", "auditor", "scan", str(repo), "--format", "json", *options]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = GitRepo(tmp_path_factory.mktemp("interrupts") / "repo")
    for n in range(COMMITS):
        repo.commit(f"change {n}", {f"models/m{n % 6}.py": model_source(n)})
    return repo.path


@pytest.fixture(scope="module")
def uncached_report(history: Path) -> str:
    out, err = scan(history, "--no-cache").communicate(timeout=120)
    assert "Traceback" not in err
    return out


def group_is_gone(group: int, within: float) -> bool:
    """Whether no process of GROUP (the scan and its workers) is left after WITHIN s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_a_scan_with_130_and_leaves_the_cache_sound(
    history: Path, uncached_report: str, tmp_path: Path, presses: int
) -> None:
    cache = tmp_path / "cache"
    process = scan(history, "--cache-dir", str(cache))
    deadline = time.monotonic() + 30
    while not (cache.is_dir() and any(cache.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)  # the scan has started once it has opened its cache
    time.sleep(0.5)
    assert process.poll() is None, "the scan ended before Ctrl-C: make the history longer"
    pressed = time.monotonic()
    for _ in range(presses):
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.2)
    try:
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert time.monotonic() - pressed < 10
    assert process.returncode == 130, err
    assert "Traceback" not in err
    # the scan's progress line (stderr is no terminal), then only the word
    said = [line for line in err.splitlines() if not line.startswith("model-audit: ")]
    assert "".join(said).split() == ["interrupted"]
    assert out == ""
    # the pool's workers ended with it: nothing of its process group is left
    assert group_is_gone(process.pid, within=5)
    # what the interrupted run saved is sound: a run on the same cache reports the same
    again = scan(history, "--cache-dir", str(cache))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out == uncached_report


def test_a_worker_pool_ends_its_workers_when_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerPool(2) as pool:
        pool.submit(time.sleep, 60)
        processes = list(pool._processes.values())
        raise KeyboardInterrupt
    # not waiting for the work: the workers are terminated
    assert time.monotonic() - started < 10
    # the pool's own manager thread may reap a worker a moment after terminate() returns
    deadline = time.monotonic() + 5
    while any(process.is_alive() for process in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes and all(not process.is_alive() for process in processes)

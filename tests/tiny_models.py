"""Tiny model repositories for the runtime tests: models that load, break, hang, kill their
worker or import a module that is not installed, and profiles of them."""

from __future__ import annotations

from collections.abc import Callable

from tests.gitrepo import GitRepo

#: Model classes for a tiny repository: one that hangs, one that kills its own process
#: (after a line on stderr like the warnings torch prints), one that imports a module that is
#: not installed.
NETS = """
import os
import signal
import sys
import time

from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)


class Slow(Net):
    def __init__(self, width):
        time.sleep(600)
        super().__init__(width)


class Dies(Net):
    def __init__(self, width):
        print("UserWarning: Failed to initialize NumPy (an unrelated warning)", file=sys.stderr)
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
"""
EXTRAS = """
import sovits_cuda_kernels

from nets import Net as Unavailable
"""


def tiny_profile(*models: str) -> str:
    """The YAML of a profile of MODELS, each ``NAME:CLASS`` (``Unavailable`` is in
    extras.py, the others in nets.py), built from conf.json's width."""
    lines = ["name: tiny", 'files: ["*.py", "*.json"]', "models:"]
    for model in models:
        name, cls = model.split(":")
        module = "extras" if cls == "Unavailable" else "nets"
        lines += [
            f"  - name: {name}",
            f"    module: {module}",
            f"    class: {cls}",
            "    config: conf.json",
            "    kwargs: {width: hps.width}",
        ]
    return "\n".join(lines) + "\n"


def tiny_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """Two commits: the width grows from 4 to 8 (every Net stops loading old weights)."""
    repo = make_repo()
    repo.commit("nets", {"nets.py": NETS, "extras.py": EXTRAS, "conf.json": '{"width": 4}'})
    repo.commit("wider", {"conf.json": '{"width": 8}'})
    return repo

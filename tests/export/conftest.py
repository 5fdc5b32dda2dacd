"""A tiny repository whose models export, until a commit makes one branch on a value."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.export_models import NETS, branching_nets, profile
from tests.gitrepo import GitRepo


@pytest.fixture
def export_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """Four commits: ``v1`` (both models of its profile export), a wider config, Branchy starts
    normalising loud inputs (a branch on a value: its trace stops matching), a README."""
    repo = make_repo()
    own = profile("plain:Plain", "branchy:Branchy")
    files = {"nets.py": NETS, "conf.json": '{"width": 4}', ".model-audit-profile.yaml": own}
    repo.commit("nets", files)
    repo.git("tag", "v1")
    repo.commit("wider", {"conf.json": '{"width": 8}'})
    repo.commit("normalise loud inputs", {"nets.py": branching_nets()})
    repo.commit("readme", {"README.md": "tiny\n"})
    return repo

"""One checkpoint checked against a repository's models at any number of revisions.

``identify`` checks every release and bisects between them, ``verify`` checks the target
and bisects from the stamped commit, ``stamp`` checks one revision: all through a
:class:`Checker`, which builds each commit's state-dict maps once (a meta build takes
seconds) and compares them with the checkpoint as ``check-ckpt`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

from auditor.checkpoints.check import check
from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.results import CheckResult
from auditor.history import open_repository, resolve_revision
from auditor.runtime.maps import StateMaps, state_maps
from auditor.runtime.profile import Profile

#: Told each revision before its models are built (``v2.0``).
OnBuild = Callable[[str], None]


@dataclass(frozen=True)
class Building:
    """How models are built: device, per-model timeout, the project's Python, and whether
    modules the code imports but that are not installed are stubbed."""

    device: str = "meta"
    timeout: float | None = None
    python: str | None = None
    stub_imports: bool = False


@dataclass
class Checker:
    """Checks CHECKPOINT against PROFILE's models of the repository at PATH."""

    path: str | os.PathLike[str]
    checkpoint: Checkpoint
    profile: Profile
    building: Building = field(default_factory=Building)
    on_build: OnBuild | None = None
    _maps: dict[str, StateMaps] = field(default_factory=dict)

    def sha(self, revision: str) -> str:
        """The commit REVISION names (raises :class:`~auditor.errors.RepositoryError`)."""
        with closing(open_repository(self.path)) as repo:
            return resolve_revision(repo, revision)

    def maps(self, revision: str) -> StateMaps:
        """The state-dict maps at REVISION, built once per commit."""
        sha = self.sha(revision)
        if sha not in self._maps:
            if self.on_build is not None:
                self.on_build(revision if revision != sha else sha[:7])
            b = self.building
            self._maps[sha] = state_maps(
                self.path,
                revision,
                self.profile,
                device=b.device,
                timeout=b.timeout,
                python=b.python,
                stub_imports=b.stub_imports,
            )
        return self._maps[sha]

    def check_at(self, revision: str, model: str | None = None) -> CheckResult:
        """The checkpoint against MODEL (default: the one it belongs to) at REVISION."""
        return check(self.checkpoint, self.maps(revision), model)

    @property
    def builds(self) -> int:
        """How many commits' models were built so far."""
        return len(self._maps)

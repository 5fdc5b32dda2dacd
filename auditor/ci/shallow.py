"""Making sure a clone holds the history an audit needs, fetching it from ``origin`` if allowed.

CI checkouts are often shallow (``actions/checkout`` fetches one commit by default): the
base of a pull request is missing, or the commits of a push are cut from their parents.
:meth:`History.ensure` checks the range and, when fetching is allowed, deepens the clone
(``git fetch --no-tags --deepen=N origin <shas>``, then ``--unshallow``) until it is
complete; otherwise it fails with the ``fetch-depth: 0`` fix. This is the only module that
writes to the audited repository (objects, the shallow file and ``FETCH_HEAD``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import git

from auditor.errors import AuditError, RepositoryError
from auditor.history import shallow_boundary
from auditor.history._git import run_git

#: How to fix a missing history in a workflow.
FETCH_DEPTH_FIX = "check out the whole history with `actions/checkout@v4` and `fetch-depth: 0`"
#: How many commits each round of ``--deepen`` adds before ``--unshallow`` is tried.
DEEPEN_STEPS = (50, 500)

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class HistoryError(AuditError):
    """The clone lacks commits the audit needs and they could not be fetched."""


@dataclass(frozen=True)
class AuditRange:
    """What to audit: the commits ``tip`` reaches and ``base`` does not.

    ``base`` None means all history of ``tip``; ``single`` means ``tip`` alone against its
    first parent. ``label`` is what reports show; ``warnings`` explain a fallback.
    """

    tip: str
    base: str | None = None
    single: bool = False
    label: str = ""
    warnings: tuple[str, ...] = ()
    #: Nothing to audit (a deleted branch or tag).
    empty: bool = False


def short(rev: str) -> str:
    """A sha shortened to 7 characters; any other revision as it is."""
    return rev[:7] if _SHA.fullmatch(rev) else rev


class History:
    """Questions about the commits a clone holds, and fetching the missing ones."""

    def __init__(
        self,
        repo: git.Repo,
        *,
        fetch: bool,
        remote: str = "origin",
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.repo = repo
        self.fetch_allowed = fetch
        self.remote = remote
        self._say = say or (lambda message: None)
        self.fetch_error: str | None = None

    def commit(self, rev: str) -> str | None:
        """The full sha of the commit REV names, or None when the clone lacks it."""
        args = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]
        rc, out = run_git(self.repo, args, check=False)
        return out.decode("ascii").strip() if rc == 0 else None

    def shallow(self) -> bool:
        """Whether the clone is shallow: it has a shallow file, as for
        ``git rev-parse --is-shallow-repository``."""
        return bool(shallow_boundary(self.repo))

    def fetch(self, shas: Sequence[str], *, deepen: int | None = None, tags: bool = False) -> bool:
        """Fetch SHAS (commits) from the remote; whether git succeeded.

        In a shallow clone DEEPEN adds that many commits below the shallow boundary, and
        None fetches everything (``--unshallow``); a complete clone fetches the missing
        commits with their whole history. TAGS fetches the remote's branches and tags too.
        """
        if not self.fetch_allowed:
            return False
        args = ["fetch", "--quiet", "--tags" if tags else "--no-tags"]
        if self.shallow():
            args.append(f"--deepen={deepen}" if deepen is not None else "--unshallow")
            how = f"{deepen} more commits" if deepen is not None else "the whole history"
        else:
            how = "missing commits"
        wanted = [sha for sha in shas if _SHA.fullmatch(sha)]
        if not wanted and not tags:
            return False
        self._say(f"fetching {how} from {self.remote}")
        try:
            run_git(self.repo, [*args, self.remote, *wanted])
        except RepositoryError as error:
            message = str(error)
            self.fetch_error = " ".join(message.split(": ", 1)[-1].split())
            return False
        return True

    def obtain(self, sha: str) -> bool:
        """Whether the clone holds commit SHA, fetching it first when it is missing."""
        if self.commit(sha) is not None:
            return True
        return self.fetch([sha], deepen=DEEPEN_STEPS[0]) and self.commit(sha) is not None

    def problem(self, rng: AuditRange) -> str | None:
        """Why the clone cannot audit RNG completely, or None when it can."""
        tip = self.commit(rng.tip)
        if tip is None:
            return f"commit {short(rng.tip)} is not in the clone"
        base = None
        if rng.base is not None and not rng.single:
            base = self.commit(rng.base)
            if base is None:
                return f"the base of the range, {short(rng.base)}, is not in the clone"
        boundary = shallow_boundary(self.repo)
        if not boundary:
            return None
        cut = f"the shallow clone cuts the history of {rng.label or short(rng.tip)}"
        if rng.single:
            return cut if tip in boundary else None
        if base is not None:
            rc, _ = run_git(self.repo, ["merge-base", base, tip], check=False)
            if rc != 0:
                return f"{cut}: {short(base)} and {short(tip)} have no common ancestor in it"
        _, out = run_git(self.repo, ["rev-list", tip, *([f"^{base}"] if base else []), "--"])
        return cut if boundary.intersection(out.decode("ascii").split()) else None

    def ensure(self, rng: AuditRange) -> None:
        """Make sure RNG can be audited completely, fetching history when allowed.

        Raises :class:`HistoryError` with the ``fetch-depth: 0`` fix when it cannot.
        """
        problem = self.problem(rng)
        if problem is None:
            return
        if not self.fetch_allowed:
            raise HistoryError(f"{problem} (fetching is turned off); {FETCH_DEPTH_FIX}")
        wanted = [sha for rev in (rng.tip, rng.base) if rev and (sha := self._sha_of(rev))]
        self.fetch_error = None
        if not self.shallow():
            self.fetch(wanted)
        else:
            steps = DEEPEN_STEPS if rng.base is not None or rng.single else ()
            for step in steps:
                if not self.fetch(wanted, deepen=step) or self.problem(rng) is None:
                    break
            if self.shallow() and self.problem(rng) is not None:
                self.fetch(wanted)
        problem = self.problem(rng)
        if problem is not None:
            failed = f"; fetching from {self.remote} failed: {self.fetch_error}"
            raise HistoryError(f"{problem}{failed if self.fetch_error else ''}; {FETCH_DEPTH_FIX}")

    def _sha_of(self, rev: str) -> str | None:
        found = self.commit(rev)
        if found is not None:
            return found
        return rev.lower() if _SHA.fullmatch(rev.lower()) else None

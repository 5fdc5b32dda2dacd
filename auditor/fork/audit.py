"""The order of a fork audit: tips → merge-base → both sides → net difference → verdicts.

Each side is an ordinary audit (:func:`auditor.pipeline.scan`) of merge-base..tip in the
workspace, so every finding names the commit that introduced it on its side; the net
difference is a tree-to-tree audit (:func:`auditor.pipeline.diff_revisions`) each way.
The fact cache is shared by all of them and keyed by blob, so the facts of upstream's
commits are computed once for every fork of the same upstream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

import git

from auditor.classify.concerns import MODEL_MAP, load_model_map
from auditor.domain import AuditWarning, Report
from auditor.fork.report import ForkReport, ForkSide
from auditor.fork.runtime_check import confirm_verdicts
from auditor.fork.sources import fork_source, upstream_source
from auditor.fork.verdict import decide
from auditor.fork.workspace import FORK_REF, UPSTREAM_REF, Workspace, open_workspace
from auditor.history import commit_at, files_at, open_repository
from auditor.history._git import run_git
from auditor.pipeline import AuditOptions, diff_revisions, model_reaches, scan

UNRELATED_WARNING = (
    "the fork shares no history with upstream (an import of its files, not a clone): "
    "the tips are compared tree to tree, and neither side lists its own commits"
)


@dataclass(frozen=True)
class ForkOptions:
    """How to audit a fork: the audit settings of each side, the model map, confirmation."""

    audit: AuditOptions = field(default_factory=AuditOptions)
    model_map: Path = MODEL_MAP
    confirm: bool = False
    #: The runtime profile for ``confirm``; None: chosen from the fork's tree.
    profile: str | None = None
    device: str = "auto"
    timeout: float | None = None
    #: The interpreter the runtime workers run in (the project's own environment).
    python: str | None = None


def merge_base(repo: git.Repo, a: str, b: str) -> str | None:
    """The best common ancestor of A and B, or None when they share no history."""
    rc, out = run_git(repo, ["merge-base", a, b], check=False)
    sha = out.decode("ascii", "replace").strip()
    if rc == 0 and sha:
        return sha
    if rc == 1:
        return None
    run_git(repo, ["merge-base", a, b])  # raises with git's message
    return None


def _count(repo: git.Repo, exclude: str, include: str) -> int:
    _, out = run_git(repo, ["rev-list", "--count", include, f"^{exclude}", "--"])
    return int(out.decode("ascii").strip() or 0)


def _side(
    workspace: Workspace, base: str | None, ref: str, label: str, ahead: int, options: AuditOptions
) -> Report:
    """The audit of base..tip on one side (nothing to audit without a base or own commits)."""
    if base is None or ahead == 0:
        return Report(repository=label, range="", commits_scanned=0)
    report = scan(workspace.path, f"{base}..{ref}", options)
    return replace(report, repository=label, range=f"{base}..{label}")


def _silent(message: str) -> None:
    """No progress."""


def _commits(count: int) -> str:
    return "1 commit" if count == 1 else f"{count} commits"


def _unique(warnings: Iterable[AuditWarning]) -> tuple[AuditWarning, ...]:
    return tuple(dict.fromkeys(warnings))


def audit_fork(
    fork: str | Path,
    upstream: str,
    options: ForkOptions | None = None,
    stage: Callable[[str], None] | None = None,
) -> ForkReport:
    """Audit FORK (``DIR`` or ``DIR@REF``) against UPSTREAM (see :mod:`auditor.fork.sources`).

    STAGE is told each step as it begins (``auditing the fork's 12 commits``), for progress.
    """
    options = options or ForkOptions()
    say = stage or _silent
    fork_src = fork_source(str(fork))
    with closing(open_repository(fork_src.repository)) as repo:
        upstream_src = upstream_source(upstream, repo, fork_src.repository)
    model_map = load_model_map(options.model_map)
    with open_workspace(fork_src, upstream_src) as ws:
        base = merge_base(ws.repo, ws.fork_sha, ws.upstream_sha)
        ahead = _count(ws.repo, ws.upstream_sha, ws.fork_sha)
        behind = _count(ws.repo, ws.fork_sha, ws.upstream_sha)
        if base is not None:
            say(f"auditing the fork's {_commits(ahead)} since the merge-base {base[:7]}")
        fork_report = _side(ws, base, FORK_REF, fork_src.label, ahead, options.audit)
        if base is not None:
            say(f"auditing upstream's {_commits(behind)} since the merge-base")
        upstream_report = _side(ws, base, UPSTREAM_REF, upstream, behind, options.audit)
        say("comparing the tips of the fork and upstream")
        forward = diff_revisions(ws.path, ws.upstream_sha, ws.fork_sha, options.audit)
        backward = diff_revisions(ws.path, ws.fork_sha, ws.upstream_sha, options.audit)
        present = model_map.covered(
            chain(files_at(ws.repo, ws.fork_sha), files_at(ws.repo, ws.upstream_sha))
        )
        tips = (ws.upstream_sha, ws.fork_sha)
        reaches = model_reaches(ws.path, tips, model_map.root_sets(), options.audit)
        verdicts = decide(
            forward.findings,
            backward.findings,
            model_map,
            present,
            fork_report.findings,
            upstream_report.findings,
            reaches,
        )
        confirmed: tuple[AuditWarning, ...] = ()
        if options.confirm:
            say("confirming at runtime: building the models at both tips")
            verdicts, confirmed = confirm_verdicts(
                ws.path,
                ws.upstream_sha,
                ws.fork_sha,
                verdicts,
                model_map,
                options.profile,
                options.device,
                options.timeout,
                options.python,
            )
        fork_date = commit_at(ws.repo, ws.fork_sha).date
        upstream_date = commit_at(ws.repo, ws.upstream_sha).date
        base_date = commit_at(ws.repo, base).date if base else None
    unrelated = () if base else (AuditWarning(message=UNRELATED_WARNING),)
    return ForkReport(
        repository=fork_src.label,
        upstream_spec=upstream,
        merge_base=base,
        merge_base_date=base_date,
        fork=ForkSide(fork_src.label, ws.fork_sha, fork_date, ahead, fork_report),
        upstream=ForkSide(upstream, ws.upstream_sha, upstream_date, behind, upstream_report),
        net=forward.findings,
        verdicts=verdicts,
        warnings=_unique(
            chain(
                unrelated,
                fork_report.warnings,
                upstream_report.warnings,
                forward.warnings,
                backward.warnings,
                confirmed,
            )
        ),
    )

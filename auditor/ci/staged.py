"""``model-audit ci staged``: audit the staged changes against HEAD (the pre-commit hook).

The index is read as a commit on HEAD (:mod:`auditor.history.index`) and audited tree to
tree, like ``model-audit diff HEAD <that commit>``. That commit is written into a scratch
repository that sees the user's objects (:mod:`auditor.history.scratch`), so the audit leaves
the user's ``.git`` as it was. Before the first commit there is nothing to compare with, and
the audit is skipped.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from pathlib import Path

import git

from auditor.domain import Report
from auditor.history import open_repository, resolve_revision
from auditor.history._git import run_git
from auditor.history.index import staged_commit, unborn_head
from auditor.history.scratch import scratch_repository
from auditor.pipeline import AuditOptions, diff_revisions

STAGED_RANGE = "HEAD..staged"
#: The two trees compared, as reports name them.
STAGED_TREES = ("HEAD", "the staged changes")
TEMP_PREFIX = "model-audit-staged-"


def audit_staged(path: Path, options: AuditOptions) -> Report | None:
    """The findings of the staged changes of PATH; None before its first commit."""
    if unborn_head(path):
        return None
    with (
        closing(open_repository(path)) as repo,
        scratch_repository([repo], TEMP_PREFIX) as scratch,
    ):
        with closing(git.Repo(scratch)) as store:
            head = resolve_revision(repo, "HEAD")
            staged = staged_commit(repo, store)
            run_git(store, ["update-ref", "HEAD", staged])  # a repository with no commit is refused
        report = diff_revisions(scratch, head, staged, options)
    return replace(report, repository=str(path), range=STAGED_RANGE, trees=STAGED_TREES)

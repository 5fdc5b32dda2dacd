"""``model-audit ci staged``: audit the staged changes against HEAD (the pre-commit hook).

The index is read as a commit on HEAD (:mod:`auditor.history.index`) and audited tree to
tree, like ``model-audit diff HEAD <that commit>``. Before the first commit there is nothing
to compare with, and the audit is skipped.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from pathlib import Path

from auditor.domain import Report
from auditor.history import open_repository
from auditor.history.index import staged_commit, unborn_head
from auditor.pipeline import AuditOptions, diff_revisions

STAGED_RANGE = "HEAD..staged"


def audit_staged(path: Path, options: AuditOptions) -> Report | None:
    """The findings of the staged changes of PATH; None before its first commit."""
    if unborn_head(path):
        return None
    with closing(open_repository(path)) as repo:
        staged = staged_commit(repo)
    report = diff_revisions(path, "HEAD", staged, options)
    return replace(report, range=STAGED_RANGE)

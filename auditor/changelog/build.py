"""The order of a changelog: plan the releases → audit their history once → group findings.

The audit is :func:`auditor.pipeline.scan` over the range that covers every section (so
suppressions and the project's configuration apply as in a scan); its findings are then
shared out among the sections by the commits each release holds.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from auditor.changelog.contents import Changelog, Section
from auditor.changelog.entries import group_findings
from auditor.changelog.links import forge_for
from auditor.changelog.releases import plan_all_tags, plan_range
from auditor.domain import Report
from auditor.history import open_repository, remote_url
from auditor.pipeline import AuditOptions, Progress, scan


def build_changelog(
    path: str | Path,
    *,
    all_tags: bool = False,
    old: str | None = None,
    new: str | None = None,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
) -> tuple[Changelog, Report]:
    """The changelog of PATH (one section per tag with ``all_tags``, else ``old``..``new``)
    and the report of the audit behind it (for its warnings)."""
    with closing(open_repository(path)) as repo:
        plan = plan_all_tags(repo) if all_tags else plan_range(repo, old, new)
        forge = forge_for(remote_url(repo))
    report = scan(path, plan.audit_range, options, progress=progress)
    commits = {commit.sha: commit for commit in report.commits}
    # a warning without a commit (a shallow history) concerns every section
    unplaced = tuple(w for w in report.warnings if w.commit is None)
    sections = tuple(
        Section(
            release=release,
            entries=group_findings((f for f in report.findings if f.commit in members), commits),
            commit_count=len(members),
            warnings=unplaced + tuple(w for w in report.warnings if w.commit in members),
        )
        for release, members in zip(plan.releases, plan.members, strict=True)
    )
    return Changelog(repository=str(path), sections=sections, forge=forge), report

"""The order of an audit: git walk → extract facts → diff facts → classify → report.

This is the only module that knows the order; every step lives in its own module.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import git

from auditor.cache import FactCache, default_cache_dir
from auditor.classify import Classifier
from auditor.diff import diff_facts, file_change
from auditor.facts import FactReader, MissingBlob
from auditor.history import (
    BlobReader,
    CommitChanges,
    FileChange,
    RevisionRange,
    commit_at,
    count_commits,
    diff_trees,
    file_at,
    open_repository,
    path_history,
    resolve_range,
    resolve_revision,
    walk_commits,
)
from auditor.models import AuditWarning, Change, ChangeKind, Commit, FileFacts, Finding, Report
from auditor.project_config import (
    CONFIG_FILE,
    PYPROJECT,
    ProjectConfig,
    find_project_config,
    load_project_config_file,
)
from auditor.rules import all_rules

#: Called after each commit with (commits done, commits in all).
Progress = Callable[[int, int], None]

#: How far back to look for a version of a file that parses.
_LOOKBACK = 50


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: which history, which cache, which settings."""

    first_parent: bool = False
    cache_dir: Path | None = None
    use_cache: bool = True
    config_file: Path | None = None

    def cache(self) -> FactCache:
        if not self.use_cache:
            return FactCache(None)
        return FactCache(self.cache_dir or default_cache_dir())


def _project_config(repo: git.Repo, tip: str, options: AuditOptions) -> ProjectConfig:
    if options.config_file is not None:
        return load_project_config_file(options.config_file)
    return find_project_config(
        {name: file_at(repo, tip, name) for name in (CONFIG_FILE, PYPROJECT)}
    )


class _Auditor:
    """The state of one audit: readers, classifier and the warnings gathered so far."""

    def __init__(self, repo: git.Repo, config: ProjectConfig, cache: FactCache) -> None:
        self.repo = repo
        self.blobs = BlobReader(repo)
        self.reader = FactReader(self.blobs, cache, config.selection, config.max_file_bytes)
        self.classifier = Classifier(all_rules(), config)
        self.warnings: list[AuditWarning] = []

    def warn(self, message: str, commit: str | None = None, file: str | None = None) -> None:
        self.warnings.append(AuditWarning(message=message, commit=commit, file=file))

    def _new_side(self, path: str, blob: str, commit: str) -> FileFacts | None:
        try:
            facts = self.reader.read(path, blob)
        except MissingBlob:
            self.warn(
                f"object {blob} is missing (partial clone or snapshot); "
                "file not compared at this commit",
                commit,
                path,
            )
            return None
        if not facts.parsed:
            self.warn(
                f"cannot read: {facts.error}; the next change is compared with the "
                "last version that parsed",
                commit,
                path,
            )
            return None
        return facts

    def _old_side(self, path: str, blob: str, commit: str) -> FileFacts | None:
        versions = itertools.chain([(commit, blob)], path_history(self.repo, commit, path))
        for attempt, (_, candidate) in enumerate(versions):
            if attempt > _LOOKBACK:
                break
            try:
                facts = self.reader.read(path, candidate)
            except MissingBlob:
                continue
            if facts.parsed:
                return facts
        self.warn("no earlier version of this file could be read; not compared", commit, path)
        return None

    def file_changes(self, change: FileChange, commit: str) -> list[Change]:
        """The fact changes of one changed file (nothing if it is not a config)."""
        old_path = (
            change.old_path if change.old_blob and self.reader.reads(change.old_path) else None
        )
        new_path = (
            change.new_path if change.new_blob and self.reader.reads(change.new_path) else None
        )
        new = old = None
        if new_path is not None:
            assert change.new_blob is not None
            new = self._new_side(new_path, change.new_blob, commit)
            if new is None:
                return []
        if old_path is not None:
            assert change.old_blob is not None
            old = self._old_side(old_path, change.old_blob, commit)
            if old is None:
                return []
        # An empty file is a placeholder (configs generated at run time): filling or emptying
        # it reads as adding or removing the file, not as one change per key.
        if new is not None and new_path is not None and new.facts:
            if old is None or not old.facts:
                return [file_change(ChangeKind.FILE_ADDED, new_path, new.facts)]
            return diff_facts(old.facts, new.facts, file=new_path, old_file=old_path)
        if old is not None and old_path is not None and old.facts:
            return [file_change(ChangeKind.FILE_REMOVED, old_path, old.facts)]
        return []

    def findings(self, commit: Commit, files: tuple[FileChange, ...]) -> list[Finding]:
        changes = [c for f in files for c in self.file_changes(f, commit.sha)]
        found = self.classifier.classify_all(changes, commit.sha, commit.parent)
        return sorted(found, key=lambda f: (f.file, f.line, f.key, f.rule))

    def close(self) -> None:
        self.blobs.close()


def scan(
    path: str | Path,
    revision_range: str | None = None,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
) -> Report:
    """Audit every commit of ``revision_range`` (default: the history of HEAD)."""
    options = options or AuditOptions()
    repo = open_repository(path)
    rng = resolve_range(repo, revision_range)
    config = _project_config(repo, rng.tip, options)
    total = count_commits(repo, rng, first_parent=options.first_parent)
    scanned = 0
    shallow_skipped = 0
    findings: list[Finding] = []
    commits: list[Commit] = []
    with options.cache() as cache:
        auditor = _Auditor(repo, config, cache)
        try:
            for step in walk_commits(
                repo, rng, first_parent=options.first_parent, paths_filter=auditor.reader.reads
            ):
                scanned += 1
                if step.comparable:
                    warned = len(auditor.warnings)
                    if not step.renames_detected:
                        auditor.warn(
                            "an object this commit touches is missing (partial clone or "
                            "snapshot): compared without rename detection",
                            step.commit.sha,
                        )
                    found = auditor.findings(step.commit, step.files)
                    findings.extend(found)
                    if found or len(auditor.warnings) > warned:
                        commits.append(step.commit)
                elif step.shallow_boundary:
                    shallow_skipped += 1
                if progress is not None:
                    progress(scanned, total)
        finally:
            auditor.close()
    warnings = _cache_warnings(cache) + auditor.warnings
    if shallow_skipped:
        warnings.append(_shallow_warning(shallow_skipped))
    return Report(
        repository=str(path),
        range=rng.label,
        commits_scanned=scanned,
        commits=tuple(commits),
        findings=tuple(findings),
        warnings=tuple(warnings),
    )


def _cache_warnings(cache: FactCache) -> list[AuditWarning]:
    return [AuditWarning(message=cache.warning)] if cache.warning else []


def _shallow_warning(skipped: int) -> AuditWarning:
    return AuditWarning(
        message=f"shallow clone: {skipped} commit(s) could not be compared with their parents, "
        "which are missing from the clone; run `git fetch --unshallow` "
        "(in GitHub Actions: `fetch-depth: 0`) to audit them"
    )


def diff_revisions(
    path: str | Path, old: str, new: str, options: AuditOptions | None = None
) -> Report:
    """Audit the difference between two trees, as if ``new`` were one commit on ``old``."""
    options = options or AuditOptions()
    repo = open_repository(path)
    old_sha = resolve_revision(repo, old)
    new_sha = resolve_revision(repo, new)
    config = _project_config(repo, new_sha, options)
    commit = replace(commit_at(repo, new_sha), parent=old_sha)
    with options.cache() as cache:
        auditor = _Auditor(repo, config, cache)
        try:
            changed = tuple(
                f
                for f in diff_trees(repo, old_sha, new_sha)
                if auditor.reader.reads(f.old_path) or auditor.reader.reads(f.new_path)
            )
            findings = auditor.findings(commit, changed)
        finally:
            auditor.close()
    return Report(
        repository=str(path),
        range=f"{old}..{new}",
        commits_scanned=count_commits(repo, RevisionRange(old_sha, new_sha, "")),
        commits=(commit,),
        findings=tuple(findings),
        warnings=tuple(_cache_warnings(cache) + auditor.warnings),
    )


__all__ = ["AuditOptions", "CommitChanges", "Progress", "diff_revisions", "scan"]

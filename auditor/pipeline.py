"""The order of an audit: git walk → extract facts → diff facts → classify → suppress →
baseline → report.

This is the only module that knows the order; every step lives in its own module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path

import git

from auditor.classify.baseline import apply_baseline, load_baseline
from auditor.classify.classifier import Classifier
from auditor.classify.mirrors import group_mirrors
from auditor.classify.runtime_results import merge_runtime
from auditor.classify.suppressions import (
    IGNORE_FILE,
    apply_suppressions,
    find_suppressions,
    load_suppressions_file,
)
from auditor.diff.code import CodeDiffer
from auditor.diff.files import FileComparer
from auditor.diff.moves import pair_moved_files
from auditor.domain import AuditWarning, Change, Commit, Fact, Finding, Report
from auditor.errors import AuditError
from auditor.extract.blob_facts import FactReader, MissingBlob
from auditor.extract.cache import FactCache, default_cache_dir
from auditor.extract.python import Reach, builtin_components, model_reach, root_names
from auditor.extract.python_trees import PythonFacts, python_selection
from auditor.extract.resolved_store import ResolvedStore
from auditor.extract.selection import extractor_for
from auditor.extract.summary_store import SummaryStore
from auditor.history import (
    BlobReader,
    CommitChanges,
    FileChange,
    RevisionRange,
    commit_at,
    diff_trees,
    file_at,
    open_repository,
    resolve_range,
    resolve_revision,
    walk_commits,
)
from auditor.project_config import (
    CONFIG_FILE,
    PYPROJECT,
    ProjectConfig,
    find_project_config,
    load_project_config_file,
)
from auditor.rules import all_rules

#: Called with (commits done, commits in all): once before the first commit, then after each.
Progress = Callable[[int, int], None]
#: Called with a message for people about the tool itself, not about the audited code.
Notify = Callable[[str], None]


def warn_on_stderr(message: str) -> None:
    """``warning: MESSAGE`` on stderr: where :class:`AuditOptions` sends notices by default."""
    print(f"warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: which history, which cache, which settings."""

    first_parent: bool = False
    cache_dir: Path | None = None
    use_cache: bool = True
    config_file: Path | None = None
    #: Suppressions to use instead of the repository's own ``.model-audit-ignore.yaml``.
    ignore_file: Path | None = None
    #: An earlier JSON report: findings whose id it holds are left out.
    baseline_file: Path | None = None
    #: The day suppressions expire against (default: today).
    today: date | None = None
    #: Where notices about the tool go (the fact cache was rebuilt, or cannot be used): they
    #: say nothing about the audited code, so the report's warnings never hold them.
    notify: Notify = warn_on_stderr

    def cache(self) -> FactCache:
        if not self.use_cache:
            return FactCache(None)
        return FactCache(self.cache_dir or default_cache_dir(), self.notify)


@dataclass(frozen=True)
class Confirmation:
    """How ``scan --confirm`` judges the findings of ``A..B`` at runtime: by building the
    profile's models at A and at B (this runs the audited code, in ``python`` when given)."""

    profile: str | None = None
    device: str = "auto"
    python: str | None = None
    #: When False, a confirmation that cannot run leaves the static report with a warning
    #: saying why instead of stopping the audit.
    required: bool = True


def _project_config(repo: git.Repo, tip: str, options: AuditOptions) -> ProjectConfig:
    if options.config_file is not None:
        return load_project_config_file(options.config_file)
    return find_project_config(
        {name: file_at(repo, tip, name) for name in (CONFIG_FILE, PYPROJECT)}
    )


def _finishing(repo: git.Repo, tip: str, options: AuditOptions) -> Callable[[Report], Report]:
    """The steps after classification: suppressions, then the baseline (read up front), then
    mirror findings grouped with the finding they repeat."""
    if options.ignore_file is not None:
        suppressions = load_suppressions_file(options.ignore_file)
    else:
        suppressions = find_suppressions(file_at(repo, tip, IGNORE_FILE))
    known = load_baseline(options.baseline_file) if options.baseline_file else frozenset()

    def finish(report: Report) -> Report:
        report = apply_suppressions(report, suppressions, options.today)
        report = apply_baseline(report, known) if known else report
        return replace(report, findings=group_mirrors(report.findings))

    return finish


class _Auditor:
    """The steps of one audit, wired together, and what they found so far."""

    def __init__(self, repo: git.Repo, config: ProjectConfig, cache: FactCache) -> None:
        self.repo = repo
        self.blobs = BlobReader(repo)
        self.reader = FactReader(self.blobs, cache, config.selection, config.max_file_bytes)
        self.comparer = FileComparer(repo, self.reader, self.warn)
        components = builtin_components().extended(config.components)
        self.summaries = SummaryStore(self.blobs, cache, config.max_file_bytes, components)
        self.code = PythonFacts(
            repo,
            self.summaries,
            ResolvedStore(cache, components.digest),
            python_selection(config.selection.exclude),
            self.warn,
        )
        self.code_diff = CodeDiffer(self.code)
        self.classifier = Classifier(all_rules(), config)
        self.warnings: list[AuditWarning] = []
        self.findings: list[Finding] = []
        self.commits: list[Commit] = []
        self.scanned = 0
        self.shallow_skipped = 0

    def __enter__(self) -> _Auditor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.blobs.close()

    def warn(self, message: str, commit: str | None = None, file: str | None = None) -> None:
        self.warnings.append(AuditWarning(message=message, commit=commit, file=file))

    def reads(self, path: str) -> bool:
        """Whether ``path`` is a file any extractor reads."""
        return self.reader.reads(path) or self.code.reads(path)

    def kind_of(self, path: str) -> str | None:
        """Which extractor reads ``path`` (``python``, ``json``…), None when none does."""
        if self.code.reads(path):
            return "python"
        extractor = extractor_for(path) if self.reader.reads(path) else None
        return None if extractor is None else extractor.name

    def facts_at(self, sha: str, path: str, blob: str) -> tuple[Fact, ...]:
        """The facts of ``path`` (``blob``) in revision ``sha``; none when it cannot be read."""
        if self.code.reads(path):
            tree = self.code.tree(sha)
            return self.code.facts(path, tree) if path in tree else ()
        try:
            return self.reader.read(path, blob).facts
        except MissingBlob:
            return ()

    def audit(
        self, commit: Commit, files: tuple[FileChange, ...], code: list[Change] | None = None
    ) -> None:
        """Compare, diff and classify the changed files of one commit.

        ``code`` is given when the Python changes were computed otherwise (tree to tree).
        """
        warned = len(self.warnings)
        changes = [c for f in files for c in self.comparer.changes(f, commit.sha, commit.parent)]
        changes += self.code_diff.changes(commit, files) if code is None else code
        found = self.classifier.classify_all(changes, commit.sha, commit.parent)
        self.findings += sorted(found, key=lambda f: (f.file, f.line, f.key, f.rule))
        if found or len(self.warnings) > warned:
            self.commits.append(commit)

    def step(self, step: CommitChanges) -> None:
        """Audit one commit of a walk (the baseline and shallow boundaries are not compared)."""
        self.scanned += 1
        if not step.comparable:
            self.shallow_skipped += step.shallow_boundary
            return
        if not step.renames_detected:
            self.warn(
                "an object this commit touches is missing (partial clone or snapshot): "
                "compared without rename detection",
                step.commit.sha,
            )
        self.audit(step.commit, step.files)

    def confirm(
        self, report: Report, path: str | Path, rng: RevisionRange, confirmation: Confirmation
    ) -> Report:
        """REPORT with its findings judged at runtime between the ends of RNG; what only the
        runtime saw enters as findings the project's settings adjust like any other."""
        from auditor.runtime.confirm import confirm
        from auditor.runtime.detect import pick_profile
        from auditor.runtime.inferred import is_inferred

        try:
            if rng.base is None:
                raise AuditError(f"{rng.tip[:12]} has no earlier revision to load weights from")
            profile = pick_profile(path, rng.tip, confirmation.profile)
            runtime = confirm(
                path, rng.base, rng.tip, profile, confirmation.device, python=confirmation.python
            )
        except AuditError as error:
            if confirmation.required:
                raise
            skipped = AuditWarning(message=f"runtime confirmation skipped: {error}")
            return replace(report, warnings=(*report.warnings, skipped))
        merged = merge_runtime(report.findings, runtime, profile)
        added = [a for a in map(self.classifier.adjust, merged.added) if a is not None]
        commits = report.commits
        if report.commit(rng.tip) is None and any(f.commit == rng.tip for f in added):
            commits += (commit_at(self.repo, rng.tip),)
        notes = tuple(AuditWarning(message=f"runtime: {w}") for w in runtime.warnings)
        if is_inferred(profile):
            notes += (AuditWarning(message=f"runtime: profile {profile.source} at {rng.tip[:12]}"),)
        notes += tuple(  # never silent: a model that could not be checked is no refutation
            AuditWarning(
                message=f"runtime: could not check {m.name} ({m.outcome.value}): {m.error}"
            )
            for m in runtime.models
            if not m.outcome.checked
        )
        return replace(
            report,
            findings=merged.judged + tuple(added),
            commits=commits,
            warnings=report.warnings + notes,
        )

    def report(self, repository: str, label: str, commits_scanned: int) -> Report:
        warnings = list(self.warnings)
        if self.shallow_skipped:
            warnings.append(_shallow_warning(self.shallow_skipped))
        return Report(
            repository=repository,
            range=label,
            commits_scanned=commits_scanned,
            commits=tuple(self.commits),
            findings=tuple(self.findings),
            warnings=tuple(warnings),
        )


def _shallow_warning(skipped: int) -> AuditWarning:
    return AuditWarning(
        message=f"shallow clone: {skipped} commit(s) could not be compared with their parents, "
        "which are missing from the clone; run `git fetch --unshallow` "
        "(in GitHub Actions: `fetch-depth: 0`) to audit them"
    )


def scan(
    path: str | Path,
    revision_range: str | None = None,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
    confirmation: Confirmation | None = None,
) -> Report:
    """Audit every commit of ``revision_range`` (default: the history of HEAD); with
    ``confirmation``, judge the findings by building the models at both ends."""
    options = options or AuditOptions()
    with closing(open_repository(path)) as repo:
        rng = resolve_range(repo, revision_range)
        if confirmation is not None and confirmation.required and rng.base is None:
            raise AuditError("--confirm needs a range with two ends: --range A..B")
        config = _project_config(repo, rng.tip, options)
        finish = _finishing(repo, rng.tip, options)
        with options.cache() as cache, _Auditor(repo, config, cache) as auditor:
            # One walk: its steps are kept (paths and blob ids only) for the prefetch and the
            # audit, and their number is the progress total.
            steps = list(
                walk_commits(
                    repo, rng, first_parent=options.first_parent, paths_filter=auditor.reads
                )
            )
            if progress is not None:
                progress(0, len(steps))
            auditor.summaries.prefetch(auditor.code.blobs_of(steps), os.cpu_count() or 1)
            for step in steps:
                auditor.step(step)
                if progress is not None:
                    progress(auditor.scanned, len(steps))
            report = auditor.report(str(path), rng.label, auditor.scanned)
            if confirmation is not None:
                report = auditor.confirm(report, path, rng, confirmation)
        return finish(report)


def diff_revisions(
    path: str | Path, old: str, new: str, options: AuditOptions | None = None
) -> Report:
    """Audit the difference between two trees, as if ``new`` were one commit on ``old``
    (either may be the older: any two trees can be compared)."""
    options = options or AuditOptions()
    with closing(open_repository(path)) as repo:
        old_sha = resolve_revision(repo, old)
        new_sha = resolve_revision(repo, new)
        config = _project_config(repo, new_sha, options)
        finish = _finishing(repo, new_sha, options)
        commit = replace(commit_at(repo, new_sha), parent=old_sha)
        with options.cache() as cache, _Auditor(repo, config, cache) as auditor:
            changed = pair_moved_files(
                diff_trees(repo, old_sha, new_sha),
                auditor.kind_of,
                partial(auditor.facts_at, old_sha),
                partial(auditor.facts_at, new_sha),
            )
            code = auditor.code_diff.compare(old_sha, new_sha, changed)
            auditor.audit(commit, changed, code)
        # Two trees are compared; no commit is scanned (however many lie between them).
        report = auditor.report(str(path), f"{old}..{new}", 0)
        return finish(replace(report, trees=(old, new)))


def class_copies_at(
    path: str | Path, rev: str, is_copy: Callable[[str], bool], options: AuditOptions | None = None
) -> list[tuple[str, str, str, tuple[Change, ...]]]:
    """The classes of REV's files that IS_COPY selects (export copies: ``models_onnx.py``) that
    copy a class of a file beside them, each with where it drifted from that class:
    ``(copy file, original file, class, changes from the original to the copy)``."""
    options = options or AuditOptions()
    with closing(open_repository(path)) as repo:
        sha = resolve_revision(repo, rev)
        config = _project_config(repo, sha, options)
        with options.cache() as cache, _Auditor(repo, config, cache) as auditor:
            return list(auditor.code_diff.copies_at(sha, is_copy))


def model_reaches(
    path: str | Path,
    revisions: Sequence[str | tuple[str, str]],
    roots: Sequence[tuple[str, ...]],
    options: AuditOptions | None = None,
) -> dict[tuple[str, ...], tuple[Reach, ...]]:
    """For each set of root class globs in ROOTS, what those classes build at each of
    REVISIONS, in order (:func:`auditor.extract.python.model_reach`). A revision given as
    ``(revision, earlier)`` follows only the roots whose class names exist at EARLIER: what
    the checkpoints trained there are made of, not a model added since."""
    options = options or AuditOptions()
    if not roots:
        return {}
    ends = [(r, None) if isinstance(r, str) else r for r in revisions]
    with closing(open_repository(path)) as repo:
        shas = {r: resolve_revision(repo, r) for end in ends for r in end if r is not None}
        config = _project_config(repo, shas[ends[-1][0]], options)
        with options.cache() as cache, _Auditor(repo, config, cache) as auditor:
            modules = {r: auditor.code.modules(sha) for r, sha in shas.items()}
            found: dict[tuple[str, ...], tuple[Reach, ...]] = {}
            for globs in roots:
                named = {r: root_names(modules[r], globs) for r in shas}
                found[globs] = tuple(
                    model_reach(
                        modules[revision], globs, None if earlier is None else named[earlier]
                    )
                    for revision, earlier in ends
                )
            return found


__all__ = [
    "AuditOptions",
    "CommitChanges",
    "Confirmation",
    "Notify",
    "Progress",
    "diff_revisions",
    "model_reaches",
    "scan",
    "warn_on_stderr",
]

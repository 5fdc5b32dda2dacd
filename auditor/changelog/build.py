"""The order of a changelog: plan the releases → audit their history once → group findings →
place each entry (a trained model, inference code, the rest) → verdicts per model.

The audit is :func:`auditor.pipeline.scan` over the range that covers every section (so
suppressions and the project's configuration apply as in a scan); its findings are then
shared out among the sections by the commits each release holds. Which model an entry
concerns comes from the model map; what each model's top classes build at both ends of a
release decides whether a class change can touch its checkpoints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.changelog.contents import Changelog, Entry, Release, Scope, Section
from auditor.changelog.entries import group_findings
from auditor.changelog.feeds import component_feeds
from auditor.changelog.generations import (
    Generation,
    ReadFile,
    declared_profile,
    generations_at,
)
from auditor.changelog.links import forge_for
from auditor.changelog.releases import plan_all_tags, plan_range
from auditor.changelog.scope import Reaches, place_all
from auditor.changelog.verdicts import generation_verdicts, model_verdicts, new_only
from auditor.classify.concerns import MODEL_MAP, ModelMap, load_model_map
from auditor.domain import Report, Severity
from auditor.extract.python import Reach
from auditor.history import BlobReader, files_at, open_repository, remote_url
from auditor.pipeline import AuditOptions, Progress, model_reaches, scan


@dataclass(frozen=True)
class _Ends:
    """What the model map sees at a release's two ends: the models shipped at the tip."""

    shipped: tuple[str, ...]
    #: The models shipped at the release's base (None: it starts at the root commit).
    before: tuple[str, ...] | None


def build_changelog(
    path: str | Path,
    *,
    all_tags: bool = False,
    old: str | None = None,
    new: str | None = None,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
    model_map: Path = MODEL_MAP,
    min_severity: Severity = Severity.INFO,
) -> tuple[Changelog, Report]:
    """The changelog of PATH (one section per tag with ``all_tags``, else ``old``..``new``)
    and the report of the audit behind it (for its warnings). Entries below MIN_SEVERITY
    are left out; MODEL_MAP says which model each entry concerns."""
    mapping = load_model_map(model_map)
    with closing(open_repository(path)) as repo:
        plan = plan_all_tags(repo) if all_tags else plan_range(repo, old, new)
        forge = forge_for(remote_url(repo))
        revisions = {r for release in plan.releases for r in (release.tip, release.base) if r}
        trees = {revision: files_at(repo, revision) for revision in revisions}
        ends = {
            release.tip: _ends(
                mapping,
                trees[release.tip],
                trees[release.base] if release.base else None,
            )
            for release in plan.releases
        }
        shipped = _generations(repo, mapping, trees, plan.releases[0].tip)
    report = scan(path, plan.audit_range, options, progress=progress)
    commits = {commit.sha: commit for commit in report.commits}
    order = {commit.sha: index for index, commit in enumerate(report.commits)}
    reaches = _reaches(path, mapping, plan.releases, options)
    # a warning without a commit (a shallow history) concerns every section
    unplaced = tuple(w for w in report.warnings if w.commit is None)
    baseline = plan.releases[-1] if all_tags and len(plan.releases) > 1 else None
    placed: dict[str, tuple[Entry, ...]] = {}
    for release, members in zip(plan.releases, plan.members, strict=True):
        found = (
            f
            for f in report.findings
            if f.commit in members and f.severity.rank >= min_severity.rank
        )
        entries = place_all(
            group_findings(found, commits),
            mapping,
            ends[release.tip].shipped,
            _of(reaches, release),
        )
        placed[release.tip] = () if release is baseline else entries
    feeds = _feeds(path, mapping, trees, shipped, placed)
    sections = []
    for release, members in zip(plan.releases, plan.members, strict=True):
        end = ends[release.tip]
        entries = placed[release.tip]
        before = _pairs(shipped[release.base]) if release.base else None
        fed = feeds.get(release.tip, {})
        sections.append(
            Section(
                release=release,
                entries=entries,
                commit_count=len(members),
                warnings=unplaced + tuple(w for w in report.warnings if w.commit in members),
                models=model_verdicts(
                    entries,
                    _verdict_models(mapping, end, entries),
                    order,
                    end.before,
                    end.shipped,
                    new_only(entries, shipped[release.tip], before, fed),
                ),
                generations=generation_verdicts(
                    entries,
                    shipped[release.tip],
                    order,
                    before,
                    fed,
                ),
                baseline=release is baseline,
            )
        )
    return Changelog(repository=str(path), sections=tuple(sections), forge=forge), report


def _generations(
    repo: git.Repo, mapping: ModelMap, trees: Mapping[str, Mapping[str, str]], newest: str
) -> dict[str, tuple[Generation, ...]]:
    """The checkpoint generations each revision of TREES ships, all models in map order, by
    the profile declared at the NEWEST revision."""
    with BlobReader(repo) as blobs:

        def reader(tree: Mapping[str, str]) -> ReadFile:
            return lambda path: blobs.read(tree[path]) if path in tree else None

        profile = declared_profile(trees[newest], reader(trees[newest]))
        found: dict[str, tuple[Generation, ...]] = {}
        for revision, tree in trees.items():
            by_model = generations_at(mapping, profile, tree, reader(tree))
            ordered = mapping.ordered(by_model)
            found[revision] = tuple(g for model in ordered for g in by_model[model])
        return found


def _feeds(
    path: str | Path,
    mapping: ModelMap,
    trees: Mapping[str, Mapping[str, str]],
    shipped: Mapping[str, tuple[Generation, ...]],
    placed: Mapping[str, tuple[Entry, ...]],
) -> dict[str, dict[tuple[str, ...], frozenset[str]]]:
    """For each release tip, the variants each component entry of PLACED reaches there."""
    found: dict[str, dict[tuple[str, ...], frozenset[str]]] = {}
    with closing(open_repository(path)) as repo, BlobReader(repo) as blobs:
        for tip, entries in placed.items():
            tree = trees[tip]

            def read(name: str, tree: Mapping[str, str] = tree) -> bytes | None:
                return blobs.read(tree[name]) if name in tree else None

            found[tip] = component_feeds(entries, shipped[tip], mapping, tree, read)
    return found


def _pairs(generations: Sequence[Generation]) -> set[tuple[str, str | None]]:
    return {(g.model, g.name) for g in generations}


def _ends(
    mapping: ModelMap,
    files: Mapping[str, str],
    base_files: Mapping[str, str] | None,
) -> _Ends:
    def trained(paths: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(m for m in mapping.covered(paths) if mapping.scope(m) == Scope.CHECKPOINT)

    # the fallback holds whatever the map places nowhere: never new
    before = (*trained(base_files), mapping.fallback) if base_files is not None else None
    return _Ends(trained(files), before)


def _verdict_models(mapping: ModelMap, end: _Ends, entries: Sequence[Entry]) -> tuple[str, ...]:
    """The trained models a release's verdicts speak of: those it ships, and any that a
    change in it concerns (a model whose code is gone)."""
    touched = {
        model
        for entry in entries
        if entry.scope is Scope.CHECKPOINT and entry.effect is not None
        for model in entry.models
    }
    return mapping.ordered(set(end.shipped) | touched)


def _reaches(
    path: str | Path, mapping: ModelMap, releases: Sequence[Release], options: AuditOptions | None
) -> dict[tuple[str, ...], dict[tuple[str, ...], Reach]] | None:
    """What each root set builds at every release end, by the end's revisions: at a release's
    base, and at its tip from the roots that were already at the base (the checkpoints users
    own; a model added in the release is new, and what only it builds breaks none of them)."""
    roots = mapping.root_sets()
    ends = list(dict.fromkeys(end for release in releases for end in _release_ends(release)))
    if not roots or not ends:
        return None
    found = model_reaches(path, ends, roots, options)
    keys = [(end,) if isinstance(end, str) else end for end in ends]
    return {globs: dict(zip(keys, found[globs], strict=True)) for globs in roots}


def _release_ends(release: Release) -> list[str | tuple[str, str]]:
    """The reach ends of RELEASE: its base, and its tip as the base's roots build it."""
    base = release.base or release.root
    if not base:
        return [release.tip]
    return [base, (release.tip, base)]


def _of(
    reaches: Mapping[tuple[str, ...], Mapping[tuple[str, ...], Reach]] | None, release: Release
) -> Reaches | None:
    """The reaches at RELEASE's ends of each root set."""
    if reaches is None:
        return None
    keys = [(end,) if isinstance(end, str) else end for end in _release_ends(release)]
    return {
        globs: tuple(by_end[key] for key in keys if key in by_end)
        for globs, by_end in reaches.items()
    }

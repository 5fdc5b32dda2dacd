"""``verify``: does a stamped checkpoint still fit the code, and if not, since which commit?

The file is checked against its manifest (its sha256: the same file, or another one with
the same keys and shapes). Then the way from the stamped commit to the target revision is
audited: the static findings on it that concern the checkpoint's model (the model map,
``auditor/classify/models.yaml``, names the files and classes of each model), the runtime
check at the target when torch is there (the models built as ``check-ckpt`` builds them),
and, when the target rejects the checkpoint, the first commit that does and the fact that
breaks it (:func:`~auditor.checkpoints.bisect.bisect_checkpoint`, which reuses the static
audit rather than scanning the range again). When the stamped model no longer loads it, the
target's models are tried as ``identify`` tries a release's: a variant of that model that
loads it (``sovits@v1`` when ``sovits`` now builds v2) means it still fits, as that variant.
What moved in the environment (Python, torch, the project's pins) and in the audio front end
is reported beside it. A checkpoint without a manifest is identified instead (:mod:`.identify`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

import git

from auditor.checkpoints import ContainerFormat
from auditor.checkpoints.bisect import MODEL_CATEGORIES, CannotCheck, bisect_checkpoint
from auditor.checkpoints.results import BisectResult, BisectVerdict, CheckResult
from auditor.classify.concerns import load_model_map
from auditor.domain import Commit, Finding, Report, Severity
from auditor.errors import AuditError, RepositoryError
from auditor.history import commit_at, is_ancestor, open_repository, resolve_revision
from auditor.pipeline import AuditOptions, scan
from auditor.provenance.checker import Building, Checker
from auditor.provenance.digest import tensor_data_sha256
from auditor.provenance.embed import embedded_manifest
from auditor.provenance.environment import (
    Drift,
    Requirement,
    drift,
    environment,
    project_requirements,
)
from auditor.provenance.front_end import FrontEndValue, front_end
from auditor.provenance.identify import (
    FileFacts,
    Identification,
    Progress,
    file_facts,
    identify,
)
from auditor.provenance.manifest import Manifest, parse_manifest, read_sidecar, sidecar_path
from auditor.provenance.releases import ReleaseCheck, Status, check_releases, trial_line
from auditor.runtime.detect import pick_profile
from auditor.runtime.process import WorkerError
from auditor.runtime.profile import ProfileError


class CannotVerify(AuditError):
    """The checkpoint cannot be verified: its stamped commit is not in the repository."""


class Verdict(str, Enum):
    """What ``verify`` concludes (and its exit code)."""

    #: The file is the one stamped and the target loads it as the stamped commit does.
    FINE = "fine"
    #: The target rejects it (the first commit that does is named when it can be).
    BREAKS = "breaks"
    #: The stamped model at the target rejects it, but a variant of that model loads it.
    LOADS_AS_VARIANT = "loads-as-variant"
    #: The file is not the one the manifest describes.
    MISMATCH = "mismatch"
    #: Nothing could decide: no runtime check, and no static finding says it breaks.
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class HashCheck:
    """The file's sha256 against the manifest's (``of`` the file or its tensor data), and
    whether its keys and shapes are still those stamped."""

    expected: str
    actual: str
    of: str
    keys_match: bool

    @property
    def matches(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class RequirementChange:
    """A requirement whose specifier differs at the target from the stamped commit
    (None: not listed there)."""

    name: str
    stamped: str | None
    target: str | None


@dataclass(frozen=True)
class FrontEndChange:
    """A front-end value the target's config of the model gives otherwise than stamped."""

    name: str
    stamped: int | float | None
    target: int | float | None
    key: str


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found.

    ``static_breaks`` is True when only the static audit could judge (no runtime check)
    and a critical finding concerns the model. ``loads_as`` is the check at the target
    against the model chosen there, as ``identify`` chooses, when the stamped model no longer
    loads the checkpoint and a variant of it does.
    """

    facts: FileFacts
    repository: str
    target: str
    verdict: Verdict
    target_sha: str | None = None
    manifest: Manifest | None = None
    manifest_source: str | None = None
    hash: HashCheck | None = None
    stamped: Commit | None = None
    models: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    commits: tuple[Commit, ...] = ()
    commits_scanned: int = 0
    runtime: CheckResult | None = None
    runtime_error: str | None = None
    bisect: BisectResult | None = None
    loads_as: ReleaseCheck | None = None
    static_breaks: bool = False
    drift: tuple[Drift, ...] = ()
    requirement_changes: tuple[RequirementChange, ...] = ()
    front_end_changes: tuple[FrontEndChange, ...] = ()
    identification: Identification | None = None
    warnings: tuple[str, ...] = field(default=())


def find_manifest(path: Path, given: Path | None = None) -> tuple[Manifest | None, str | None]:
    """The manifest of the checkpoint at PATH and where it was read: GIVEN, else
    ``PATH.model-audit.json``, else a safetensors header; ``(None, None)`` when none is."""
    if given is not None:
        return read_sidecar(given), str(given)
    beside = sidecar_path(path)
    if beside.is_file():
        return read_sidecar(beside), str(beside)
    if path.name.endswith(".safetensors") or _is_safetensors(path):
        text = embedded_manifest(path)
        if text is not None:
            where = f"{path} (safetensors __metadata__)"
            return parse_manifest(text, where), where
    return None, None


def _is_safetensors(path: Path) -> bool:
    from auditor.checkpoints.formats import detect_format

    return detect_format(path).format is ContainerFormat.SAFETENSORS


def verify(
    path: Path,
    repository: str | os.PathLike[str] = ".",
    target: str = "HEAD",
    *,
    manifest_file: Path | None = None,
    profile: str | None = None,
    building: Building | None = None,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
    counter: Callable[[int, int], None] | None = None,
    shown: str | None = None,
) -> Verification:
    """Verify the checkpoint at PATH against its manifest and REPOSITORY at TARGET.

    Raises :class:`CannotVerify` when the stamped commit is not in REPOSITORY.
    """
    building = building or Building()
    say = progress or Progress()
    manifest, source = find_manifest(path, manifest_file)
    if manifest is None:
        return _identified(path, repository, target, profile, building, options, say, shown)
    facts = file_facts(path, shown)
    with closing(open_repository(repository)) as repo:
        target_sha = resolve_revision(repo, target)
        stamped_sha = _stamped(repo, manifest, repository)
        stamped = commit_at(repo, stamped_sha)
        ancestor = is_ancestor(repo, stamped_sha, target_sha)
        requirements = project_requirements(repo, target_sha)
    result = Verification(
        facts=facts,
        repository=os.fspath(repository),
        target=target,
        target_sha=target_sha,
        verdict=Verdict.NOT_CHECKED,
        manifest=manifest,
        manifest_source=source,
        hash=_hash(path, facts, manifest),
        stamped=stamped,
        drift=drift(
            manifest.environment, environment(manifest.environment.packages, building.python)
        ),
        requirement_changes=_requirement_changes(manifest.requirements, requirements),
    )
    warnings = _manifest_warnings(manifest, ancestor, target)
    report = _scan(result, options, say, counter)
    result = _static(result, report)
    result = _runtime(result, profile, building, options, say, warnings, report)
    verdict = _verdict(result)
    return replace(
        result,
        verdict=verdict,
        static_breaks=result.bisect is None and verdict is Verdict.BREAKS,
        warnings=(*result.warnings, *warnings),
    )


def _identified(
    path: Path,
    repository: str | os.PathLike[str],
    target: str,
    profile: str | None,
    building: Building,
    options: AuditOptions | None,
    say: Progress,
    shown: str | None,
) -> Verification:
    """No manifest: ``identify`` the checkpoint, the target as the newest release."""
    chosen = None
    reason = None
    try:
        chosen = pick_profile(repository, target, profile)
    except ProfileError as error:
        if profile is not None:
            raise
        reason = str(error)
    found = identify(
        path,
        repository,
        chosen,
        tip=target,
        building=building,
        options=options,
        progress=say,
        shown=shown,
    )
    if reason is not None:
        found = replace(found, not_checked=reason)
    tip = found.tip
    if tip is None or tip.status is Status.NOT_CHECKED:
        verdict = Verdict.NOT_CHECKED
    else:
        verdict = Verdict.FINE if tip.status.loads else Verdict.BREAKS
    looked = str(sidecar_path(path))
    if found.facts.checkpoint.format is ContainerFormat.SAFETENSORS:
        looked += " or a safetensors header"
    return Verification(
        facts=found.facts,
        repository=os.fspath(repository),
        target=target,
        target_sha=tip.sha if tip else None,
        verdict=verdict,
        identification=found,
        warnings=(f"no manifest (looked for {looked}): identified instead",),
    )


def _stamped(repo: git.Repo, manifest: Manifest, repository: str | os.PathLike[str]) -> str:
    commit = manifest.repository.commit
    try:
        return resolve_revision(repo, commit)
    except RepositoryError:
        origin = f" (from {manifest.repository.url})" if manifest.repository.url else ""
        raise CannotVerify(
            f"the stamped commit {commit[:12]}{origin} is not in {os.fspath(repository)}: "
            f"fetch it (git fetch origin {commit}) or verify in a clone that has it"
        ) from None


def _hash(path: Path, facts: FileFacts, manifest: Manifest) -> HashCheck:
    stamped = manifest.checkpoint
    actual = tensor_data_sha256(path) if stamped.digest_of == "tensor-data" else facts.sha256
    same_keys = facts.keys_digest == stamped.keys_digest
    return HashCheck(stamped.sha256, actual, stamped.digest_of, same_keys)


def _manifest_warnings(manifest: Manifest, ancestor: bool, target: str) -> list[str]:
    warnings = []
    source = manifest.repository
    if source.dirty:
        shown = ", ".join(source.changed_files[:3])
        warnings.append(
            f"the work tree was dirty when it was stamped ({shown}"
            f"{', ...' if len(source.changed_files) > 3 else ''}): the code that trained it is "
            f"not exactly {source.commit[:7]}"
        )
    if not ancestor:
        warnings.append(
            f"{target} does not descend from the stamped commit {source.commit[:7]}: the "
            f"commits of {target} it lacks are audited"
        )
    return warnings


def _requirement_changes(
    stamped: Sequence[Requirement], now: Sequence[Requirement]
) -> tuple[RequirementChange, ...]:
    before = {r.name: r.specifier for r in stamped}
    after = {r.name: r.specifier for r in now}
    names = [*before, *(n for n in after if n not in before)]
    return tuple(
        RequirementChange(n, before.get(n), after.get(n))
        for n in names
        if before.get(n) != after.get(n)
    )


def concerned_models(model_name: str | None) -> tuple[str, ...]:
    """The model-map models (``SoVITS generator``) built by the profile model MODEL_NAME's
    family (``sovits`` for ``sovits@v2``)."""
    if model_name is None:
        return ()
    family = _family(model_name)
    mapping = load_model_map()
    return tuple(name for name, runtime in mapping.runtime.items() if runtime == family)


def concerning(findings: Sequence[Finding], models: Sequence[str]) -> tuple[Finding, ...]:
    """The FINDINGS (low severity and above) that concern one of MODELS, or, without
    MODELS, those about model facts (shapes, keys, configs, version defaults)."""
    mapping = load_model_map()
    kept = []
    for finding in findings:
        if finding.severity.rank < Severity.LOW.rank:
            continue
        if models:
            about = mapping.concerns(finding.file, finding.key, mapping.models)
            if not set(about) & set(models):
                continue
        elif finding.category not in MODEL_CATEGORIES:
            continue
        kept.append(finding)
    return tuple(kept)


def _scan(
    result: Verification,
    options: AuditOptions | None,
    say: Progress,
    counter: Callable[[int, int], None] | None,
) -> Report | None:
    """The static audit of the way from the stamped commit to the target (None: no way)."""
    assert result.stamped is not None
    if result.stamped.sha == result.target_sha:
        return None
    say.stage(f"auditing {result.stamped.short_sha}..{result.target}")
    return scan(result.repository, _span(result), options, counter)


def _span(result: Verification) -> str:
    assert result.stamped is not None and result.target_sha is not None
    return f"{result.stamped.sha}..{result.target_sha}"


def _static(result: Verification, report: Report | None) -> Verification:
    """RESULT with the findings of REPORT that concern the checkpoint's model."""
    assert result.manifest is not None
    models = concerned_models(result.manifest.model.name)
    if report is None:
        return replace(result, models=models)
    findings = concerning(report.findings, models)
    touched = {f.commit for f in findings}
    return replace(
        result,
        models=models,
        findings=findings,
        commits=tuple(c for c in report.commits if c.sha in touched),
        commits_scanned=report.commits_scanned,
    )


def _runtime(
    result: Verification,
    profile_spec: str | None,
    building: Building,
    options: AuditOptions | None,
    say: Progress,
    warnings: list[str],
    report: Report | None,
) -> Verification:
    """The check at the target, the bisection from the stamped commit (its candidates from
    REPORT, the static audit already run), a variant that loads it, the front end."""
    assert result.manifest is not None and result.stamped is not None
    assert result.target_sha is not None
    try:
        profile = pick_profile(result.repository, result.target, profile_spec)
    except ProfileError as error:
        if profile_spec is not None:
            raise
        return replace(result, runtime_error=str(error))
    checker = Checker(result.repository, result.facts.checkpoint, profile, building)
    checker.on_build = lambda name: say.stage(f"building the models at {name}")
    try:
        bisect = bisect_checkpoint(
            result.repository,
            _span(result),
            checker.check_at,
            options,
            lambda trial: say.log(trial_line(trial)),
            report,
        )
    except (WorkerError, CannotCheck) as error:
        return replace(result, runtime_error=str(error))
    runtime = checker.check_at(result.target_sha, bisect.model)
    variant = _variant(checker, result.target, result.target_sha, bisect)
    stamped_model = result.manifest.model.name
    if stamped_model and bisect.model and _family(stamped_model) != _family(bisect.model):
        warnings.append(
            f"stamped as {stamped_model}, the checkpoint now fits {bisect.model} at "
            f"{result.stamped.short_sha}"
        )
    loading = runtime if variant is None else variant.check
    hps = _hps(checker, result.target_sha, loading)
    changes = _front_end_changes(result.manifest.front_end, hps)
    return replace(
        result, runtime=runtime, bisect=bisect, loads_as=variant, front_end_changes=changes
    )


def _hps(checker: Checker, sha: str, check: CheckResult) -> object:
    """The config the model CHECK compared the checkpoint with was built from at SHA."""
    if check.comparison is None:
        return None
    built = {m.name: m for m in checker.maps(sha).models}
    model = built.get(check.comparison.model)
    return model.hps if model else None


def _variant(checker: Checker, target: str, sha: str, bisect: BisectResult) -> ReleaseCheck | None:
    """The checkpoint at the target as ``identify`` checks a release (its model chosen
    there), when the bisection's model no longer loads it there and the model chosen is
    another variant of it that does."""
    pinned = bisect.model
    if pinned is None or bisect.verdict is BisectVerdict.LOADS_AT_TIP:
        return None
    (found,) = check_releases(checker, [(target, sha, False)])
    chosen = found.check.comparison
    if chosen is None or not found.status.loads or chosen.model == pinned:
        return None
    return found if _family(chosen.model) == _family(pinned) else None


def _family(model: str) -> str:
    """``sovits`` for ``sovits@v1``: the profile model a variant belongs to."""
    return model.split("@", 1)[0]


def _front_end_changes(stamped: Sequence[FrontEndValue], hps: object) -> tuple[FrontEndChange, ...]:
    if not stamped or hps is None:
        return ()
    now = {v.name: v for v in front_end(hps)}
    return tuple(
        FrontEndChange(v.name, v.value, now[v.name].value, now[v.name].key)
        for v in stamped
        if v.name in now and now[v.name].value != v.value
    )


def _verdict(result: Verification) -> Verdict:
    if result.hash is not None and not result.hash.matches:
        return Verdict.MISMATCH
    bisect = result.bisect
    if bisect is not None:
        if bisect.verdict is BisectVerdict.LOADS_AT_TIP:
            return Verdict.FINE
        return Verdict.BREAKS if result.loads_as is None else Verdict.LOADS_AS_VARIANT
    if any(f.severity is Severity.CRITICAL for f in result.findings):
        return Verdict.BREAKS
    return Verdict.NOT_CHECKED

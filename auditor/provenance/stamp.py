"""``stamp``: write a checkpoint's provenance manifest, from the command line or a training
script (``from auditor.provenance import stamp``).

The checkpoint is read safely and checked against the models of the revision it was trained
at (when torch and a runtime profile are there), which names its model and variant and
proves the revision loads it: a checkpoint the revision rejects is not stamped unless
``force``. The manifest records the repository (remote URL without credentials), the
commit, whether the work tree was dirty, the config (the checkpoint's own, else the
revision's config of its model), the audio front end, the installed versions of Python,
torch, torchaudio, transformers and every package the project's requirement files list, the
model, and the file's digests. It is written beside the checkpoint
(``CKPT.model-audit.json``), or into the header of a safetensors file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import git

from auditor import __version__
from auditor.checkpoints import ContainerFormat
from auditor.checkpoints.checkpoint import JSONValue
from auditor.checkpoints.results import CheckOutcome, CheckResult
from auditor.errors import AuditError
from auditor.history import (
    commit_at,
    open_repository,
    remote_url,
    resolve_revision,
    tags_by_commit,
)
from auditor.history._git import run_git
from auditor.provenance.checker import Building, Checker
from auditor.provenance.digest import tensor_data_sha256
from auditor.provenance.embed import embed_manifest
from auditor.provenance.environment import environment, package_names, project_requirements
from auditor.provenance.front_end import front_end
from auditor.provenance.identify import FileFacts, file_facts
from auditor.provenance.manifest import (
    FileIdentity,
    Manifest,
    ModelIdentity,
    Source,
    dumps,
    sidecar_path,
)
from auditor.provenance.releases import fact_of
from auditor.runtime.detect import pick_profile
from auditor.runtime.process import WorkerError
from auditor.runtime.profile import Profile, ProfileError

#: How many changed files of a dirty work tree the manifest lists.
CHANGED_SHOWN = 50


class StampRefused(AuditError):
    """The revision's models reject the checkpoint: stamping it so would be a false claim."""

    def __init__(self, message: str, check: CheckResult) -> None:
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class Stamped:
    """A manifest, where it was written (None: not written), the check at the revision
    (None: not checked, ``warnings`` say why) and what the user should know."""

    manifest: Manifest
    location: str | None
    check: CheckResult | None
    warnings: tuple[str, ...] = ()


def stamp(
    checkpoint: str | os.PathLike[str],
    repository: str | os.PathLike[str] = ".",
    rev: str = "HEAD",
    *,
    profile: str | Profile | None = None,
    building: Building | None = None,
    python: str | None = None,
    force: bool = False,
    write: bool = True,
    now: datetime | None = None,
) -> Stamped:
    """Stamp the checkpoint at CHECKPOINT, trained with REPOSITORY at REV.

    PROFILE is the runtime profile (a name, a file, or a :class:`Profile`; default: found
    from the repository); PYTHON the training environment whose versions are recorded
    (default: this Python, right for a training script). Raises :class:`StampRefused` when
    REV's models reject the checkpoint (unless FORCE), and
    :class:`~auditor.checkpoints.CheckpointError` for an unreadable or unsafe file.
    """
    path = Path(checkpoint)
    facts = file_facts(path)
    building = building or Building(python=python)
    warnings: list[str] = []
    with closing(open_repository(repository)) as repo:
        sha = resolve_revision(repo, rev)
        source = _source(repo, rev, sha, warnings)
        requirements = project_requirements(repo, sha)
    check, hps = _check(repository, rev, facts, profile, building, warnings)
    if check is not None:
        _judge(check, f"{path} at {rev} ({sha[:7]})", force, warnings)
    config, config_source, config_file = _config(facts, check, hps)
    manifest = Manifest(
        checkpoint=_identity(path, facts),
        repository=source,
        model=_model(facts, check),
        config=config,
        config_source=config_source,
        config_file=config_file,
        front_end=front_end(config, facts.checkpoint.extras),
        environment=environment(package_names(requirements), python),
        requirements=requirements,
        tool_version=__version__,
        created=(now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    location = None
    if write:
        location = _write(path, manifest)
    return Stamped(manifest, location, check, tuple(warnings))


def _write(path: Path, manifest: Manifest) -> str:
    text = dumps(manifest)
    if manifest.checkpoint.format == ContainerFormat.SAFETENSORS.value:
        embed_manifest(path, text)
        return f"{path} (safetensors __metadata__)"
    target = sidecar_path(path)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise AuditError(f"cannot write {target}: {error.strerror or error}") from None
    return str(target)


def _identity(path: Path, facts: FileFacts) -> FileIdentity:
    checkpoint = facts.checkpoint
    embedded = checkpoint.format is ContainerFormat.SAFETENSORS
    return FileIdentity(
        name=path.name,
        format=checkpoint.format.value,
        version_tag=checkpoint.version_tag,
        size=path.stat().st_size,
        sha256=tensor_data_sha256(path) if embedded else facts.sha256,
        digest_of="tensor-data" if embedded else "file",
        keys_digest=facts.keys_digest,
        tensor_count=len(checkpoint.tensors),
        parameter_count=checkpoint.parameter_count,
    )


def _source(repo: git.Repo, rev: str, sha: str, warnings: list[str]) -> Source:
    commit = commit_at(repo, sha)
    dirty: bool | None = None
    changed: tuple[str, ...] = ()
    tree = None if repo.bare else repo.working_tree_dir
    if tree is None or not os.path.exists(os.path.join(tree, ".git")):
        warnings.append("the repository has no work tree: whether it was dirty is unknown")
    elif resolve_revision(repo, "HEAD") != sha:
        warnings.append(
            f"the work tree is not at {rev}: whether {rev}'s files were changed is unknown"
        )
    else:
        changed = _changed_files(repo, str(tree))
        dirty = bool(changed)
        if dirty:
            warnings.append(
                f"the work tree has uncommitted changes ({len(changed)} files): the manifest "
                "records it as dirty"
            )
    return Source(
        url=_public_url(remote_url(repo)),
        commit=sha,
        revision=rev,
        subject=commit.subject,
        date=commit.date,
        tags=tags_by_commit(repo).get(sha, ()),
        dirty=dirty,
        changed_files=changed[:CHANGED_SHOWN],
    )


def _changed_files(repo: git.Repo, tree: str) -> tuple[str, ...]:
    """The tracked files of the work tree at TREE that differ from HEAD (read-only)."""
    args = [f"--work-tree={tree}", "status", "--porcelain=v1", "-z", "--untracked-files=no"]
    _, out = run_git(repo, args)
    entries = out.decode("utf-8", "surrogateescape").split("\0")
    changed = []
    skip = False
    for entry in entries:
        if skip or not entry:
            skip = False
            continue
        status, name = entry[:2], entry[3:]
        changed.append(name)
        skip = "R" in status or "C" in status  # the next entry is the old name
    return tuple(sorted(changed))


def _public_url(url: str | None) -> str | None:
    """URL without the user name and password a remote may carry."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def _check(
    repository: str | os.PathLike[str],
    rev: str,
    facts: FileFacts,
    profile: str | Profile | None,
    building: Building,
    warnings: list[str],
) -> tuple[CheckResult | None, Mapping[str, Any] | None]:
    """The checkpoint checked at REV, and the config its model is built from there."""
    if not isinstance(profile, Profile):
        try:
            profile = pick_profile(repository, rev, profile)
        except ProfileError as error:
            if profile is not None:
                raise
            warnings.append(f"the model was not checked: {error}")
            return None, None
    checker = Checker(repository, facts.checkpoint, profile, building)
    try:
        check = checker.check_at(rev)
    except WorkerError as error:
        warnings.append(f"the model was not checked at {rev}: {error}")
        return None, None
    built = {m.name: m for m in checker.maps(rev).models}
    model = built.get(check.comparison.model) if check.comparison is not None else None
    return check, model.hps if model is not None else None


def _judge(check: CheckResult, where: str, force: bool, warnings: list[str]) -> None:
    """Refuse (unless FORCE) a checkpoint CHECK says fails to load; warn of the rest."""
    problem = fact_of(check)
    said = f"{where}: {check.outcome.value}{'; ' + problem if problem else ''}"
    if check.outcome is CheckOutcome.FAILS_TO_LOAD:
        if not force:
            raise StampRefused(
                f"{said}; was it trained at another revision? (--force stamps it anyway)", check
            )
        warnings.append(f"stamped although it fails to load: {said}")
    elif check.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS:
        warnings.append(f"it loads only with strict=False: {said}")
    elif not check.outcome.checked:
        warnings.append(f"the model was not checked: {check.reason}")


def _model(facts: FileFacts, check: CheckResult | None) -> ModelIdentity:
    layout = facts.layout
    found = ModelIdentity(layout.label, layout.project, layout.generation)
    if check is None or check.comparison is None:
        return replace(found, profile=check.profile if check else None)
    c = check.comparison
    match = next(m for m in check.models if m.name == c.model)
    choice = check.choice
    return replace(
        found,
        profile=check.profile,
        name=c.model,
        class_name=c.class_name,
        variant=match.variant,
        config_file=c.config,
        basis=choice.basis.value if choice else None,
        reason=choice.reason if choice else None,
    )


def _config(
    facts: FileFacts, check: CheckResult | None, hps: Mapping[str, Any] | None
) -> tuple[JSONValue, str, str | None]:
    """The config: the checkpoint's own, else the one its model is built from at the
    revision (and its file), else none."""
    stored = facts.checkpoint.config
    if isinstance(stored, dict) and set(stored) <= {"format"}:
        stored = None  # a safetensors header's bare {"format": "pt"} is no model config
    if stored is not None and stored != []:
        return stored, "checkpoint", None
    if hps is not None and check is not None and check.comparison is not None:
        return _plain(hps), "repository", check.comparison.config
    return None, "none", None


def _plain(value: Any) -> JSONValue:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return repr(value)

"""Runtime confirmation: build a profile's models at two revisions and load old into new.

For each revision the profile's files are materialised from git objects into a temporary
folder (always removed). Worker processes (:mod:`auditor.runtime.worker`) build the models
there, first on the ``meta`` device: the two state-dict maps say, without allocating a
tensor, which keys are missing, unexpected or of another shape. Only models whose maps
agree on every shape are then built for real: the old revision's worker saves each state
dict and records its outputs on seeded inputs, the new revision's worker loads those
weights and compares its outputs on the same inputs. This module turns the workers'
answers into a :class:`RuntimeReport`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.errors import AuditError
from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.materialise import materialise
from auditor.runtime.outcome import Side, outcome
from auditor.runtime.process import WorkerError
from auditor.runtime.profile import ModelSpec, Profile
from auditor.runtime.request import Request, build_request
from auditor.runtime.results import RuntimeReport
from auditor.runtime.revision_worker import RevisionWorker, revision_name
from auditor.runtime.statediff import diff_state_maps

TEMP_PREFIX = "model-audit-runtime-"
DEVICES = ("auto", "cpu", "cuda")
__all__ = ["DEVICES", "WorkerError", "confirm", "run_worker"]


@dataclass(frozen=True)
class Prepared:
    """One revision materialised under ``root``, with its worker request."""

    label: str
    sha: str
    root: Path
    request: Request
    warnings: tuple[str, ...]


@contextmanager
def _revisions(
    path: str | os.PathLike[str],
    revisions: Mapping[str, str],
    profile: Profile,
    stub_imports: bool = False,
) -> Iterator[tuple[Path, dict[str, Prepared]]]:
    """Materialise each of REVISIONS (``{label: revision}``) in one temporary folder."""
    repo = open_repository(path)
    try:
        shas = {label: resolve_revision(repo, rev) for label, rev in revisions.items()}
        with (
            tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
            BlobReader(repo) as blobs,
        ):
            work = Path(temp)
            prepared: dict[str, Prepared] = {}
            for label, sha in shas.items():
                tree = files_at(repo, sha)
                done = materialise(blobs, tree, profile.files, work / label)
                warnings = tuple(f"{label} ({sha[:7]}): {p}: blob is missing" for p in done.missing)
                request = build_request(profile, blobs, tree, done.root, stub_imports=stub_imports)
                prepared[label] = Prepared(label, sha, done.root, request, warnings)
            yield work, prepared
    finally:
        repo.close()


def confirm(
    path: str | os.PathLike[str],
    old: str,
    new: str,
    profile: Profile,
    device: str = "auto",
    *,
    timeout: float | None = None,
    tolerance: float | None = None,
    python: str | None = None,
    stub_imports: bool = False,
) -> RuntimeReport:
    """Load each model's weights built at OLD into the same model built at NEW.

    Both run the same seeded inputs; outputs match within TOLERANCE (default: the
    profile's, per model). The workers run in PYTHON (default: the auditor's own); with
    STUB_IMPORTS they stub the third-party modules the code imports that are not installed.
    """
    if device not in DEVICES:
        raise AuditError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    limit = profile.timeout if timeout is None else timeout
    with (
        _revisions(path, {"old": old, "new": new}, profile, stub_imports) as (work, prepared),
        ExitStack() as stack,
    ):
        revisions = {"old": old, "new": new}
        workers = {
            label: stack.enter_context(
                RevisionWorker(
                    side.root,
                    work,
                    label,
                    limit,
                    python,
                    f"{label} revision {revision_name(revisions[label], side.sha)}",
                )
            )
            for label, side in prepared.items()
        }
        for label, worker in workers.items():
            worker.send(prepared[label].request.for_device("meta"))
        meta = {label: dict(worker.receive()["models"]) for label, worker in workers.items()}
        plan = Plan.of(profile, meta["old"], meta["new"])
        answers = {label: dict(models) for label, models in meta.items()}
        device_used = "meta"
        real = [m for m in plan.models if _needs_real_build(m, plan.source(m.name), meta)]
        if real:
            (work / "weights").mkdir()
            wanted = {
                "old": {plan.source(m.name) for m in real},
                "new": {m.name for m in real},
            }
            for label, side in prepared.items():
                request = side.request.for_device(device, wanted[label])
                for entry in request["models"]:
                    source = entry["name"] if label == "old" else plan.source(entry["name"])
                    target = work / "weights" / f"{source}.pt"
                    record = work / "weights" / f"{source}.outputs.pt"
                    if label == "old":
                        entry.update(save=str(target), record=str(record))
                    elif target.is_file():
                        entry.update(load=str(target), reference=str(record))
                answer = workers[label].ask(request)
                answers[label].update(answer["models"])
                device_used = answer["device"]
        configs = {label: prepared[label].request.configs for label in prepared}
        old_side = Side(
            device_used,
            {m.name: answers["old"][plan.source(m.name)] for m in plan.models},
            {m.name: configs["old"].get(plan.source(m.name)) for m in plan.models},
        )
        new_side = Side(device_used, answers["new"], configs["new"])
    return RuntimeReport(
        repository=os.fspath(path),
        profile=profile.name,
        old=old,
        new=new,
        old_sha=prepared["old"].sha,
        new_sha=prepared["new"].sha,
        device=device_used,
        models=tuple(
            replace(
                outcome(spec, old_side, new_side, tolerance),
                old_model=plan.fallbacks.get(spec.name),
            )
            for spec in plan.models
        ),
        warnings=prepared["old"].warnings + prepared["new"].warnings,
        skipped=plan.skipped,
    )


@dataclass(frozen=True)
class Plan:
    """Which models to compare, and whose weights at the old revision each one receives.

    A model the new revision lacks (its config, its modules; a variant's class or parameter)
    is skipped. A variant the old revision lacks receives the weights of its ``fallback``
    (default: the model it is a variant of; before a project had versions, its one model is
    what every later version's users start from), or of that one's fallback when the old
    revision lacks it too. A model the old revision lacks with nothing to fall back on is
    skipped as well: there are no old weights to load.
    """

    models: tuple[ModelSpec, ...]
    fallbacks: Mapping[str, str]
    skipped: tuple[tuple[str, str], ...]

    @classmethod
    def of(
        cls,
        profile: Profile,
        old: Mapping[str, Mapping[str, Any]],
        new: Mapping[str, Mapping[str, Any]],
    ) -> Plan:
        models: list[ModelSpec] = []
        fallbacks: dict[str, str] = {}
        skipped: list[tuple[str, str]] = []
        by_name = {spec.name: spec for spec in profile.models}
        for spec in profile.models:
            if new.get(spec.name, {}).get("not_applicable"):
                skipped.append((spec.name, str(new[spec.name].get("error"))))
                continue
            source: str | None = spec.name
            while source is not None and old.get(source, {}).get("not_applicable"):
                fallback = by_name[source]
                source = fallback.fallback or fallback.base
            if source is None:
                skipped.append((spec.name, _at_old(str(old[spec.name].get("error")))))
                continue
            if source != spec.name:
                fallbacks[spec.name] = source
            models.append(spec)
        return cls(tuple(models), fallbacks, tuple(skipped))

    def source(self, name: str) -> str:
        """The model of the old revision whose weights NAME receives."""
        return self.fallbacks.get(name, name)


def _at_old(why: str) -> str:
    """WHY a model is not applicable, said of the old revision."""
    if "at this revision" in why:
        return why.replace("at this revision", "at the old revision")
    return f"{why} (at the old revision)"


def _needs_real_build(
    spec: ModelSpec, source: str, meta: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> bool:
    """Whether the meta maps leave the outcome open: they agree on every shape, and the
    model has inputs to run (a model without them is settled by its maps).

    A model that could not be built on ``meta`` for another reason than a module that is
    not installed is built for real, where its own error (or success) shows.
    """
    if spec.inputs is None:
        return False
    raws = [meta["old"].get(source, {}), meta["new"].get(spec.name, {})]
    if any(raw.get("unavailable") for raw in raws):
        return False
    if any(not raw.get("built") and "unavailable" not in raw for raw in raws):
        return False  # no config, or a bad expression: the same on every device
    if not all(raw.get("built") for raw in raws):
        return True
    old, new = (raw["parameters"] for raw in raws)
    return not diff_state_maps(old, new).mismatches


def run_worker(
    request: Mapping[str, Any],
    root: Path,
    request_file: Path,
    timeout: float,
    *,
    python: str | None = None,
    revision: str = "the revision",
) -> dict[str, Any]:
    """Answer one REQUEST in a worker process of its own, run in ROOT with PYTHON (default:
    the auditor's own).

    The request is written next to REQUEST_FILE (its folder holds the worker's files). A
    model the worker hangs or dies on gets a ``stopped`` result whose error names it and
    REVISION; the other models' results stay.
    """
    label = request_file.stem
    with RevisionWorker(root, request_file.parent, label, timeout, python, revision) as worker:
        return worker.ask(request)

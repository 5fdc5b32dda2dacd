"""Export every model of a runtime profile at one revision, and say how each one fared.

The revision's files are materialised from git objects into a temporary folder (always
removed), as for ``runtime``; one worker process (:mod:`auditor.runtime.worker`) builds each
model on the device and exports it (:mod:`auditor.runtime.export`). A model the revision
lacks (its config, its modules; a variant's class or parameter) is skipped and says why; so
is one the profile gives no inference inputs for (nothing to trace it on), without building.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.errors import AuditError
from auditor.export.results import ExportOutcome, ExportReport, GraphCheck, ModelExport
from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.confirm import DEVICES, run_worker
from auditor.runtime.materialise import materialise
from auditor.runtime.profile import ModelSpec, Profile
from auditor.runtime.request import build_request
from auditor.runtime.revision_worker import revision_name

TEMP_PREFIX = "model-audit-export-"
NO_INPUTS = "the profile gives no inference inputs to trace it on"


def export_check(
    path: str | os.PathLike[str],
    rev: str,
    profile: Profile,
    device: str = "auto",
    *,
    timeout: float | None = None,
    tolerance: float | None = None,
    python: str | None = None,
    stub_imports: bool = False,
) -> ExportReport:
    """Export each model of PROFILE built at REV and compare the graphs with the models.

    Outputs match within TOLERANCE (default: the profile's, per model). The worker runs in
    PYTHON (default: the auditor's own) and, with STUB_IMPORTS, stubs the third-party modules
    the code imports that are not installed. Raises
    :class:`~auditor.errors.RepositoryError` for an unknown revision and
    :class:`~auditor.runtime.confirm.WorkerError` when the worker cannot run at all.
    """
    if device not in DEVICES:
        raise AuditError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    limit = profile.timeout if timeout is None else timeout
    repo = open_repository(path)
    try:
        sha = resolve_revision(repo, rev)
        with (
            tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
            BlobReader(repo) as blobs,
        ):
            tree = files_at(repo, sha)
            done = materialise(blobs, tree, profile.files, Path(temp) / "tree")
            request = build_request(profile, blobs, tree, done.root, stub_imports=stub_imports)
            traced = {spec.name for spec in profile.models if spec.inputs is not None}
            document = request.for_device(device, traced)
            (Path(temp) / "onnx").mkdir()
            for entry in document["models"]:
                onnx_file = Path(temp) / "onnx" / f"{entry['name']}.onnx"
                entry["export"] = {"onnx_file": str(onnx_file)}
            answer = run_worker(
                document,
                done.root,
                Path(temp) / "request.json",
                limit,
                python=python,
                revision=f"revision {revision_name(rev, sha)}",
            )
    finally:
        repo.close()
    models: list[ModelExport] = []
    skipped: list[tuple[str, str]] = []
    entries = {entry["name"]: entry for entry in document["models"]}
    for spec in profile.models:
        raw = answer["models"].get(spec.name, {})
        entry = entries.get(spec.name, {})
        if spec.name not in traced:
            skipped.append((spec.name, NO_INPUTS))
        elif raw.get("not_applicable") or entry.get("not_applicable"):
            skipped.append((spec.name, str(raw.get("error") or entry.get("error"))))
        else:
            limit_of = spec.tolerance if tolerance is None else tolerance
            models.append(model_export(spec, raw, request.configs.get(spec.name), limit_of))
    return ExportReport(
        repository=os.fspath(path),
        profile=profile.name,
        revision=rev,
        sha=sha,
        device=str(answer.get("device", device)),
        models=tuple(models),
        skipped=tuple(skipped),
        warnings=tuple(f"{sha[:7]}: {p}: blob is missing" for p in done.missing),
    )


def model_export(
    spec: ModelSpec, raw: Mapping[str, Any], config: str | None, tolerance: float
) -> ModelExport:
    """The outcome of SPEC from the worker's answer RAW: outputs match within TOLERANCE."""
    common: dict[str, Any] = {
        "name": spec.name,
        "config": config,
        "tolerance": tolerance,
        "stubbed_imports": tuple(sorted(str(m) for m in raw.get("stubbed", ()))),
    }
    if not raw.get("built"):
        kind = ExportOutcome.UNAVAILABLE if raw.get("unavailable") else ExportOutcome.BUILD_FAILED
        if raw.get("stopped"):
            kind = ExportOutcome(raw["stopped"])
        return ModelExport(**common, outcome=kind, error=str(raw.get("error") or "not built"))
    exported = raw.get("export", {})
    common["seconds"] = raw.get("timings", {}).get("export")
    if not exported.get("ok"):
        unrun = ExportOutcome.INFERENCE_FAILED
        if exported.get("unavailable"):
            unrun = ExportOutcome.UNAVAILABLE
        return ModelExport(**common, outcome=unrun, error=exported.get("error"))
    graphs = (torchscript_check(exported["torchscript"]), onnx_check(exported["onnx"]))
    common.update(
        method=exported.get("method"),
        output_shapes=tuple(tuple(s) for s in exported.get("output_shapes", ())),
        graphs=graphs,
    )
    failed = [g for g in graphs if g.error is not None]
    if failed:
        return ModelExport(**common, outcome=ExportOutcome.EXPORT_FAILS, error=failed[0].error)
    differing = [g for g in graphs if g.draws and g.compared and not _within(g, tolerance)]
    if differing:
        return ModelExport(
            **common,
            outcome=ExportOutcome.EXPORTED_OUTPUT_DIFFERS,
            error=differing[0].note or _differs(differing[0], tolerance),
        )
    return ModelExport(**common, outcome=ExportOutcome.EXPORTS)


def _within(graph: GraphCheck, tolerance: float) -> bool:
    return graph.max_rel_error is not None and graph.max_rel_error <= tolerance


def _differs(graph: GraphCheck, tolerance: float) -> str:
    name = "ONNX" if graph.kind == "onnx" else f"{graph.how}d"
    return (
        f"the {name} graph's outputs differ from the model's: relative error "
        f"{graph.max_rel_error:g} > {tolerance:g}"
    )


def torchscript_check(raw: Mapping[str, Any]) -> GraphCheck:
    """The TorchScript graph's check from the worker's RAW answer: its worst draw."""
    comparisons = list(raw.get("comparisons", ()))
    worst, note = _worst(comparisons)
    return GraphCheck(
        kind="torchscript",
        how=raw.get("how"),
        error=raw.get("error"),
        max_rel_error=worst,
        draws=len(comparisons),
        note=note,
        warnings=tuple(str(w) for w in raw.get("warnings", ())),
    )


def onnx_check(raw: Mapping[str, Any]) -> GraphCheck:
    """The ONNX export's check: not installed, exported (not run), failed, or run."""
    comparisons = list(raw.get("comparisons", ()))
    worst, note = _worst(comparisons)
    random = [str(op) for op in raw.get("random_ops", ())]
    if random:
        note = (
            f"the ONNX graph samples noise with the runtime's own generator "
            f"({', '.join(random)}): its outputs are shown, not compared"
        )
    return GraphCheck(
        kind="onnx",
        how=str(raw.get("status")),
        error=raw.get("error"),
        max_rel_error=worst,
        draws=len(comparisons),
        note=note or raw.get("note"),
        compared=not random,
    )


def _worst(comparisons: list[Mapping[str, Any]]) -> tuple[float | None, str | None]:
    """The largest relative error of COMPARISONS, or None and why one could not be had."""
    worst = 0.0
    for found in comparisons:
        if found["old_shapes"] != found["new_shapes"]:
            return None, (
                f"the graph returns shapes {found['new_shapes']}, the model {found['old_shapes']}"
            )
        if found["max_rel_error"] is None:
            return None, str(found.get("note") or "the outputs could not be compared")
        worst = max(worst, float(found["max_rel_error"]))
    return (worst, None) if comparisons else (None, None)

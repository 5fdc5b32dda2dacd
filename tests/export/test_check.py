"""Exporting a revision's models: each outcome produced by a real worker, and the mapping of
a worker's answer to outcomes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.export.check import NO_INPUTS, export_check, model_export
from auditor.export.results import ExportOutcome, ExportVerdict
from auditor.runtime.profile import ModelSpec, parse_profile
from tests.export_models import branching_nets, profile
from tests.gitrepo import GitRepo

SPEC = ModelSpec(name="plain", modules=("nets",), class_name="Plain", config=("conf.json",))
COMPARED = {"old_shapes": [[1, 4]], "new_shapes": [[1, 4]], "max_rel_error": 0.0, "note": None}


def answer(**export: object) -> dict[str, object]:
    graphs = {
        "torchscript": {"how": "trace", "error": None, "warnings": [], "comparisons": [COMPARED]},
        "onnx": {"status": "not-installed", "error": None, "note": "onnx not installed"},
    }
    return {"built": True, "export": {"ok": True, "method": "forward", **graphs, **export}}


def test_a_worker_that_stopped_or_a_module_not_installed_decide_nothing() -> None:
    stopped = model_export(
        SPEC, {"built": False, "error": "ran past", "stopped": "timeout"}, None, 0
    )
    assert stopped.outcome is ExportOutcome.TIMEOUT and stopped.error == "ran past"
    missing = {"built": False, "error": "unavailable: module faiss", "unavailable": True}
    assert model_export(SPEC, missing, None, 0).outcome is ExportOutcome.UNAVAILABLE
    failed = model_export(SPEC, {"built": False, "error": "TypeError: x"}, None, 0)
    assert failed.outcome is ExportOutcome.BUILD_FAILED


def test_an_onnx_export_that_raises_fails_and_one_not_installed_does_not() -> None:
    assert model_export(SPEC, answer(), "conf.json", 1e-4).outcome is ExportOutcome.EXPORTS
    onnx = {"status": "failed", "error": "RuntimeError: unsupported op", "note": None}
    failed = model_export(SPEC, answer(onnx=onnx), "conf.json", 1e-4)
    assert failed.outcome is ExportOutcome.EXPORT_FAILS
    assert failed.error == "RuntimeError: unsupported op"


def test_an_onnx_graph_that_samples_noise_is_shown_not_judged() -> None:
    compared = {**COMPARED, "max_rel_error": 0.03}
    ran = {"status": "ran", "error": None, "note": None, "comparisons": [compared]}
    differs = model_export(SPEC, answer(onnx=ran), None, 1e-4)
    assert differs.outcome is ExportOutcome.EXPORTED_OUTPUT_DIFFERS
    assert differs.error == (
        "the ONNX graph's outputs differ from the model's: relative error 0.03 > 0.0001"
    )
    noisy = model_export(SPEC, answer(onnx={**ran, "random_ops": ["RandomNormalLike"]}), None, 1e-4)
    assert noisy.outcome is ExportOutcome.EXPORTS
    onnx = noisy.graphs[1]
    assert not onnx.compared and onnx.max_rel_error == 0.03
    assert onnx.note is not None and "(RandomNormalLike)" in onnx.note


def test_shapes_that_differ_are_a_differing_output() -> None:
    other = {**COMPARED, "new_shapes": [[1, 5]], "max_rel_error": None}
    script = {"how": "trace", "error": None, "warnings": [], "comparisons": [other]}
    found = model_export(SPEC, answer(torchscript=script), None, 1e-4)
    assert found.outcome is ExportOutcome.EXPORTED_OUTPUT_DIFFERS
    assert found.error == "the graph returns shapes [[1, 5]], the model [[1, 4]]"


@pytest.mark.torch
def test_each_outcome_from_a_real_worker(make_repo: Callable[..., GitRepo]) -> None:
    pytest.importorskip("torch")
    repo = make_repo()
    models = ("plain:Plain", "branchy:Branchy", "opaque:Opaque", "missing:Missing")
    own = profile(*models) + "  - name: weights_only\n    module: nets\n    class: Plain\n"
    own += "    config: conf.json\n    kwargs: {width: hps.width}\n"
    repo.commit("nets", {"nets.py": branching_nets(), "conf.json": '{"width": 4}'})
    found = export_check(repo.path, "HEAD", parse_profile(own, "test"), "cpu", timeout=120)
    outcomes = {m.name: m.outcome for m in found.models}
    assert outcomes == {
        "plain": ExportOutcome.EXPORTS,
        "branchy": ExportOutcome.EXPORTED_OUTPUT_DIFFERS,
        "opaque": ExportOutcome.EXPORT_FAILS,
        "missing": ExportOutcome.BUILD_FAILED,
    }
    assert found.skipped == (("weights_only", NO_INPUTS),)
    assert found.verdict is ExportVerdict.BREAKS and found.device == "cpu"
    by_name = {m.name: m for m in found.models}
    branchy = by_name["branchy"]
    assert branchy.error is not None and branchy.error.endswith(" > 0.0001")
    assert branchy.error.startswith("the traced graph's outputs differ from the model's")
    assert branchy.graphs[0].max_rel_error is not None and branchy.graphs[0].max_rel_error > 0.1
    assert by_name["opaque"].error is not None
    assert by_name["opaque"].error.startswith("trace: RuntimeError: Only tensors")
    assert by_name["missing"].error == "AttributeError: module 'nets' has no attribute 'Missing'"
    plain = by_name["plain"]
    assert plain.method == "forward" and plain.output_shapes == ((1, 4),)
    assert [g.kind for g in plain.graphs] == ["torchscript", "onnx"]
    assert plain.graphs[0].draws == 2 and plain.graphs[0].max_rel_error == 0.0

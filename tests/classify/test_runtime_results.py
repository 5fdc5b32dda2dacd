"""Runtime confirmation merged into a static report: confirmed, refuted, not-checked, new."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.classify.runtime_results import merge_runtime
from auditor.domain import Category, ChangeKind, Confidence, Finding, Report, Severity
from auditor.render.json_report import report_to_dict
from auditor.runtime.profile import load_profile
from auditor.runtime.results import (
    ModelResult,
    Outcome,
    OutputComparison,
    Rename,
    RuntimeReport,
    ShapeMismatch,
)
from tests.conftest import validate

PROFILE = load_profile("gpt-sovits")
OLD, NEW = "a" * 40, "b" * 40
S2 = "GPT_SoVITS/configs/s2.json"


def finding(key: str, old: object, new: object, category: Category, **extra: object) -> Finding:
    base = Finding(
        id="0123456789abcdef",
        rule="MA101",
        change=ChangeKind.MODIFIED,
        commit=NEW,
        parent=OLD,
        file=S2,
        line=24,
        severity=Severity.CRITICAL,
        confidence=Confidence.MEDIUM,
        category=category,
        parameter=key.rpartition(".")[2],
        key=key,
        old=old,  # type: ignore[arg-type]
        new=new,  # type: ignore[arg-type]
        message="m",
        hint="h",
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def runtime(*models: ModelResult) -> RuntimeReport:
    return RuntimeReport("r", "gpt-sovits", "v1", "v2", OLD, NEW, "cpu", models)


def sovits(outcome: Outcome, **extra: object) -> ModelResult:
    return ModelResult(
        "sovits",
        outcome,
        old_config=S2,
        new_config=S2,
        old_tensors=3,
        new_tensors=3,
        **extra,  # type: ignore[arg-type]
    )


GIN = finding("model.gin_channels", 512, 1024, Category.TENSOR_SHAPE)
RATE = finding("data.sampling_rate", 32000, 48000, Category.INPUT_FEATURES)


def merged(report_findings: tuple[Finding, ...], *models: ModelResult) -> tuple[Finding, ...]:
    merge = merge_runtime(report_findings, runtime(*models), PROFILE)
    return merge.judged + merge.added


def test_a_tensor_that_moves_from_old_to_new_confirms() -> None:
    mismatch = ShapeMismatch("emb_g.weight", (300, 512), (300, 1024))
    gin, rate = merged((GIN, RATE), sovits(Outcome.FAILS_TO_LOAD, mismatches=(mismatch,)))
    assert (gin.runtime, gin.confidence) == ("confirmed", Confidence.HIGH)
    assert gin.runtime_evidence == "sovits: emb_g.weight [300, 512] -> [300, 1024]"
    assert (rate.runtime, rate.confidence) == (None, Confidence.MEDIUM)  # nothing to map


def test_agreeing_maps_refute() -> None:
    (gin,) = merged((GIN,), sovits(Outcome.LOADS))
    assert (gin.runtime, gin.confidence) == ("refuted", Confidence.LOW)
    assert "every state-dict key and shape is the same" in str(gin.runtime_evidence)


def test_a_model_that_cannot_be_built_leaves_it_unchecked() -> None:
    error = "runtime check unavailable: module numpy not installed"
    (gin,) = merged((GIN,), sovits(Outcome.UNAVAILABLE, error=error))
    assert (gin.runtime, gin.confidence) == ("not-checked", Confidence.MEDIUM)
    assert gin.runtime_evidence == "sovits: unavailable"


@pytest.mark.parametrize("stopped", [Outcome.TIMEOUT, Outcome.CRASHED])
def test_a_model_whose_worker_hung_or_died_leaves_it_unchecked(stopped: Outcome) -> None:
    error = f"the runtime worker for sovits at old revision v1 (aaaaaaa) {stopped.value}"
    (gin,) = merged((GIN,), sovits(stopped, error=error, side="old"))
    # not refuted: no state-dict map was made, however clean the (empty) result looks
    assert (gin.runtime, gin.confidence) == ("not-checked", Confidence.MEDIUM)
    assert gin.runtime_evidence == f"sovits: {stopped.value}"


def test_a_rename_confirms_the_static_rename_and_is_not_repeated() -> None:
    rename = finding(
        "SynthesizerTrn.__init__.self.ref_encoder",
        "ref_enc",
        "ref_encoder",
        Category.STATE_DICT_KEYS,
        file="GPT_SoVITS/module/models.py",
        rule="MA504",
    )
    result = sovits(
        Outcome.LOADS_WITH_MISSING_KEYS,
        missing_keys=("ref_encoder.fc.weight",),
        unexpected_keys=("ref_enc.fc.weight",),
        renames=(Rename("ref_enc", "ref_encoder", 1),),
    )
    (judged,) = merged((rename,), result)
    assert judged.runtime == "confirmed"
    assert judged.runtime_evidence == "sovits: likely rename ref_enc -> ref_encoder (1 tensors)"
    # without the static finding, the runtime reports the rename itself
    (found,) = merged((), result)
    assert (found.rule, found.category, found.severity) == (
        "MA602",
        Category.RUNTIME,
        Severity.MEDIUM,
    )
    assert (found.old, found.new, found.commit, found.parent) == (
        "ref_enc",
        "ref_encoder",
        NEW,
        OLD,
    )


def test_a_silent_break_is_a_runtime_finding_once_per_model() -> None:
    compared = OutputComparison(((1, 1, 9600),), ((1, 1, 9600),), 0.98, 6.28, 1e-4)
    differs = sovits(Outcome.LOADS_OUTPUT_DIFFERS, comparison=compared)
    variant = replace(differs, name="sovits@v2")
    (found,) = merged((), differs, variant)
    assert (found.rule, found.severity, found.runtime) == ("MA601", Severity.HIGH, "confirmed")
    assert found.key == "sovits.output" and found.file == S2
    assert "relative error 6.28, tolerance 0.0001" in found.message
    document = report_to_dict(Report("r", "v1..v2", 2, findings=(found,)))
    validate(document, "report")
    assert document["findings"][0]["category"] == "runtime"

"""``export-check`` output: the table and the JSON, which follows its schema."""

from __future__ import annotations

import json

from auditor.domain import Change, ChangeKind, Commit, FactKind
from auditor.export.report_text import render_json, render_table
from auditor.export.results import (
    CopyDrift,
    ExportBisect,
    ExportCheck,
    ExportOutcome,
    ExportReport,
    GraphCheck,
    ModelExport,
    RangeTrial,
    RangeVerdict,
)
from tests.conftest import validate

SHA = "c" * 40
TRACED = GraphCheck("torchscript", "trace", max_rel_error=1.3, draws=2, warnings=("Converting.",))
ONNX = GraphCheck("onnx", "not-installed", note="onnx not installed")
DIFFERS = ModelExport(
    "sovits",
    ExportOutcome.EXPORTED_OUTPUT_DIFFERS,
    error="the traced graph's outputs differ from the model's: relative error 1.3 > 0.0001",
    config="GPT_SoVITS/configs/s2.json",
    method="decode",
    output_shapes=((1, 1, 6400),),
    tolerance=1e-4,
    graphs=(TRACED, ONNX),
    seconds=0.5,
)
FAILS = ModelExport(
    "gpt",
    ExportOutcome.EXPORT_FAILS,
    error="trace: RuntimeError: x",
    graphs=(GraphCheck("torchscript", None, error="trace: RuntimeError: x"), ONNX),
)
DRIFT = CopyDrift(
    "module/models_onnx.py",
    "module/models.py",
    "TextEncoder",
    (
        Change(
            ChangeKind.MODIFIED,
            FactKind.CONSTRUCTOR_ARG,
            "module/models_onnx.py",
            "TextEncoder.__init__.self.emb.num_embeddings",
            "num_embeddings",
            322,
            732,
            line=12,
        ),
    ),
)
REPORT = ExportReport(
    "repo",
    "gpt-sovits",
    "v2",
    SHA,
    "cpu",
    (DIFFERS, FAILS),
    drift=(DRIFT, CopyDrift("module/models_onnx.py", "module/models.py", "Generator", ())),
    skipped=(("sovits@v3", "module.models has no SynthesizerTrnV3 at this revision"),),
)
COMMIT = Commit(SHA, "d" * 40, "2024-08-21T00:00:00+00:00", "Ada", "normalise loud inputs")
BISECT = ExportBisect(
    "v1..v2",
    "e" * 40,
    SHA,
    RangeVerdict.FOUND,
    3,
    (RangeTrial(COMMIT, "candidate", "breaks", True),),
    REPORT,
    models=("sovits",),
    searched="all-commits",
    candidates=1,
    first_breaking=COMMIT,
    parent_exports=True,
)


def test_json_follows_its_schema_with_and_without_a_range() -> None:
    plain = json.loads(render_json(ExportCheck(REPORT)))
    validate(plain, "export-check")
    assert plain["verdict"] == "breaks" and plain["range"] is None
    assert [m["outcome"] for m in plain["models"]] == ["exported-output-differs", "export-fails"]
    assert plain["models"][0]["graphs"][0] == {
        "kind": "torchscript",
        "how": "trace",
        "error": None,
        "max_rel_error": 1.3,
        "draws": 2,
        "note": None,
        "warnings": ["Converting."],
        "compared": True,
    }
    drift = plain["copy_drift"][0]
    assert drift["drifted"] and drift["changes"][0]["original"] == 322
    assert drift["changes"][0]["copy"] == 732
    assert plain["copy_drift"][1] == {
        "copy": "module/models_onnx.py",
        "original": "module/models.py",
        "class": "Generator",
        "drifted": False,
        "changes": [],
    }
    ranged = json.loads(render_json(ExportCheck(REPORT, BISECT)))
    validate(ranged, "export-check")
    assert ranged["range"]["first_breaking"]["subject"] == "normalise loud inputs"
    assert ranged["range"]["trials"] == [
        {"sha": SHA, "role": "candidate", "verdict": "breaks", "breaks": True}
    ]


def test_the_table_says_each_graph_the_skipped_models_and_the_drift() -> None:
    text = render_table(ExportCheck(REPORT, BISECT))
    assert text.startswith("range v1..v2: found (3 commits)\n")
    assert "first commit at which export breaks: ccccccc normalise loud inputs" in text
    assert "torchscript (trace): max relative error 1.3 over 2 draws (tolerance 0.0001)" in text
    assert "onnx (not-installed): onnx not installed" in text
    assert "trace: RuntimeError: x" in text
    assert "module.models has no SynthesizerTrnV3" in text
    assert (
        "module/models_onnx.py:TextEncoder copies module/models.py:TextEncoder: 1 fact differs"
    ) in text
    assert "  TextEncoder.__init__.self.emb.num_embeddings: 322 → 732" in text
    assert (
        "module/models_onnx.py:Generator copies module/models.py:Generator: an exact copy" in text
    )

"""stamp's output: a summary for people; JSON is the manifest as written."""

from __future__ import annotations

import json

from auditor.provenance.stamp import Stamped
from auditor.provenance.stamp_text import render_json, render_table
from tests.conftest import validate
from tests.provenance.test_manifest import MANIFEST

STAMPED = Stamped(
    MANIFEST, "s2G488k.pth.model-audit.json", None, ("the work tree has uncommitted changes",)
)


def test_the_summary() -> None:
    assert render_table(STAMPED) == (
        "stamped     s2G488k.pth -> s2G488k.pth.model-audit.json\n"
        f"commit      {'c' * 7} (20250606v2pro) Add the v2Pro models; dirty work tree\n"
        "repository  https://github.com/RVC-Boss/GPT-SoVITS.git\n"
        "model       sovits@v2Pro (SynthesizerTrn from GPT_SoVITS/configs/s2v2Pro.json); "
        "file layout: GPT-SoVITS SoVITS v2Pro\n"
        "config      the one stored in the checkpoint\n"
        "front end   sampling_rate 32000\n"
        "python      3.10.12 (linux); torch 2.1.0, torchaudio not installed, transformers "
        "not installed; 1 requirements listed\n"
        f"sha256      {'a' * 64} (file)\n"
        f"keys        sha256:{'b' * 64} (2 tensors)\n"
        "warning: the work tree has uncommitted changes\n"
    )


def test_json_is_the_manifest() -> None:
    document = json.loads(render_json(STAMPED))
    validate(document, "manifest")
    assert document["repository"]["tags"] == ["20250606v2pro"]

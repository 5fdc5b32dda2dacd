"""``model-audit scan --range A..B --confirm``: static findings judged by the runtime."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import validate


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    saved = sys.argv
    sys.argv = ["model-audit", *args]
    try:
        main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.torch
def test_v1_to_v2_findings_are_confirmed_by_the_state_dict_maps(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    args = ["scan", repo, "--range", "v1.0..v2.0", "--confirm", "--no-cache", "--format", "json"]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    document = json.loads(out)
    validate(document, "report")
    judged = {(f["file"], f["key"]): f for f in document["findings"] if "runtime" in f}
    gin = judged["GPT_SoVITS/configs/s2.json", "model.gin_channels"]
    assert (gin["runtime"], gin["confidence"]) == ("confirmed", "high")
    assert gin["runtime_evidence"].startswith(
        "sovits: enc_p.mrte.ge_proj.weight [192, 512, 1] -> [256, 1024, 1]; "
    )
    layers = judged["GPT_SoVITS/configs/s2.json", "model.n_layers"]
    assert (
        layers["runtime"] == "confirmed"
        and "keys missing or unexpected" in (layers["runtime_evidence"])
    )
    sv_emb = judged["GPT_SoVITS/module/models.py", "SynthesizerTrn.__init__.self.sv_emb"]
    assert "2 keys under sv_emb missing or unexpected" in sv_emb["runtime_evidence"]
    phonemes = judged["GPT_SoVITS/configs/s1longer.yaml", "model.phoneme_vocab_size"]
    assert phonemes["runtime_evidence"] == "gpt: ar_text_embedding.weight [512, 512] -> [732, 512]"
    # findings no state-dict map can judge keep no runtime verdict
    unjudged = [f for f in document["findings"] if f["category"] == "input-features"]
    assert unjudged and all("runtime" not in f for f in unjudged)


def test_confirm_needs_two_ends(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = str(sample_repo("mini_sovits"))
    code, _, err = run(capsys, "scan", repo, "--range", "v1.0", "--confirm", "--no-cache")
    assert code == 2 and "--confirm needs a range with two ends: --range A..B" in err

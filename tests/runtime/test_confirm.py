"""``model-audit scan --range A..B --confirm``: static findings judged by the runtime."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.runtime.test_inferred import voicenet_repo
from tests.test_cli import run
from tests.tiny_models import tiny_profile, tiny_repo


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


def logging_python(folder: Path, body: str = "") -> tuple[Path, Path]:
    """A Python that logs each command line it runs (then runs this Python): (it, its log)."""
    python, log = folder / "project-python", folder / "ran.log"
    python.write_text(
        f'#!/bin/sh\n{body}\necho "$@" >> {log}\nexec {sys.executable} "$@"\n', encoding="utf-8"
    )
    python.chmod(0o755)
    return python, log


@pytest.mark.torch
def test_confirm_runs_the_workers_in_the_python_given(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    python, log = logging_python(tmp_path)
    repo = str(sample_repo("mini_sovits"))
    args = ["scan", repo, "--range", "v1.0..v2.0", "--confirm", "--python", str(python)]
    code, out, err = run(capsys, *args, "--no-cache", "--format", "json")
    assert code == 0, err
    judged = [f for f in json.loads(out)["findings"] if f.get("runtime") == "confirmed"]
    assert judged
    assert log.read_text("utf-8").splitlines().count("-m auditor.runtime.worker") == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "Invalid value for '--python' (env var: 'MODEL_AUDIT_PYTHON'): {python} does"),
        (f'exec {sys.executable} -S "$@"', "error: torch is not installed for {python}"),
    ],
)
def test_confirm_with_a_python_it_cannot_use_exits_2(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    body: str | None,
    message: str,
) -> None:
    python = tmp_path / "missing" if body is None else logging_python(tmp_path, body)[0]
    repo = str(sample_repo("mini_sovits"))
    args = ["scan", repo, "--range", "v1.0..v2.0", "--confirm", "--python", str(python)]
    code, out, err = run(capsys, *args, "--no-cache")
    assert code == 2 and out == ""
    assert message.format(python=python) in " ".join(err.split())


@pytest.mark.torch
def test_the_silent_break_is_a_runtime_finding(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """One end-to-end run; how project settings treat runtime findings is unit-tested in
    tests/classify (Classifier.adjust, suppressions)."""
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    args = ["scan", repo, "--range", "v3.1..v3.2", "--confirm", "--no-cache", "--format", "json"]
    code, out, err = run(capsys, *args, "--device", "cpu")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "report")
    (found,) = [f for f in document["findings"] if f["rule"] == "MA601"]
    assert (found["severity"], found["category"]) == ("high", "runtime")
    assert found["key"] == "sovits.output"
    assert any(c["sha"] == found["commit"] for c in document["commits"])


@pytest.mark.torch
def test_a_model_that_could_not_be_checked_is_said_not_refuted(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)
    old = repo.git("rev-parse", "HEAD~1")
    profile = tmp_path / "tiny.yaml"
    profile.write_text(tiny_profile("dies:Dies", "needs:Unavailable", "net:Net"), "utf-8")
    args = ["scan", str(repo.path), "--range", "HEAD~1..HEAD", "--confirm", "--no-cache"]
    code, out, err = run(capsys, *args, "--profile", str(profile), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "report")
    warnings = [w["message"] for w in document["warnings"]]
    assert (
        "runtime: could not check dies (crashed): the runtime worker for dies at old revision "
        f"{old[:7]} was killed by SIGKILL"
    ) in warnings
    assert any(w.startswith("runtime: could not check needs (unavailable): ") for w in warnings)
    assert not any(w.startswith("runtime: could not check net ") for w in warnings)


@pytest.mark.torch
def test_a_scan_confirms_with_the_profile_the_code_says(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = voicenet_repo(make_repo)
    args = ["scan", str(repo.path), "--range", "v1..v2", "--confirm", "--no-cache"]
    code, out, err = run(capsys, *args, "--format", "json")
    document = json.loads(out)
    validate(document, "report")
    warnings = [w["message"] for w in document["warnings"]]
    assert (
        f"runtime: profile inferred from scripts/train.py:24 at {repo.sha('v2')[:12]}" in warnings
    )
    hidden = [f for f in document["findings"] if f["key"] == "model.hidden_channels"]
    assert hidden and hidden[0]["runtime"] == "confirmed", (code, err)
    assert "VoiceNet: emb.weight [7, 16] -> [7, 24]" in hidden[0]["runtime_evidence"]

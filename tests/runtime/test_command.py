"""``model-audit runtime``: JSON and table output, exit codes 0, 1, 2 and 3."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from auditor.runtime.profile import parse_profile
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.runtime.test_inferred import voicenet_repo
from tests.test_cli import run
from tests.tiny_models import tiny_profile, tiny_repo

SHIPPED = Path(__file__).resolve().parents[2] / "auditor/runtime/profiles/gpt-sovits.yaml"


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.mark.torch
def test_v1_to_v2_json(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str], temp_root: Path
) -> None:
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo, "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    validate(document, "runtime")
    assert document["profile"] == "gpt-sovits"  # found by the repository's layout
    models = {m["name"]: m for m in document["models"]}
    assert list(models) == ["sovits", "sovits@v1", "sovits@v2", "gpt"]
    assert {m["outcome"] for m in models.values()} == {"fails-to-load"}
    keys = {m["key"] for m in models["sovits"]["shape_mismatches"]}
    assert "enc_p.text_embedding.weight" in keys
    gpt = {m["key"]: m for m in models["gpt"]["shape_mismatches"]}
    assert gpt["ar_text_embedding.weight"] == {
        "key": "ar_text_embedding.weight",
        "old": [512, 512],
        "new": [732, 512],
    }
    assert [s["model"] for s in document["skipped"]] == [
        "sovits@v2Pro",
        "sovits@v2ProPlus",
        "sovits@v3",
        "sovits@v4",
        "gpt@v2",
    ]
    # JSON on stdout is for programs: people read the skipped models on stderr
    assert err.count("skipped sovits@v3: module.models has no SynthesizerTrnV3") == 1
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_the_table_lists_each_skipped_model_once(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str], temp_root: Path
) -> None:
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo)
    assert code == 1, err
    both = out + err  # a CI log holds both
    rows = [" ".join(line.split()) for line in both.splitlines() if "sovits@v3" in line]
    assert rows == [
        "│ sovits@v3 │ skipped │ module.models has no SynthesizerTrnV3 at this revision │"
    ]


@pytest.mark.torch
def test_training_only_change_loads(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    del data["models"][0]["variants"]  # every version is built for real: seconds each
    profile = tmp_path / "no-variants.yaml"
    profile.write_text(yaml.safe_dump(data), encoding="utf-8")
    repo = sample_repo("mini_sovits")
    log = subprocess.run(
        ["git", "log", "--format=%H %s", "v1.0"], cwd=repo, capture_output=True, text=True
    ).stdout.splitlines()
    sha = {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in log}
    old = sha["Initial commit"]
    new = sha["Lower learning rate and batch size for small GPUs"]
    code, out, err = run(
        capsys, "runtime", old, new, str(repo), "--device", "cpu", "--profile", str(profile)
    )
    assert code == 0, out + err
    assert "loads" in out and "forward() -> [1, 1, 6400]" in out
    assert "outputs match the old revision's: max abs error 0, relative 0" in out
    assert "Traceback" not in err


def test_bad_expression_exits_2_naming_the_key(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('"hps.data.n_speakers"', '"hps.data.n_speakers ** 2"'), "utf-8")
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo, "--profile", str(bad))
    assert code == 2
    assert "models[0].kwargs.n_speakers" in err and out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["v1.0", "nope"], "unknown revision 'nope'"),
        (["v1.0", "v2.0", "--profile", "nope"], "no profile named 'nope'"),
        (["v1.0", "v2.0", "--device", "tpu"], "Invalid value for '--device'"),
    ],
)
def test_usage_errors_exit_2(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    repo = str(sample_repo("mini_sovits"))
    rev_args, options = args[:2], args[2:]
    code, _, err = run(capsys, "runtime", *rev_args, repo, *options)
    assert code == 2
    assert message in err


def wrapper(folder: Path, body: str = "") -> tuple[Path, Path]:
    """A Python that logs each command line it runs (then runs this Python): (it, its log)."""
    python, log = folder / "project-python", folder / "ran.log"
    python.write_text(
        f'#!/bin/sh\n{body}\necho "$@" >> {log}\nexec {sys.executable} "$@"\n', encoding="utf-8"
    )
    python.chmod(0o755)
    return python, log


@pytest.mark.torch
def test_the_workers_run_in_the_python_given(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    temp_root: Path,
) -> None:
    pytest.importorskip("torch")
    python, log = wrapper(tmp_path)
    repo = str(sample_repo("mini_sovits"))
    args = ["runtime", "v1.0", "v2.0", repo, "--python", str(python), "--format", "json"]
    code, out, err = run(capsys, *args)
    assert code == 1, err
    outcomes = {m["name"]: m["outcome"] for m in json.loads(out)["models"]}
    assert outcomes["sovits"] == "fails-to-load"
    ran = log.read_text("utf-8").splitlines()
    # probed once, then one worker per revision
    assert ran.count("-m auditor.runtime.worker") == 2
    assert [line for line in ran if line != "-m auditor.runtime.worker"] == [
        line for line in ran if line.startswith("-c import importlib.util")
    ]


def test_the_python_comes_from_the_environment(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "venv" / "bin" / "python"
    monkeypatch.setenv("MODEL_AUDIT_PYTHON", str(missing))
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo)
    assert code == 2 and out == ""
    assert "Invalid value for '--python'" in err
    assert f"{missing} does not exist (from MODEL_AUDIT_PYTHON)" in err.replace("\n", " ")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: folder / "nope", "{python} does not exist"),
        (lambda folder: folder, "{python} is not a file"),
        (lambda folder: folder / "plain.txt", "{python} is not executable"),
        (lambda folder: "no-such-python-anywhere", "no-such-python-anywhere: no such command"),
    ],
)
def test_a_bad_python_exits_2_naming_it(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    make: Callable[[Path], Path | str],
    message: str,
) -> None:
    (tmp_path / "plain.txt").write_text("", encoding="utf-8")
    python = str(make(tmp_path))
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo, "--python", python)
    assert code == 2 and out == ""
    assert "Invalid value for '--python'" in err
    assert message.format(python=python) in " ".join(err.split())


def test_a_python_without_torch_exits_2_naming_it(
    sample_repo: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    temp_root: Path,
) -> None:
    python, _ = wrapper(tmp_path, body=f'exec {sys.executable} -S "$@"')
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "runtime", "v1.0", "v2.0", repo, "--python", str(python))
    assert code == 2 and out == ""
    assert f"error: torch is not installed for {python}: install it" in " ".join(err.split())
    assert "Traceback" not in err
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
@pytest.mark.parametrize(
    ("models", "code", "verdict"),
    [
        # nothing decided: a module not installed, a worker killed; exit 3, as check-ckpt
        (("needs:Unavailable", "dies:Dies"), 3, "not-checked"),
        # a break is a break, whatever else could not be checked
        (("needs:Unavailable", "net:Net"), 1, "breaks"),
    ],
)
def test_a_model_that_could_not_be_checked_is_no_break(
    make_repo: Callable[..., GitRepo],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    temp_root: Path,
    models: tuple[str, ...],
    code: int,
    verdict: str,
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)
    profile = tmp_path / "tiny.yaml"
    profile.write_text(tiny_profile(*models), encoding="utf-8")
    args = ("HEAD~1", "HEAD", str(repo.path), "--profile", str(profile), "--format", "json")
    # strict: a module that is not installed is not stubbed
    exit_code, out, err = run(capsys, "runtime", *args, "--no-stub-imports")
    assert exit_code == code, err
    document = json.loads(out)
    validate(document, "runtime")
    assert document["verdict"] == verdict
    outcomes = {m["name"]: m["outcome"] for m in document["models"]}
    assert outcomes["needs"] == "unavailable"
    assert "could not check needs: unavailable: runtime check unavailable" in err
    if "dies" in outcomes:
        assert outcomes["dies"] == "crashed"
        assert "could not check dies: crashed: the runtime worker for dies at old revision" in err
    assert "Traceback" not in err
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_a_module_not_installed_is_stubbed_by_default(
    make_repo: Callable[..., GitRepo],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    temp_root: Path,
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)
    profile = tmp_path / "tiny.yaml"
    profile.write_text(tiny_profile("needs:Unavailable"), encoding="utf-8")
    args = ("HEAD~1", "HEAD", str(repo.path), "--profile", str(profile), "--format", "json")
    exit_code, out, err = run(capsys, "runtime", *args)
    assert exit_code == 1, err  # built with the stub: the width grew, it fails to load
    document = json.loads(out)
    validate(document, "runtime")
    (needs,) = document["models"]
    assert (needs["outcome"], needs["stubbed_imports"]) == (
        "fails-to-load",
        ["sovits_cuda_kernels"],
    )
    timings = needs["timings"]
    assert timings["device"] == "meta" and timings["load"] is None  # settled by the maps
    assert timings["old_build"] >= 0 and timings["new_build"] >= 0
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_a_layout_no_profile_fits_is_checked_with_the_profile_its_code_says(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str], temp_root: Path
) -> None:
    pytest.importorskip("torch")
    repo = voicenet_repo(make_repo)
    code, out, err = run(capsys, "runtime", "v1", "v2", str(repo.path), "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    validate(document, "runtime")
    assert document["profile"] == "inferred"
    assert "profile inferred from scripts/train.py:24 at v2" in err
    models = {m["name"]: m for m in document["models"]}
    assert {name: m["outcome"] for name, m in models.items()} == {
        "VoiceNet": "fails-to-load",  # hidden_channels 16 -> 24 in configs/base.json
        "VoiceNet@large": "loads",  # configs/large.json did not change
    }
    mismatches = {m["key"]: (m["old"], m["new"]) for m in models["VoiceNet"]["shape_mismatches"]}
    assert mismatches["emb.weight"] == ([7, 16], [7, 24])
    assert mismatches["pre.weight"] == ([16, 8], [24, 8])
    assert list(temp_root.iterdir()) == []


def test_show_profile_prints_yaml_to_commit(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = voicenet_repo(make_repo)
    code, shown, err = run(capsys, "runtime", "--show-profile", "v2", str(repo.path))
    assert code == 0, err
    profile = parse_profile(shown, "shown")
    assert [m.name for m in profile.models] == ["VoiceNet", "VoiceNet@large"]
    assert shown.startswith("# Inferred by model-audit from the code at v2.")
    # committed and edited, it is the repository's own profile from then on
    edited = shown.replace("name: inferred", "name: voicenet")
    repo.commit("Own profile", {".model-audit-profile.yaml": edited})
    code, again, _ = run(capsys, "runtime", "--show-profile", "HEAD", str(repo.path))
    assert (code, again) == (0, edited)
    # OLD NEW PATH: the profile at NEW; --infer-profile passes over the committed one
    code, forced, _ = run(
        capsys, "runtime", "v1", "HEAD", str(repo.path), "--show-profile", "--infer-profile"
    )
    assert code == 0 and forced.replace("code at HEAD", "code at v2") == shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["v1"], "missing argument NEW"),  # PATH is the current folder
        (["v1", "v2", "REPO", "--profile", "vits", "--infer-profile"], "exclude each other"),
    ],
)
def test_one_revision_is_for_show_profile_only(
    make_repo: Callable[..., GitRepo],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    repo = voicenet_repo(make_repo)
    code, _, err = run(capsys, "runtime", *(str(repo.path) if a == "REPO" else a for a in args))
    assert code == 2
    assert message in err

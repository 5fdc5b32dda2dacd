"""``model-audit check-ckpt``: table and JSON output; exit 0 loads, 1 rejected, 2 usage, 3 could
not check (unsafe files are refused before anything runs); the model or variant the checkpoint
belongs to, chosen by its version tag, its stored config or its keys and shapes."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.runtime.maps import state_maps
from auditor.runtime.profile import load_profile
from tests.checkpoint_files import (
    malicious_pickle,
    model_checkpoint,
    saved_checkpoint,
    shapes_checkpoint,
    write_malicious_zip,
    write_safetensors,
)
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.runtime.test_inferred import voicenet_repo
from tests.test_cli import run
from tests.tiny_models import tiny_profile, tiny_repo

#: The shipped profile's models, in its order; those the sample lacks at v1.0 and v2.0.
MODELS = [m.name for m in load_profile("gpt-sovits").models]
LACKING = {"sovits@v2Pro", "sovits@v2ProPlus", "sovits@v3", "sovits@v4", "gpt@v2"}


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


@pytest.fixture(scope="module")
def tagged_v1(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v1.0 model's v1 weights as GPT-SoVITS saves them, version tag ``00`` (v1) over
    ``PK`` and ``model.version: v1`` in the stored hps."""
    return saved_checkpoint(tmp_path_factory, mini_sovits, "v1.0", model="sovits@v1", tag=b"00")


@pytest.mark.torch
def test_loads_at_its_own_revision(
    mini_sovits: Path, tagged_v1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check-ckpt", str(tagged_v1), str(mini_sovits), "--rev", "v1.0")
    assert (code, err) == (0, "")
    assert "torch-zip, version tag 00, 416 tensors" in out
    assert "model       sovits@v1 (SynthesizerTrn from GPT_SoVITS/configs/s2.json)" in out
    chosen = "the checkpoint's version tag 00 and config model.version name v1: sovits@v1"
    assert f"\nchosen      {chosen}\noutcome     loads\n" in out


@pytest.mark.torch
def test_a_weight_file_as_the_project_ships_it_loads(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GPT-SoVITS's save function drops the training-only ``enc_q``: the profile says so,
    and a file lacking only those keys loads at its own revision."""
    torch = pytest.importorskip("torch")
    path = model_checkpoint(
        torch, mini_sovits, "v1.0", tmp_path / "s2G.pth", model="sovits@v1", tag=b"00", drop="enc_q"
    )
    args = ("check-ckpt", str(path), str(mini_sovits), "--rev", "v1.0")
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "")
    assert "\noutcome     loads\n" in out
    shipped = [line.strip() for line in out.splitlines() if "does not ship" in line]
    assert len(shipped) == 1
    assert re.fullmatch(
        r"(\d+) keys the project does not ship \(enc_q\.\*\) are absent, as expected", shipped[0]
    )
    assert "missing keys" not in out
    code, out, _ = run(capsys, *args, "--format", "json")
    document = json.loads(out)
    validate(document, "ckpt-check")
    check = document["check"]
    assert (code, check["outcome"], check["loads"], check["missing_keys"]) == (0, "loads", True, [])
    absent = check["not_shipped_keys"]
    assert absent and all(key.startswith("enc_q.") for key in absent)
    assert f"{len(absent)} keys the project does not ship" in shipped[0]
    models = {m["name"]: m for m in check["models"]}
    assert models["sovits@v1"]["missing_keys"] == 0


@pytest.mark.torch
def test_keys_missing_beyond_those_not_shipped_still_count(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch")
    path = model_checkpoint(
        torch, mini_sovits, "v1.0", tmp_path / "s2G.pth", model="sovits@v1", tag=b"00", drop="enc_"
    )
    args = ("check-ckpt", str(path), str(mini_sovits), "--rev", "v1.0", "--format", "json")
    code, out, _ = run(capsys, *args)
    check = json.loads(out)["check"]
    assert (code, check["outcome"]) == (1, "loads-with-missing-keys")
    assert check["missing_keys"] and all(k.startswith("enc_p.") for k in check["missing_keys"])
    assert check["not_shipped_keys"] and all(
        k.startswith("enc_q.") for k in check["not_shipped_keys"]
    )


@pytest.mark.torch
def test_fails_to_load_after_the_symbol_table_grows(
    mini_sovits: Path, tagged_v1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("check-ckpt", str(tagged_v1), str(mini_sovits), "--rev", "v2.0", "--format", "json")
    code, out, err = run(capsys, *args)
    assert (code, err) == (1, "")
    document = json.loads(out)
    validate(document, "ckpt-check")
    check = document["check"]
    assert (check["outcome"], check["loads"], check["model"]) == (
        "fails-to-load",
        False,
        "sovits@v1",
    )
    assert (check["choice"]["by"], check["choice"]["version"]) == ("version-tag", "v1")
    mismatches = {m["key"]: (m["checkpoint"], m["model"]) for m in check["shape_mismatches"]}
    assert mismatches["enc_p.text_embedding.weight"] == ([300, 192], [714, 256])
    assert len(mismatches) == 157
    assert "sv_emb.weight" in check["missing_keys"] and len(check["missing_keys"]) == 38
    models = {m["name"]: m for m in check["models"]}
    assert list(models) == MODELS
    assert {name for name, m in models.items() if m["not_applicable"]} == LACKING
    # v1 and the base model fit alike; v2 also differs in the reference encoder's input
    fits = {name: (m["match"], m["mismatched_keys"]) for name, m in models.items()}
    assert (fits["sovits"], fits["sovits@v1"], fits["sovits@v2"]) == ((1, 157), (1, 157), (1, 158))
    differences = {d["key"]: (d["checkpoint"], d["model"]) for d in check["config_differences"]}
    assert differences["model.gin_channels"] == (512, 1024)
    assert "train.learning_rate" not in differences
    assert document["checkpoint"]["version_tag"] == "00"
    assert document["bisect"] is None


@pytest.mark.torch
def test_range_that_still_loads_exits_0(
    mini_sovits: Path, tagged_v1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("check-ckpt", str(tagged_v1), str(mini_sovits), "--range", "v1.0~3..v1.0")
    code, out, err = run(capsys, *args, "--no-cache")
    assert code == 0
    assert "verdict     no commit rejects it: the tip loads it as the base does" in out
    # stderr is no terminal: a line for the search, then one per commit checked
    first, *checked = err.splitlines()
    assert first == "model-audit: checking the checkpoint across v1.0~3..v1.0…"
    assert [line.split(" ", 3)[3] for line in checked] == [
        "(base): loads, accepts",
        "(tip): loads, accepts",
    ]
    assert all(line.startswith("model-audit: checked ") for line in checked)
    assert "model-audit" not in out
    assert run(capsys, "-q", *args, "--no-cache") == (0, out, "")


@pytest.mark.torch
def test_a_gpt_checkpoint_with_lightning_prefixes(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch")
    maps = state_maps(mini_sovits, "v1.0", load_profile("gpt-sovits"))
    gpt = next(m for m in maps.models if m.name == "gpt")
    shapes = {f"model.{key}": shape for key, shape in gpt.shapes.items()}
    path = shapes_checkpoint(torch, tmp_path / "s1.ckpt", shapes)
    args = ("check-ckpt", str(path), str(mini_sovits))
    code, out, _ = run(capsys, *args, "--rev", "v1.0", "--format", "json")
    assert code == 0
    document = json.loads(out)
    validate(document, "ckpt-check")
    check = document["check"]
    assert (check["outcome"], check["model"]) == ("loads", "gpt")
    assert check["key_mapping"] == {"strip": "model.", "add": ""}
    assert check["choice"] == {
        "model": "gpt",
        "by": "keys-and-shapes",
        "version": None,
        "reason": "the best key and shape match: gpt, holding 100% of its keys, "
        "every shape matching",
    }
    assert [(m["name"], m["match"], m["not_applicable"]) for m in check["models"]] == [
        (name, int(name == "gpt"), name in LACKING) for name in MODELS
    ]
    code, out, _ = run(capsys, *args, "--rev", "v2.0")
    assert code == 1
    assert "model       gpt (Text2SemanticDecoder from GPT_SoVITS/configs/s1longer.yaml)" in out
    assert "ar_text_embedding.weight  [512, 512] -> [732, 512]" in out


@pytest.mark.torch
def test_the_variant_a_checkpoint_names_or_fits(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch")
    tagged = model_checkpoint(
        torch, mini_sovits, "v3.1", tmp_path / "pro.pth", model="sovits@v2Pro", tag=b"05"
    )
    code, out, _ = run(capsys, "check-ckpt", str(tagged), str(mini_sovits), "--rev", "v3.1")
    assert code == 0
    assert (
        "model       sovits@v2Pro (SynthesizerTrn from GPT_SoVITS/configs_v2/s2v2Pro.json)" in out
    )
    assert "chosen      the checkpoint's version tag 05 and config model.version name v2Pro" in out
    # the same weights, untagged and without model.version: the only variant whose shapes fit
    plain = model_checkpoint(
        torch, mini_sovits, "v3.1", tmp_path / "plain.pth", model="sovits@v2Pro", version=False
    )
    args = ("check-ckpt", str(plain), str(mini_sovits), "--rev", "v3.1", "--format", "json")
    code, out, _ = run(capsys, *args)
    assert code == 0
    document = json.loads(out)
    validate(document, "ckpt-check")
    assert document["checkpoint"]["version_tag"] is None
    assert document["check"]["choice"] == {
        "model": "sovits@v2Pro",
        "by": "keys-and-shapes",
        "version": None,
        "reason": "the best key and shape match: sovits@v2Pro, holding 100% of its keys, "
        "every shape matching; next: sovits@v2, holding 100% of its keys, 157 shapes "
        "differing, 36 model keys missing",
    }
    # before v2Pro existed: the tag is followed as far as it can be, then the best fit
    code, out, _ = run(capsys, "check-ckpt", str(tagged), str(mini_sovits), "--rev", "v2.0")
    assert code == 1
    assert "model       sovits (SynthesizerTrn from GPT_SoVITS/configs/s2.json)" in out
    assert (
        "chosen      the checkpoint's version tag 05 and config model.version name v2Pro, but "
        "sovits@v2Pro does not exist at this revision (no GPT_SoVITS/configs/s2v2Pro.json or "
        "GPT_SoVITS/configs_v2/s2v2Pro.json at this revision); the best key and shape match: "
        "sovits, holding 94% of its keys, 150 shapes differing, 90 model keys missing "
        "(sovits@v1, sovits@v2 fitting as well: the profile lists sovits first)\n"
    ) in out


@pytest.mark.torch
def test_the_models_are_built_by_the_python_given(
    mini_sovits: Path, tagged_v1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "ran.log"
    python = tmp_path / "project-python"
    python.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {sys.executable} "$@"\n', "utf-8")
    python.chmod(0o755)
    args = ("check-ckpt", str(tagged_v1), str(mini_sovits), "--rev", "v1.0")
    code, out, _ = run(capsys, *args, "--python", str(python))
    assert code == 0 and "outcome     loads\n" in out
    assert log.read_text("utf-8").splitlines().count("-m auditor.runtime.worker") == 1


@pytest.mark.parametrize("packing", ["zip", "tagged-zip", "raw"])
def test_unsafe_checkpoint_is_refused_with_exit_3(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], packing: str
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    if packing == "raw":
        path.write_bytes(malicious_pickle(marker))
    else:
        write_malicious_zip(path, marker, tag=b"05" if packing == "tagged-zip" else None)
    for mode in (["--rev", "v1.0"], ["--range", "v1.0..v2.0"]):
        code, out, err = run(capsys, "check-ckpt", str(path), str(mini_sovits), *mode)
        assert (code, out) == (3, "")
        assert err.startswith(f"unsafe: {path}: refused global ") and "system" in err
        assert not marker.exists()


def test_not_a_checkpoint_could_not_be_checked(
    mini_sovits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.pth"
    path.write_text("just some notes\n", encoding="utf-8")
    code, out, err = run(capsys, "check-ckpt", str(path), str(mini_sovits))
    assert (code, out) == (3, "")
    assert err.startswith("could not check: ") and "not a checkpoint this tool reads" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rev", "v1.0", "--range", "v1.0..v2.0"], "give --rev or --range, not both"),
        (["--rev", "v9"], "unknown revision 'v9'"),
        (["--range", "v2.0"], "--range needs A..B"),
        (["--profile", "nope"], "no profile named 'nope'"),
        (["--device", "cuda"], "Invalid value for '--device'"),
        (["--python", "/nonexistent/python"], "/nonexistent/python does not exist"),
    ],
)
def test_usage_errors_exit_2(
    mini_sovits: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    code, out, err = run(capsys, "check-ckpt", str(path), str(mini_sovits), *args)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_a_repository_no_profile_fits_exits_2_naming_the_fix(
    make_repo: Callable[..., GitRepo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo("so-vits-svc")
    repo.commit("base", {"configs/config.json": '{"model": {"gin_channels": 256}}\n'})
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    code, out, err = run(capsys, "check-ckpt", str(path), str(repo.path))
    assert (code, out) == (2, "")
    assert "no runtime profile fits" in err and "give one with --profile" in err


@pytest.mark.torch
@pytest.mark.parametrize(
    ("model", "code", "outcome", "reason"),
    [
        ("net:Net", 1, "fails-to-load", None),
        ("needs:Unavailable", 3, "unavailable", "needs: runtime check unavailable: module "),
        ("dies:Dies", 3, "crashed", "dies: the runtime worker for dies at revision HEAD ("),
    ],
)
def test_a_model_that_could_not_be_checked_is_told_from_a_break(
    make_repo: Callable[..., GitRepo],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    model: str,
    code: int,
    outcome: str,
    reason: str | None,
) -> None:
    pytest.importorskip("torch")
    repo = tiny_repo(make_repo)  # its width is 8 at HEAD; the checkpoint's is 4
    weights = {"proj.weight": ("F32", (4, 4)), "proj.bias": ("F32", (4,))}
    checkpoint = write_safetensors(tmp_path / "net.safetensors", weights)
    profile = tmp_path / "tiny.yaml"
    profile.write_text(tiny_profile(model), encoding="utf-8")
    args = (str(checkpoint), str(repo.path), "--profile", str(profile), "--format", "json")
    exit_code, out, err = run(capsys, "check-ckpt", *args)
    assert exit_code == code, err
    document = json.loads(out)
    validate(document, "ckpt-check")
    assert document["check"]["outcome"] == outcome
    if reason is not None:
        assert document["check"]["reason"].startswith(reason)
        assert f"could not check: {reason}" in err
    assert "Traceback" not in err


@pytest.mark.torch
def test_a_layout_no_profile_fits_is_checked_with_the_profile_its_code_says(
    make_repo: Callable[..., GitRepo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = voicenet_repo(make_repo)
    hidden = 16  # the width configs/base.json gives at v1
    shapes = {
        "emb.weight": ("F32", (7, hidden)),
        "pre.weight": ("F32", (hidden, 8)),
        "pre.bias": ("F32", (hidden,)),
        **{f"blocks.{i}.proj.weight": ("F32", (hidden, hidden)) for i in range(2)},
        **{f"blocks.{i}.proj.bias": ("F32", (hidden,)) for i in range(2)},
    }
    path = write_safetensors(tmp_path / "voicenet.safetensors", shapes)
    code, out, err = run(capsys, "check-ckpt", str(path), str(repo.path), "--rev", "v1")
    assert code == 0, out + err
    assert "profile inferred from scripts/train.py:24 at v1" in err
    code, out, err = run(capsys, "check-ckpt", str(path), str(repo.path), "--rev", "v2")
    assert code == 1, out + err
    assert "profile inferred" in out

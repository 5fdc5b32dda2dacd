"""state_maps on the mini_sovits sample: meta-device maps, configs, temporary folders."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.errors import AuditError, RepositoryError
from auditor.runtime.maps import config_keys, covers, state_maps
from auditor.runtime.profile import load_profile, parse_profile

PROFILE = load_profile("gpt-sovits")
PHONEMES = "Add Japanese, Korean and Cantonese phonemes"


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True).stdout


def test_config_keys_of_the_shipped_profile() -> None:
    (sovits,) = PROFILE.models
    assert config_keys(sovits) == (
        "data.filter_length",
        "data.hop_length",
        "data.n_speakers",
        "model",
        "train.segment_size",
    )


def test_covers() -> None:
    assert covers("model", "model.gin_channels")
    assert covers("data.n_speakers", "data.n_speakers")
    assert not covers("data.n_speakers", "data.n_speakers_max")
    assert not covers("model", "models.x")
    assert covers("", "anything.at.all")


@pytest.mark.torch
def test_maps_at_two_revisions(mini_sovits: Path, temp_root: Path) -> None:
    pytest.importorskip("torch")
    phonemes = git(mini_sovits, "log", "--format=%H", f"--grep={PHONEMES}", "v2.0").strip()
    before = state_maps(mini_sovits, "v1.0", PROFILE)
    after = state_maps(mini_sovits, phonemes, PROFILE)
    assert before.sha == git(mini_sovits, "rev-parse", "v1.0^{commit}").strip()
    assert (before.revision, before.device, before.profile) == ("v1.0", "meta", "gpt-sovits")
    (old,), (new,) = before.models, after.models
    assert old.built and old.error is None and old.class_name == "SynthesizerTrn"
    assert old.config == "GPT_SoVITS/configs/s2.json"
    assert old.hps is not None and new.hps is not None
    assert (old.hps["model"]["hidden_channels"], old.hps["data"]["n_speakers"]) == (192, 300)
    assert old.shapes["enc_p.text_embedding.weight"] == (300, 192)
    assert new.shapes["enc_p.text_embedding.weight"] == (714, 192)
    assert set(old.shapes) == set(new.shapes)
    assert set(old.dtypes.values()) == {"float32"}
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_a_model_without_its_config_is_not_built(mini_sovits: Path, temp_root: Path) -> None:
    pytest.importorskip("torch")
    shipped = Path(__file__).resolve().parents[2] / "auditor/runtime/profiles/gpt-sovits.yaml"
    text = shipped.read_text(encoding="utf-8").replace("GPT_SoVITS/configs_v2/s2.json", "no.json")
    text = text.replace("- GPT_SoVITS/configs/s2.json", "- nowhere/s2.json")
    (model,) = state_maps(mini_sovits, "v1.0", parse_profile(text, "test")).models
    assert not model.built and model.shapes == {}
    assert model.error == "none of the config candidates exists: nowhere/s2.json, no.json"
    assert list(temp_root.iterdir()) == []


def test_unknown_device_and_revision(mini_sovits: Path) -> None:
    with pytest.raises(AuditError, match="unknown device 'cuda'"):
        state_maps(mini_sovits, "v1.0", PROFILE, device="cuda")
    with pytest.raises(RepositoryError, match="unknown revision 'v9'"):
        state_maps(mini_sovits, "v9", PROFILE)

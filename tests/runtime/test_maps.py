"""state_maps on the mini_sovits sample: meta-device maps, configs, variants a revision lacks,
temporary folders."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.errors import AuditError, RepositoryError
from auditor.runtime.maps import ModelMap, config_keys, covers, state_maps
from auditor.runtime.profile import ModelSpec, load_profile, parse_profile

PROFILE = load_profile("gpt-sovits")
PHONEMES = "Add Japanese, Korean and Cantonese phonemes"


def spec(name: str) -> ModelSpec:
    return next(m for m in PROFILE.models if m.name == name)


def by_name(models: tuple[ModelMap, ...]) -> dict[str, ModelMap]:
    return {m.name: m for m in models}


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
    sovits_keys = (
        "data.filter_length",
        "data.hop_length",
        "data.n_speakers",
        "model",
        "train.segment_size",
    )
    assert config_keys(spec("sovits")) == sovits_keys
    assert config_keys(spec("sovits@v2Pro")) == sovits_keys
    # Text2SemanticDecoder(config=hps): the whole config
    assert config_keys(spec("gpt")) == ("",)


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
    old, new = by_name(before.models)["sovits"], by_name(after.models)["sovits"]
    assert old.built and old.error is None and old.class_name == "SynthesizerTrn"
    assert (old.variant, old.base, old.not_applicable) == (None, None, False)
    assert old.config == "GPT_SoVITS/configs/s2.json"
    assert old.hps is not None and new.hps is not None
    assert (old.hps["model"]["hidden_channels"], old.hps["data"]["n_speakers"]) == (192, 300)
    assert old.shapes["enc_p.text_embedding.weight"] == (300, 192)
    assert new.shapes["enc_p.text_embedding.weight"] == (714, 192)
    assert set(old.shapes) == set(new.shapes)
    assert set(old.dtypes.values()) == {"float32"}
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_a_model_without_its_config_is_not_applicable(mini_sovits: Path, temp_root: Path) -> None:
    pytest.importorskip("torch")
    shipped = Path(__file__).resolve().parents[2] / "auditor/runtime/profiles/gpt-sovits.yaml"
    text = shipped.read_text(encoding="utf-8").replace("GPT_SoVITS/configs_v2/s2.json", "no.json")
    text = text.replace("- GPT_SoVITS/configs/s2.json", "- nowhere/s2.json")
    models = by_name(state_maps(mini_sovits, "v1.0", parse_profile(text, "test")).models)
    model = models["sovits"]
    # a revision without any of its configs does not have the model: absent, not failed
    assert not model.built and model.shapes == {} and model.not_applicable
    assert model.error == "no nowhere/s2.json or no.json at this revision"
    # nor its variants that read the same config
    assert models["sovits@v1"].not_applicable
    assert models["sovits@v1"].error == "no nowhere/s2.json or no.json at this revision"
    assert models["gpt"].built
    assert list(temp_root.iterdir()) == []


@pytest.mark.torch
def test_variants_a_revision_lacks_are_marked(mini_sovits: Path, temp_root: Path) -> None:
    pytest.importorskip("torch")
    v1 = state_maps(mini_sovits, "v1.0", PROFILE)
    v3 = state_maps(mini_sovits, "v3.1", PROFILE)
    assert [m.name for m in v1.models] == [m.name for m in PROFILE.models]
    assert [(m.name, m.built) for m in v1.applicable] == [
        ("sovits", True),
        ("sovits@v1", True),
        ("sovits@v2", True),
        ("gpt", True),
    ]
    lacking = {m.name: m.error for m in v1.models if m.not_applicable}
    assert lacking == {
        "sovits@v2Pro": "no GPT_SoVITS/configs/s2v2Pro.json or GPT_SoVITS/configs_v2/s2v2Pro.json "
        "at this revision",
        "sovits@v2ProPlus": "no GPT_SoVITS/configs/s2v2ProPlus.json or "
        "GPT_SoVITS/configs_v2/s2v2ProPlus.json at this revision",
        "sovits@v3": "module.models has no SynthesizerTrnV3 at this revision",
        "sovits@v4": "module.models has no SynthesizerTrnV3 at this revision",
        "gpt@v2": "no GPT_SoVITS/configs/s1longer-v2.yaml or "
        "GPT_SoVITS/configs_v2/s1longer-v2.yaml at this revision",
    }
    assert all(not m.built and not m.unavailable for m in v1.models if m.not_applicable)
    pro = by_name(v3.models)["sovits@v2Pro"]
    assert pro.built and not pro.not_applicable
    assert (pro.base, pro.variant, pro.config) == (
        "sovits",
        "v2Pro",
        "GPT_SoVITS/configs_v2/s2v2Pro.json",
    )
    assert pro.hps is not None and pro.hps["model"]["version"] == "v2Pro"
    assert pro.shapes["enc_p.text_embedding.weight"] == (714, 192)
    assert by_name(v3.models)["sovits"].shapes["enc_p.text_embedding.weight"] == (714, 256)
    assert [m.name for m in v3.models if m.not_applicable] == [
        "sovits@v2ProPlus",
        "sovits@v3",
        "sovits@v4",
        "gpt@v2",
    ]
    assert list(temp_root.iterdir()) == []


def test_unknown_device_and_revision(mini_sovits: Path) -> None:
    with pytest.raises(AuditError, match="unknown device 'cuda'"):
        state_maps(mini_sovits, "v1.0", PROFILE, device="cuda")
    with pytest.raises(RepositoryError, match="unknown revision 'v9'"):
        state_maps(mini_sovits, "v9", PROFILE)

"""Which model a finding concerns: the shipped map, user maps, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.classify.concerns import (
    MODEL_MAP,
    ModelMapError,
    class_of,
    load_model_map,
    parse_model_map,
)

SHIPPED = load_model_map(MODEL_MAP)
PRESENT = ("SoVITS generator", "GPT stage")


@pytest.mark.parametrize(
    ("file", "key", "models"),
    [
        ("GPT_SoVITS/configs/s2.json", "model.gin_channels", ("SoVITS generator",)),
        ("GPT_SoVITS/configs_v2/s2v2Pro.json", "model.gin_channels", ("SoVITS generator",)),
        (
            "GPT_SoVITS/module/models.py",
            "SynthesizerTrn.__init__.self.sv_emb",
            ("SoVITS generator",),
        ),
        (
            "GPT_SoVITS/module/models_onnx.py",
            "SynthesizerTrn.__init__.self.sv_emb",
            ("inference code",),
        ),
        ("GPT_SoVITS/configs/s1longer-v2.yaml", "model.vocab_size", ("GPT stage",)),
        (
            "GPT_SoVITS/AR/models/t2s_model.py",
            "Text2SemanticDecoder.__init__.self.ar_text_embedding",
            ("GPT stage",),
        ),
        ("GPT_SoVITS/text/symbols2.py", "symbols", ("SoVITS generator", "GPT stage")),
        ("GPT_SoVITS/configs/tts_infer.yaml", "v2.version", ("inference code",)),
        ("webui.py", "S2_CONFIG", ("inference code",)),
        ("tools/uvr5/webui.py", "S2_CONFIG", ("vocal separation (UVR5)",)),
        ("GPT_SoVITS/BigVGAN/configs/bigvgan_24khz_100band.json", "num_mels", ("vocoder",)),
        ("requirements.txt", "torch", PRESENT),
        ("extra-req.txt", "faster-whisper", PRESENT),
        ("tools/asr/fasterwhisper_asr.py", "component.asr", ("other",)),
        # a class the map names is found in any file
        ("my_fork/t2s.py", "Text2SemanticDecoder.__init__.self.h", ("GPT stage",)),
        ("models.py", "SynthesizerTrn.__init__[version=v2].self.enc_p", ("VITS generator",)),
        ("libs/net.py", "SynthesizerTrnMs256NSFsid.__init__.self.dec", ("VITS generator",)),
    ],
)
def test_shipped_map(file: str, key: str, models: tuple[str, ...]) -> None:
    assert SHIPPED.concerns(file, key, PRESENT) == models


def test_class_of() -> None:
    assert (
        class_of("m.py", "SynthesizerTrn.__init__[version=v2Pro].self.sv_emb") == "SynthesizerTrn"
    )
    assert class_of("m.py", "symbols") is None
    assert class_of("s2.json", "model.gin_channels") is None


def test_covered_models_follow_the_map_order() -> None:
    paths = [
        "webui.py",
        "GPT_SoVITS/AR/models/t2s_model.py",
        "GPT_SoVITS/configs/s2.json",
        "README.md",
    ]
    assert SHIPPED.covered(paths) == ("SoVITS generator", "GPT stage", "inference code")
    assert SHIPPED.covered(["requirements.txt"]) == ()
    assert SHIPPED.ordered({"other", "GPT stage", "zzz"}) == ("GPT stage", "other", "zzz")


def test_shipped_map_links_the_runtime_models() -> None:
    assert SHIPPED.runtime == {"SoVITS generator": "sovits", "GPT stage": "gpt"}
    assert SHIPPED.fallback == "other"


def test_shipped_map_names_the_top_classes_of_the_trained_stages() -> None:
    assert SHIPPED.root_sets() == (
        ("SynthesizerTrn*",),
        ("Text2SemanticDecoder*", "Text2SemanticLightningModule*"),
    )
    entry = SHIPPED.entry("GPT_SoVITS/f5_tts/model/modules.py", "MMDiTBlock.__init__.self.ff_c")
    assert entry is not None and entry.roots == ("SynthesizerTrn*",)
    # the speaker-verification model feeds the generator but is loaded apart: no roots
    sv = SHIPPED.entry("GPT_SoVITS/eres2net/ERes2NetV2.py", "ERes2NetV2.__init__.self.conv1")
    assert sv is not None and sv.models == ("SoVITS generator",) and sv.roots == ()
    assert SHIPPED.entry("tools/asr/fasterwhisper_asr.py", "component.asr") is None


def test_a_user_map(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "models": [{"name": "generator", "runtime": "gen"}, {"name": "vocoder"}],
                "concerns": [
                    {"models": ["vocoder"], "files": ["vocoder/**"]},
                    {"models": ["generator"], "classes": ["Synth*"], "roots": ["Synth*"]},
                    {"models": "all", "files": ["requirements.txt"]},
                ],
                "fallback": "rest",
            }
        ),
        encoding="utf-8",
    )
    model_map = load_model_map(path)
    assert model_map.concerns("vocoder/hifigan.json", "upsample_rates", ["generator"]) == (
        "vocoder",
    )
    assert model_map.concerns("net.py", "Synth.__init__.self.x", []) == ("generator",)
    assert model_map.concerns("requirements.txt", "torch", ["generator"]) == ("generator",)
    assert model_map.concerns("configs/x.json", "a", []) == ("rest",)
    assert model_map.root_sets() == (("Synth*",),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping with `models` and `concerns`"),
        ({"models": [{}], "concerns": []}, r"models\[0\] needs a string `name`"),
        (
            {"models": [], "concerns": [{"files": ["a"]}]},
            r"concerns\[0\]: expected a mapping with `models`",
        ),
        (
            {"models": [{"name": "a"}], "concerns": [{"models": ["b"], "files": ["x"]}]},
            r"models \['b'\] are not declared",
        ),
        (
            {"models": [{"name": "a"}], "concerns": [{"models": ["a"]}]},
            "give `files`, `classes` or both",
        ),
        (
            {"models": [{"name": "a"}], "concerns": [{"models": ["a"], "files": "x"}]},
            "files: expected a list",
        ),
        (
            {"models": [{"name": "a"}], "concerns": [{"models": ["a"], "file": ["x"]}]},
            r"unknown keys \['file'\]",
        ),
        ({"models": [{"name": "a"}], "concerns": [], "fallback": "a"}, "`fallback` must be a name"),
        (
            {
                "models": [{"name": "a"}],
                "concerns": [{"models": ["a"], "files": ["x"], "roots": "S"}],
            },
            "roots: expected a list",
        ),
    ],
)
def test_bad_maps_are_refused(data: object, message: str) -> None:
    with pytest.raises(ModelMapError, match=message):
        parse_model_map(data, "m.yaml")


def test_unreadable_maps(tmp_path: Path) -> None:
    with pytest.raises(ModelMapError, match="cannot read model map"):
        load_model_map(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [", encoding="utf-8")
    with pytest.raises(ModelMapError, match="not valid YAML"):
        load_model_map(bad)

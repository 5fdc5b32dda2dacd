"""The shipped runtime profiles: each follows the schema and loads, and each repository
layout it is written for picks it, and it alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from auditor.runtime.detect import pick_profile
from auditor.runtime.profile import PROFILE_DIR, Profile, available_profiles, load_profile
from tests.conftest import validate
from tests.gitrepo import GitRepo

#: Trimmed file lists of the repositories (and releases) each shipped profile is written
#: for: the layout, its name, and the profile that must fit it.
LAYOUTS: list[tuple[str, str, list[str]]] = [
    (
        "gpt-sovits",
        "GPT-SoVITS",
        [
            "GPT_SoVITS/module/models.py",
            "GPT_SoVITS/text/symbols.py",
            "GPT_SoVITS/configs/s2.json",
            "GPT_SoVITS/s2_train.py",
            "webui.py",
        ],
    ),
    (
        "vits",
        "VITS",
        [
            "models.py",
            "text/symbols.py",
            "text/cleaners.py",
            "configs/ljs_base.json",
            "configs/vctk_base.json",
            "monotonic_align/__init__.py",
            "train.py",
            "train_ms.py",
        ],
    ),
    (
        "so-vits-svc",
        "so-vits-svc 4.0",
        [
            "models.py",
            "train.py",
            "utils.py",
            "configs/config.json",
            "hubert/hubert_model.py",
            "modules/attentions.py",
            "vdecoder/hifigan/models.py",
        ],
    ),
    (
        "so-vits-svc",
        "so-vits-svc 4.1",
        [
            "models.py",
            "train.py",
            "train_diff.py",
            "utils.py",
            "configs_template/config_template.json",
            "configs_template/config_tiny_template.json",
            "modules/attentions.py",
            "vdecoder/hifigan/models.py",
            "vdecoder/hifiganwithsnake/models.py",
            "diffusion/unit2mel.py",
        ],
    ),
    (
        "bert-vits2",
        "Bert-VITS2",
        [
            "models.py",
            "train_ms.py",
            "bert_gen.py",
            "configs/config.json",
            "monotonic_align/__init__.py",
            "text/symbols.py",
            "text/chinese_bert.py",
            "text/cleaner.py",
            "oldVersion/V220/models.py",
        ],
    ),
    (
        "rvc",
        "RVC 2023 (infer_pack at the root)",
        [
            "infer-web.py",
            "infer_pack/models.py",
            "configs/40k.json",
            "train_nsf_sim_cache_sid_load_pretrain.py",
            "train/process_ckpt.py",
        ],
    ),
    (
        "rvc",
        "RVC 2.1 (lib/infer_pack)",
        [
            "infer-web.py",
            "lib/infer_pack/models.py",
            "configs/40k.json",
            "configs/48k_v2.json",
            "train_nsf_sim_cache_sid_load_pretrain.py",
        ],
    ),
    (
        "rvc",
        "RVC 2.2-20240604 (infer/lib/infer_pack)",
        [
            "infer-web.py",
            "infer/lib/infer_pack/models.py",
            "infer/modules/train/train.py",
            "infer/lib/train/process_ckpt.py",
            "configs/v1/40k.json",
            "configs/v2/48k.json",
        ],
    ),
    (
        "rvc",
        "RVC 2026 rewrite (infer/module)",
        [
            "webui.py",
            "infer/module/models.py",
            "infer/vc/modules.py",
            "train/train.py",
            "train/process_ckpt.py",
            "configs/v1/40k.json",
            "configs/v2/48k.json",
        ],
    ),
    (
        "applio",
        "Applio (rvc/lib/algorithm)",
        [
            "app.py",
            "core.py",
            "rvc/lib/algorithm/synthesizers.py",
            "rvc/train/train.py",
            "rvc/infer/infer.py",
            "rvc/configs/40000.json",
        ],
    ),
]


def fits(profile: Profile, files: list[str]) -> bool:
    """Whether PROFILE's detect paths are among FILES (the rule pick_profile applies)."""
    return profile.fits(set(files))


@pytest.mark.parametrize("name", available_profiles())
def test_a_shipped_profile_follows_the_schema_and_loads(name: str) -> None:
    validate(yaml.safe_load((PROFILE_DIR / f"{name}.yaml").read_text("utf-8")), "profile")
    profile = load_profile(name)
    assert profile.name == name
    assert profile.detect, "a shipped profile says which layout it fits"
    assert profile.models


def test_every_shipped_profile_has_a_layout_here() -> None:
    assert {expected for expected, _, _ in LAYOUTS} == set(available_profiles())


@pytest.mark.parametrize(
    ("expected", "files"), [(e, f) for e, _, f in LAYOUTS], ids=[label for _, label, _ in LAYOUTS]
)
def test_exactly_one_shipped_profile_claims_a_layout(expected: str, files: list[str]) -> None:
    claiming = [name for name in available_profiles() if fits(load_profile(name), files)]
    assert claiming == [expected]


@pytest.mark.parametrize(
    ("expected", "files"), [(e, f) for e, _, f in LAYOUTS], ids=[label for _, label, _ in LAYOUTS]
)
def test_detection_picks_the_profile_of_a_layout(
    make_repo: Callable[..., GitRepo], expected: str, files: list[str]
) -> None:
    repo = make_repo()
    repo.commit("layout", {path: "# placeholder\n" for path in files})
    assert pick_profile(repo.path, "HEAD", None).name == expected


def test_a_layout_of_another_family_is_claimed_by_none() -> None:
    # so-vits-svc-fork keeps its models in a package: no shipped profile is written for it
    files = ["src/so_vits_svc_fork/modules/synthesizers.py", "src/so_vits_svc_fork/train.py"]
    assert [n for n in available_profiles() if fits(load_profile(n), files)] == []


def test_the_rvc_profile_finds_its_generator_in_all_four_places() -> None:
    # infer_pack/ moved three times: candidate modules, newest first, from the root
    profile = load_profile("rvc")
    assert profile.sys_path == (".",)
    assert {m.modules for m in profile.models} == {
        (
            "infer.module.models",
            "infer.lib.infer_pack.models",
            "lib.infer_pack.models",
            "infer_pack.models",
        )
    }
    classes = {m.variant or "base": m.class_name for m in profile.models}
    assert classes["base"] == "SynthesizerTrnMs256NSFsid"
    assert classes["v1-nof0"] == "SynthesizerTrnMs256NSFsid_nono"
    assert classes["v2"] == "SynthesizerTrnMs768NSFsid"
    assert classes["v2-nof0"] == "SynthesizerTrnMs768NSFsid_nono"


def test_rvc_passes_the_sample_rate_as_its_script_does_and_falls_back_without_pitch() -> None:
    models = {m.variant or "base": m for m in load_profile("rvc").models}
    sr = {name: dict(m.kwargs)["sr"].literal for name, m in models.items()}
    assert sr == {
        "base": "40k",
        "v1-32k": "32k",
        "v1-48k": "48k",
        "v1-nof0": "40k",
        "v2": "40k",
        "v2-32k": "32k",
        "v2-48k": "48k",
        "v2-nof0": "40k",
    }
    # a release without v2 classes: the v1 model without pitch for the v2 one without
    fallbacks = {name: m.fallback for name, m in models.items() if m.fallback}
    assert fallbacks == {"v2-nof0": "synthesizer@v1-nof0"}


def test_applio_models_without_pitch_are_variants_and_sr_follows_the_renamed_key() -> None:
    models = {m.name: m for m in load_profile("applio").models}
    nof0 = models["synthesizer@nof0"]
    assert dict(nof0.kwargs)["use_f0"].literal is False
    assert dict(models["synthesizer"].kwargs)["use_f0"].literal is True
    assert nof0.inputs is not None and [t.name for t in nof0.inputs.args] == [
        "phone",
        "phone_lengths",
    ]
    assert models["synthesizer@v1-nof0"].fallback == "synthesizer@nof0"
    sr = dict(models["synthesizer"].kwargs)["sr"]
    assert sr.value({"hps": {"data": {"sampling_rate": 40000}}}) == 40000  # until July 2024
    assert sr.value({"hps": {"data": {"sample_rate": 48000}}}) == 48000  # since


def test_the_profiles_stub_the_repositories_own_modules_they_cannot_import() -> None:
    (vits,) = {m.stub_modules for m in load_profile("vits").models}
    assert vits == ("monotonic_align.monotonic_align",)  # the Cython extension
    bert_vits2 = load_profile("bert-vits2")
    assert "config" in bert_vits2.stub_modules  # reads config.yml, may sys.exit(0)


def test_bert_vits2_builds_each_versions_class() -> None:
    models = {m.name: m for m in load_profile("bert-vits2").models}
    versions = {m.variant: m.module for m in models.values() if m.variant}
    assert versions == {
        "2.2": "oldVersion.V220.models",
        "2.1": "oldVersion.V210.models",
        "2.0": "oldVersion.V200.models",
        "1.1.1": "oldVersion.V111.models",
        "1.1": "oldVersion.V110.models",
        "1.0": "oldVersion.V101.models",
    }
    base = models["synthesizer"]
    choices = [base.inputs, *base.alternatives]
    assert [len(c.args) for c in choices if c is not None] == [9, 8, 7, 6]  # emo, 3, 2, 1 BERT


def test_so_vits_svc_compares_the_audio_alone() -> None:
    for model in load_profile("so-vits-svc").models:
        assert model.inputs is not None and model.inputs.outputs == (0,), model.name

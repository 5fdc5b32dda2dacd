"""Runtime profiles: loading by name or file, schema validation, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.runtime.materialise import glob_regex, select
from auditor.runtime.profile import (
    ProfileError,
    available_profiles,
    load_profile,
    parse_profile,
)
from tests.conftest import validate

PROFILE_DIR = Path(__file__).resolve().parents[2] / "auditor" / "runtime" / "profiles"

MINIMAL = """
name: tiny
files: ["*.py"]
models:
  - name: net
    module: nets
    class: Net
    config: conf.json
    args: ["hps.width * 2", 3]
    kwargs: {depth: hps.depth}
    splat: hps.extra
"""


@pytest.mark.parametrize("name", available_profiles())
def test_every_shipped_profile_follows_the_schema(name: str) -> None:
    validate(yaml.safe_load((PROFILE_DIR / f"{name}.yaml").read_text("utf-8")), "profile")
    assert load_profile(name).name == name


def test_gpt_sovits_profile_builds_synthesizer_the_projects_way() -> None:
    profile = load_profile("gpt-sovits")
    sovits = profile.models[0]
    assert (sovits.module, sovits.class_name) == ("module.models", "SynthesizerTrn")
    assert sovits.config == ("GPT_SoVITS/configs/s2.json", "GPT_SoVITS/configs_v2/s2.json")
    assert [a.expression.source for a in sovits.args if a.expression] == [
        "hps.data.filter_length // 2 + 1",
        "hps.train.segment_size // hps.data.hop_length",
    ]
    assert [(k, t.expression and t.expression.source) for k, t in sovits.kwargs] == [
        ("n_speakers", "hps.data.n_speakers")
    ]
    # the project's inference decodes semantic tokens; a model without decode runs forward
    assert sovits.inputs is not None and sovits.inputs.method == "decode"
    assert [t.name for t in sovits.inputs.args] == ["codes", "text", "refer"]
    (forward,) = sovits.alternatives
    assert forward.method == "forward"
    assert [t.name for t in forward.args] == ["ssl", "text", "refer"]
    assert "GPT_SoVITS" in profile.sys_path
    assert profile.detect == (("GPT_SoVITS/module/models.py",),)


def test_gpt_sovits_builds_each_version_and_the_gpt_stage() -> None:
    models = {m.name: m for m in load_profile("gpt-sovits").models}
    assert list(models) == [
        "sovits",
        "sovits@v1",
        "sovits@v2",
        "sovits@v2Pro",
        "sovits@v2ProPlus",
        "sovits@v3",
        "sovits@v4",
        "gpt",
        "gpt@v2",
    ]
    v2 = models["sovits@v2"]
    assert (v2.base, v2.variant, v2.overrides, v2.requires) == (
        "sovits",
        "v2",
        (("model.version", "v2"),),
        ("version",),
    )
    assert v2.config == models["sovits"].config and v2.inputs == models["sovits"].inputs
    assert v2.alternatives == models["sovits"].alternatives
    pro = models["sovits@v2Pro"]
    assert pro.config[0] == "GPT_SoVITS/configs/s2v2Pro.json"
    v3 = models["sovits@v3"]
    assert (v3.class_name, v3.inputs) == ("SynthesizerTrnV3", None)
    gpt = models["gpt"]
    assert (gpt.module, gpt.class_name, gpt.inputs) == (
        "AR.models.t2s_model",
        "Text2SemanticDecoder",
        None,
    )
    assert [(k, t.expression and t.expression.source, t.literal) for k, t in gpt.kwargs] == [
        ("config", "hps", None),
        ("top_k", None, 3),
    ]
    assert models["gpt@v2"].config[0] == "GPT_SoVITS/configs/s1longer-v2.yaml"


def test_gpt_sovits_ships_its_sovits_weights_without_the_posterior_encoder() -> None:
    models = {m.name: m for m in load_profile("gpt-sovits").models}
    sovits = {name for name in models if name.startswith("sovits")}
    assert {name for name, m in models.items() if m.shipped_without == ("enc_q.*",)} == sovits
    assert models["gpt"].shipped_without == ()


def test_a_variant_keeps_its_models_shipped_without_unless_it_says_otherwise() -> None:
    text = MINIMAL + (
        '    shipped_without: ["enc_q.*"]\n'
        "    variants:\n"
        "      - {name: a}\n"
        "      - {name: b, shipped_without: []}\n"
    )
    models = {m.name: m.shipped_without for m in parse_profile(text, "tiny.yaml").models}
    assert models == {"net": ("enc_q.*",), "net@a": ("enc_q.*",), "net@b": ()}
    with pytest.raises(ProfileError, match=r"models\[0\]\.shipped_without\[0\]: 3 is not"):
        parse_profile(MINIMAL + "    shipped_without: [3]\n", "tiny.yaml")


def test_variant_names_must_stay_unique() -> None:
    text = MINIMAL + "    variants: [{name: a}, {name: a}]\n"
    with pytest.raises(ProfileError, match="names must be unique"):
        parse_profile(text, "tiny.yaml")


def test_minimal_profile_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    profile = load_profile(str(path))
    (net,) = profile.models
    assert net.config == ("conf.json",)
    assert net.args[1].literal == 3
    assert [t.key for t in net.splat] == ["models[0].splat[0]"]
    assert net.inputs is None
    assert (net.tolerance, net.variant, net.base) == (1e-4, None, None)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("hps.width * 2", "hps.width ** 2"), r"models\[0\]\.args\[0\]: .*not allowed"),
        (("depth: hps.depth", "depth: model.depth"), r"models\[0\]\.kwargs\.depth: .*reads model"),
        (("class: Net", "class: 9Net"), r"models\[0\]\.class: '9Net' does not match"),
        (("    module: nets\n", ""), r"models\[0\]: 'module' is a required property"),
        (('files: ["*.py"]', "files: []"), r"files: \[\] should be non-empty"),
        (("name: tiny", "name: [tiny"), "is not valid YAML"),
    ],
)
def test_bad_profiles_are_refused_naming_the_key(edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in MINIMAL
    with pytest.raises(ProfileError, match=message):
        parse_profile(MINIMAL.replace(old, new), "tiny.yaml")


def test_unknown_profile_names_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"available: .*\bgpt-sovits\b"):
        load_profile("nope")
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile(str(tmp_path / "nope.yaml"))


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("GPT_SoVITS/**/*.py", "GPT_SoVITS/module/models.py", True),
        ("GPT_SoVITS/**/*.py", "GPT_SoVITS/webui.py", True),
        ("GPT_SoVITS/**/*.py", "tools/x.py", False),
        ("GPT_SoVITS/configs*/*.json", "GPT_SoVITS/configs_v2/s2.json", True),
        ("*.py", "GPT_SoVITS/x.py", False),
        ("*.py", "webui.py", True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).fullmatch(path)) is matches


def test_select_is_sorted() -> None:
    assert select(["b.py", "a.py", "c.txt"], ["*.py"]) == ["a.py", "b.py"]


EXTENDED = """
name: extended
files: ["**/*.py", "*.json"]
detect:
  - models.py
  - [infer-web.py, infer/module/models.py]
stub_modules: [config]
models:
  - name: net
    module: [infer.module.models, infer_pack.models]
    class: Net
    config: conf.json
    stub_modules: [monotonic_align.monotonic_align]
    kwargs:
      sr: {literal: "40k"}
      rate: {first: [hps.data.sample_rate, hps.data.sampling_rate]}
      use_f0: true
    inputs:
      - method: infer
        args: [{name: x, shape: [1, {first: [model.width, 4]}]}]
        outputs: [0]
      - method: infer
        args: [{name: x, shape: [1, 4]}, {name: y, shape: [1]}]
    variants:
      - name: nof0
        kwargs: {use_f0: false}
      - name: v2
        module: pkg.v2.models
        class: NetV2
        stub_modules: [config_v2]
      - name: v2-nof0
        class: NetV2
        kwargs: {use_f0: false}
        fallback: nof0
      - name: itself
        fallback: net
"""


def test_the_extended_format_follows_the_schema() -> None:
    validate(yaml.safe_load(EXTENDED), "profile")


def test_candidate_modules_and_stub_modules() -> None:
    profile = parse_profile(EXTENDED, "extended.yaml")
    models = {m.name: m for m in profile.models}
    net = models["net"]
    assert net.modules == ("infer.module.models", "infer_pack.models")
    assert net.module == "infer.module.models"  # the first candidate
    # the profile's stubs, then the model's; a variant adds its own
    assert profile.stub_modules == ("config",)
    assert net.stub_modules == ("config", "monotonic_align.monotonic_align")
    v2 = models["net@v2"]
    assert (v2.modules, v2.class_name) == (("pkg.v2.models",), "NetV2")
    assert v2.stub_modules == ("config", "monotonic_align.monotonic_align", "config_v2")
    assert models["net@nof0"].modules == net.modules


def test_detect_groups_are_met_by_any_of_their_paths() -> None:
    profile = parse_profile(EXTENDED, "extended.yaml")
    assert profile.detect == (("models.py",), ("infer-web.py", "infer/module/models.py"))
    assert profile.fits({"models.py", "infer-web.py"})
    assert profile.fits({"models.py", "infer/module/models.py"})
    assert not profile.fits({"models.py"})
    assert not profile.fits({"infer-web.py"})


def test_a_variants_kwargs_replace_or_join_the_models() -> None:
    models = {m.name: m for m in parse_profile(EXTENDED, "extended.yaml").models}

    def kwargs(name: str) -> dict[str, object]:
        return {
            k: t.literal if t.expression is None and not t.first else "…"
            for k, t in models[name].kwargs
        }

    assert kwargs("net") == {"sr": "40k", "rate": "…", "use_f0": True}
    assert kwargs("net@nof0") == {"sr": "40k", "rate": "…", "use_f0": False}
    assert models["net@nof0"].kwargs[2][1].key == "models[0].variants[0].kwargs.use_f0"


def test_fallbacks_name_a_variant_of_the_same_model_or_the_model() -> None:
    models = {m.name: m for m in parse_profile(EXTENDED, "extended.yaml").models}
    assert models["net@v2-nof0"].fallback == "net@nof0"
    assert models["net@itself"].fallback == "net"
    assert models["net@v2"].fallback is None  # the model it varies, by default
    with pytest.raises(ProfileError, match=r"variants\[2\]\.fallback: net has no variant 'v3'"):
        parse_profile(EXTENDED.replace("fallback: nof0", "fallback: v3"), "extended.yaml")
    cycle = EXTENDED.replace(
        "kwargs: {use_f0: false}\n      - name: v2\n",
        "kwargs: {use_f0: false}\n        fallback: v2-nof0\n      - name: v2\n",
    )
    with pytest.raises(ProfileError, match="fallback cycle: net@nof0 -> net@v2-nof0 -> net@nof0"):
        parse_profile(cycle, "extended.yaml")


def test_inputs_say_which_outputs_to_compare() -> None:
    net = parse_profile(EXTENDED, "extended.yaml").models[0]
    assert net.inputs is not None and net.inputs.outputs == (0,)
    assert net.alternatives[0].outputs is None  # every output
    width = net.inputs.args[0].shape[1]
    assert [t.key for t in width.first] == [
        "models[0].inputs[0].args[0].shape[1].first[0]",
        "models[0].inputs[0].args[0].shape[1].first[1]",
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("module: [infer.module.models, infer_pack.models]", "module: [a/b]"),
            r"models\[0\]\.module",
        ),
        (("outputs: [0]", "outputs: [-1]"), r"outputs\[0\]: -1 is less than the minimum"),
        (('sr: {literal: "40k"}', "sr: {literal: [40]}"), r"kwargs\.sr"),
        (("fallback: nof0", "fallback: [nof0]"), r"fallback: \['nof0'\] is not of type 'string'"),
    ],
)
def test_bad_extensions_are_refused_naming_the_key(edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in EXTENDED
    with pytest.raises(ProfileError, match=message):
        parse_profile(EXTENDED.replace(old, new), "extended.yaml")


def test_names_a_library_stopped_exporting_are_read_and_checked() -> None:
    text = MINIMAL.replace(
        'files: ["*.py"]', 'files: ["*.py"]\nexports:\n  torch.nn.functional: [typing.Tuple]'
    )
    assert parse_profile(text, "tiny.yaml").exports == {"torch.nn.functional": ("typing.Tuple",)}
    assert parse_profile(MINIMAL, "tiny.yaml").exports == {}
    shipped = load_profile("gpt-sovits").exports["torch.nn.functional"]
    assert "typing.Tuple" in shipped
    with pytest.raises(
        ProfileError, match=r"exports\.torch\.nn\.functional: \[\] should be non-empty"
    ):
        parse_profile(text.replace("[typing.Tuple]", "[]"), "tiny.yaml")

"""check: a checkpoint's shapes against state-dict maps (model and variant choice, prefixes,
outcomes)."""

from __future__ import annotations

from typing import Any

from auditor.checkpoints.check import check, shared_prefixes
from auditor.checkpoints.check_render import not_shipped
from auditor.checkpoints.checkpoint import Checkpoint, ContainerFormat, JSONValue, TensorInfo
from auditor.checkpoints.results import CheckOutcome, ChoiceBasis, KeyMapping, ModelChoice
from auditor.runtime.maps import ModelMap, StateMaps
from auditor.runtime.results import Rename, ShapeMismatch

SHA = "0" * 40
#: A few keys of GPT-SoVITS's SynthesizerTrn as built from s2.json (v1 symbol table).
SOVITS = {
    "enc_p.text_embedding.weight": (322, 192),
    "enc_p.ssl_proj.weight": (192, 768, 1),
    "enc_p.ssl_proj.bias": (192,),
    "ref_enc.spectral.0.weight": (128, 1025),
    "ref_enc.spectral.0.bias": (128,),
    "dec.conv_pre.weight": (512, 192, 7),
}
#: A few keys of the GPT stage's Text2SemanticDecoder.
GPT = {
    "ar_text_embedding.weight": (512, 512),
    "ar_audio_embedding.weight": (1025, 512),
    "ar_predict_layer.weight": (1025, 512),
}
HPS = {
    "data": {"filter_length": 2048, "n_speakers": 300, "exp_dir": "logs/a"},
    "train": {"segment_size": 20480, "learning_rate": 0.0001},
    "model": {"hidden_channels": 192, "gin_channels": 512},
}


def checkpoint(shapes: dict[str, tuple[int, ...]], config: JSONValue = None) -> Checkpoint:
    tensors = {key: TensorInfo("float16", shape) for key, shape in shapes.items()}
    return Checkpoint(ContainerFormat.TORCH_ZIP, None, tensors, config, ("weight", "config"))


def model_map(name: str, shapes: dict[str, tuple[int, ...]], **fields: Any) -> ModelMap:
    return ModelMap(name=name, class_name=name.title(), built=True, shapes=shapes, **fields)


def maps(*models: ModelMap) -> StateMaps:
    return StateMaps(".", "v2.0", SHA, "gpt-sovits", "meta", models)


def test_same_shapes_load() -> None:
    result = check(checkpoint(SOVITS), maps(model_map("sovits", SOVITS)))
    assert result.outcome is CheckOutcome.LOADS and result.loads
    assert result.comparison is not None
    assert result.comparison.model == "sovits"
    assert result.comparison.mapping == KeyMapping()
    assert (result.revision, result.sha, result.device) == ("v2.0", SHA, "meta")


def test_a_shape_mismatch_fails_to_load_even_with_missing_keys() -> None:
    wider = {**SOVITS, "enc_p.text_embedding.weight": (732, 192), "sv_emb.weight": (512, 20480)}
    result = check(checkpoint(SOVITS), maps(model_map("sovits", wider)))
    assert result.outcome is CheckOutcome.FAILS_TO_LOAD
    assert result.comparison is not None
    assert result.comparison.mismatches == (
        ShapeMismatch("enc_p.text_embedding.weight", (322, 192), (732, 192)),
    )
    assert result.comparison.missing_keys == ("sv_emb.weight",)
    assert result.comparison.unexpected_keys == ()


def test_keys_missing_from_an_inference_checkpoint_load_only_without_strict() -> None:
    model = {**SOVITS, "enc_q.pre.weight": (192, 1025, 1), "enc_q.pre.bias": (192,)}
    result = check(checkpoint(SOVITS), maps(model_map("sovits", model)))
    assert result.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS
    assert result.comparison is not None
    assert result.comparison.missing_keys == ("enc_q.pre.bias", "enc_q.pre.weight")


def test_keys_the_project_does_not_ship_are_absent_as_expected() -> None:
    model = {**SOVITS, "enc_q.pre.weight": (192, 1025, 1), "enc_q.pre.bias": (192,)}
    built = model_map("sovits", model, shipped_without=("enc_q.*", "never.*"))
    result = check(checkpoint(SOVITS), maps(built))
    assert result.outcome is CheckOutcome.LOADS and result.loads
    assert result.comparison is not None
    assert result.comparison.missing_keys == ()
    assert result.comparison.not_shipped == ("enc_q.pre.bias", "enc_q.pre.weight")
    assert result.models[0].missing_keys == 0
    assert not_shipped(result.comparison) == (
        "2 keys the project does not ship (enc_q.*) are absent, as expected"
    )


def test_keys_missing_beyond_those_not_shipped_still_count() -> None:
    model = {**SOVITS, "enc_q.pre.weight": (192, 1025, 1), "sv_emb.weight": (512, 20480)}
    built = model_map("sovits", model, shipped_without=("enc_q.*",))
    result = check(checkpoint(SOVITS), maps(built))
    assert result.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS
    assert result.comparison is not None
    assert result.comparison.missing_keys == ("sv_emb.weight",)
    assert result.comparison.not_shipped == ("enc_q.pre.weight",)
    assert result.models[0].missing_keys == 1


def test_keys_not_shipped_that_a_checkpoint_holds_are_compared() -> None:
    model = {**SOVITS, "enc_q.pre.bias": (192,)}
    built = model_map("sovits", model, shipped_without=("enc_q.*",))
    result = check(checkpoint({**SOVITS, "enc_q.pre.bias": (96,)}), maps(built))
    assert result.outcome is CheckOutcome.FAILS_TO_LOAD
    assert result.comparison is not None and result.comparison.not_shipped == ()


def test_a_renamed_submodule_is_named() -> None:
    renamed = {k.replace("ref_enc.", "ref_encoder."): v for k, v in SOVITS.items()}
    result = check(checkpoint(SOVITS), maps(model_map("sovits", renamed)))
    assert result.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS
    assert result.comparison is not None
    assert result.comparison.renames == (Rename("ref_enc", "ref_encoder", 2),)
    assert result.comparison.unexpected_keys == (
        "ref_enc.spectral.0.bias",
        "ref_enc.spectral.0.weight",
    )


def test_the_model_holding_most_keys_is_chosen_and_a_lightning_prefix_dropped() -> None:
    lightning = {f"model.{key}": shape for key, shape in GPT.items()}
    result = check(checkpoint(lightning), maps(model_map("sovits", SOVITS), model_map("gpt", GPT)))
    assert result.outcome is CheckOutcome.LOADS
    assert result.comparison is not None
    assert result.comparison.model == "gpt"
    assert result.comparison.mapping == KeyMapping(strip="model.")
    assert [(m.name, m.matched_keys, m.fraction) for m in result.models] == [
        ("sovits", 0, 0.0),
        ("gpt", 3, 1.0),
    ]


def test_a_prefix_every_model_key_has_is_added() -> None:
    wrapped = {f"net_g.{key}": shape for key, shape in SOVITS.items()}
    result = check(checkpoint(SOVITS), maps(model_map("sovits", wrapped)))
    assert result.outcome is CheckOutcome.LOADS
    assert result.comparison is not None
    assert result.comparison.mapping == KeyMapping(add="net_g.")


def test_a_prefix_that_makes_fewer_keys_match_is_not_used() -> None:
    only_enc_p = {k: v for k, v in SOVITS.items() if k.startswith("enc_p.")}
    result = check(checkpoint(only_enc_p), maps(model_map("sovits", SOVITS)))
    assert result.comparison is not None
    assert result.comparison.mapping == KeyMapping()
    assert result.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS


def test_no_model_holding_the_keys_cannot_be_checked() -> None:
    result = check(checkpoint(GPT), maps(model_map("sovits", SOVITS)))
    assert result.outcome is CheckOutcome.NO_MATCHING_MODEL
    assert not result.outcome.checked and result.comparison is None
    assert result.reason is not None
    assert "no model of profile gpt-sovits holds the checkpoint's keys" in result.reason
    assert "closest: sovits, 0%" in result.reason


def test_a_model_that_did_not_build_says_why() -> None:
    error = "runtime check unavailable: module transformers not installed"
    broken = ModelMap(name="sovits", class_name="SynthesizerTrn", built=False, error=error)
    result = check(checkpoint(SOVITS), maps(broken))
    assert result.outcome is CheckOutcome.BUILD_FAILED
    assert result.reason == f"sovits: {error}"


def test_config_differences_cover_only_the_keys_the_model_is_built_from() -> None:
    stored = {
        "data": {"filter_length": 2048, "n_speakers": 500, "exp_dir": "logs/b"},
        "train": {"segment_size": 20480, "learning_rate": 0.0002},
        "model": {"hidden_channels": 256, "gin_channels": 512, "extra": 1},
    }
    model = model_map(
        "sovits",
        SOVITS,
        hps=HPS,
        config="GPT_SoVITS/configs/s2.json",
        config_keys=("data.filter_length", "data.n_speakers", "model", "train.segment_size"),
    )
    result = check(checkpoint(SOVITS, stored), maps(model))
    assert result.comparison is not None
    differences = [(d.key, d.checkpoint, d.model) for d in result.comparison.config_differences]
    assert differences == [("data.n_speakers", 500, 300), ("model.hidden_channels", 256, 192)]


def test_shared_prefixes() -> None:
    assert shared_prefixes({"model.h.a": 1, "model.h.b": 1}) == ["model.", "model.h."]
    assert shared_prefixes({"model.a": 1, "model.b.c": 1}) == ["model."]
    assert shared_prefixes({"model.a": 1, "enc.b": 1}) == []
    assert shared_prefixes({"model": 1}) == []


#: SOVITS as v2 builds it: the reference encoder reads 704 spectrogram bins, not 1025.
SOVITS_V2 = {**SOVITS, "ref_enc.spectral.0.weight": (128, 704)}
#: SOVITS_V2 with v2Pro's speaker-verification projection.
SOVITS_PRO = {**SOVITS_V2, "sv_emb.weight": (512, 20480), "sv_emb.bias": (512,)}


def variant(name: str, shapes: dict[str, tuple[int, ...]], **fields: Any) -> ModelMap:
    base, _, tag = name.partition("@")
    return model_map(name, shapes, base=base, variant=tag, **fields)


def lacking(name: str, error: str) -> ModelMap:
    base, _, tag = name.partition("@")
    return ModelMap(
        name=name,
        class_name="SynthesizerTrn",
        built=False,
        error=error,
        not_applicable=True,
        base=base,
        variant=tag,
    )


def sovits_family() -> StateMaps:
    """The SoVITS stage as a GPT-SoVITS revision with v2Pro builds it, and the GPT stage."""
    return maps(
        model_map("sovits", SOVITS),
        variant("sovits@v1", SOVITS),
        variant("sovits@v2", SOVITS_V2),
        variant("sovits@v2Pro", SOVITS_PRO),
        lacking("sovits@v3", "module.models has no SynthesizerTrnV3 at this revision"),
        model_map("gpt", GPT),
        variant("gpt@v2", {**GPT, "ar_text_embedding.weight": (732, 512)}),
    )


def tagged(
    shapes: dict[str, tuple[int, ...]], tag: str | None, config: JSONValue = None
) -> Checkpoint:
    tensors = {key: TensorInfo("float16", shape) for key, shape in shapes.items()}
    return Checkpoint(ContainerFormat.TORCH_ZIP, tag, tensors, config, ("weight", "config"))


def test_the_version_tag_picks_the_variant() -> None:
    result = check(tagged(SOVITS, "00"), sovits_family())
    assert result.choice == ModelChoice(
        "sovits@v1",
        ChoiceBasis.VERSION_TAG,
        "the checkpoint's version tag 00 names v1: sovits@v1",
        "v1",
    )
    assert result.outcome is CheckOutcome.LOADS
    # the tag is followed even where the variant's shapes differ: that is the break to report
    result = check(tagged(SOVITS, "01"), sovits_family())
    assert result.choice is not None and result.choice.model == "sovits@v2"
    assert result.outcome is CheckOutcome.FAILS_TO_LOAD
    assert result.comparison is not None
    assert result.comparison.mismatches == (
        ShapeMismatch("ref_enc.spectral.0.weight", (128, 1025), (128, 704)),
    )


def test_the_stored_config_picks_the_variant() -> None:
    config: JSONValue = {"model": {"version": "v2Pro"}, "version": "v2Pro"}
    result = check(tagged(SOVITS_PRO, None, config), sovits_family())
    assert result.choice == ModelChoice(
        "sovits@v2Pro",
        ChoiceBasis.CONFIG,
        "the checkpoint's config model.version and config version name v2Pro: sovits@v2Pro",
        "v2Pro",
    )
    assert result.warnings == ()


def test_conflicting_evidence_follows_the_tag_and_warns() -> None:
    config: JSONValue = {"model": {"version": "v2"}}
    result = check(tagged(SOVITS_PRO, "05", config), sovits_family())
    assert result.choice is not None and result.choice.model == "sovits@v2Pro"
    assert result.choice.basis is ChoiceBasis.VERSION_TAG
    assert result.warnings == (
        "the checkpoint names more than one version (version tag 05 v2Pro, "
        "config model.version v2): the first is followed",
    )


def test_without_evidence_the_variant_whose_shapes_all_match_wins() -> None:
    result = check(checkpoint(SOVITS_V2), sovits_family())
    assert result.choice == ModelChoice(
        "sovits@v2",
        ChoiceBasis.KEYS_AND_SHAPES,
        "the best key and shape match: sovits@v2, holding 100% of its keys, every shape "
        "matching; next: sovits@v2Pro, holding 100% of its keys, every shape matching, "
        "2 model keys missing",
    )
    assert result.outcome is CheckOutcome.LOADS
    fits = {m.name: (m.matched_keys, m.mismatched_keys, m.missing_keys) for m in result.models}
    assert fits["sovits"] == (6, 1, 0) and fits["sovits@v2Pro"] == (6, 0, 2)
    assert fits["sovits@v3"] == (0, 0, 0) and fits["gpt"] == (0, 0, 3)


def test_ties_are_broken_by_the_profile_order() -> None:
    result = check(checkpoint(SOVITS), sovits_family())
    assert result.choice is not None and result.choice.model == "sovits"
    assert result.choice.reason == (
        "the best key and shape match: sovits, holding 100% of its keys, every shape matching "
        "(sovits@v1 fitting as well: the profile lists sovits first); next: sovits@v2, "
        "holding 100% of its keys, 1 shape differing"
    )
    reordered = maps(*reversed(sovits_family().models))
    again = check(checkpoint(SOVITS), reordered)
    assert again.choice is not None and again.choice.model == "sovits@v1"


def test_a_named_variant_the_revision_lacks_falls_back_to_the_best_fit() -> None:
    result = check(tagged(SOVITS, "02"), sovits_family())
    assert result.choice is not None and result.choice.model == "sovits"
    assert result.choice.basis is ChoiceBasis.KEYS_AND_SHAPES
    assert result.choice.reason.startswith(
        "the checkpoint's version tag 02 names v3, but sovits@v3 does not exist at this "
        "revision (module.models has no SynthesizerTrnV3 at this revision); the best key"
    )
    unknown = check(tagged(SOVITS, "00", {"version": "v9"}), maps(model_map("sovits", SOVITS)))
    assert unknown.choice is not None and unknown.choice.reason.startswith(
        "the checkpoint's version tag 00 names v1, but no model holding its keys has a "
        "variant v1; the checkpoint's config version names v9, but no model"
    )


def test_a_named_variant_that_does_not_build_cannot_be_checked() -> None:
    error = "runtime check unavailable: module x_transformers not installed"
    broken = ModelMap(
        name="sovits@v2Pro",
        class_name="SynthesizerTrn",
        built=False,
        error=error,
        unavailable=True,
        base="sovits",
        variant="v2Pro",
    )
    result = check(tagged(SOVITS_PRO, "05"), maps(model_map("sovits", SOVITS), broken))
    # told apart from a build that failed: a module is missing here, nothing broke
    assert result.outcome is CheckOutcome.UNAVAILABLE and result.choice is None
    assert not result.outcome.checked
    assert result.reason == (
        f"the checkpoint's version tag 05 names v2Pro, but sovits@v2Pro could not be built: {error}"
    )


def test_variants_a_revision_lacks_are_no_build_failure() -> None:
    result = check(checkpoint({"flow.x": (1,)}), sovits_family())
    assert result.outcome is CheckOutcome.NO_MATCHING_MODEL
    assert result.reason is not None and result.reason.startswith(
        "no model of profile gpt-sovits holds the checkpoint's keys (closest: sovits, 0%"
    )


def test_a_given_model_is_compared_whatever_fits_best() -> None:
    result = check(checkpoint(SOVITS_V2), sovits_family(), model="sovits")
    assert result.choice == ModelChoice(
        "sovits", ChoiceBasis.RANGE_BASE, "sovits, the checkpoint's model at the base of the range"
    )
    assert result.outcome is CheckOutcome.FAILS_TO_LOAD
    absent = check(checkpoint(SOVITS), sovits_family(), model="sovits@v3")
    assert absent.outcome is CheckOutcome.NO_MATCHING_MODEL and absent.choice is None
    assert absent.reason == (
        "sovits@v3, the checkpoint's model at the base of the range, is absent: "
        "module.models has no SynthesizerTrnV3 at this revision"
    )
    broken = maps(ModelMap(name="gpt", class_name="T2S", built=False, error="no yaml"))
    failed = check(checkpoint(GPT), broken, model="gpt")
    assert (failed.outcome, failed.reason) == (CheckOutcome.BUILD_FAILED, "gpt: no yaml")

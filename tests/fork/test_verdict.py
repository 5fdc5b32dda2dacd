"""Verdicts from the two tree-to-tree audits: effects, directions, merging, attribution."""

from __future__ import annotations

import pytest

from auditor.classify.concerns import MODEL_MAP, load_model_map
from auditor.classify.effects import Effect, Loads
from auditor.domain import Category, ChangeKind, Confidence, FactValue, Finding, Severity
from auditor.extract.python import Reach
from auditor.extract.python.values import ClassRef
from auditor.fork.report import Direction
from auditor.fork.verdict import decide, effect_of

MAP = load_model_map(MODEL_MAP)
PRESENT = ("SoVITS generator", "GPT stage")
UP, FORK, C1, C2 = "a" * 40, "b" * 40, "c" * 40, "d" * 40
S2 = "GPT_SoVITS/configs/s2.json"
MODELS = "GPT_SoVITS/module/models.py"


def finding(
    rule: str,
    severity: Severity,
    category: Category,
    key: str,
    old: FactValue,
    new: FactValue,
    *,
    file: str = S2,
    change: ChangeKind = ChangeKind.MODIFIED,
    commit: str = FORK,
) -> Finding:
    return Finding(
        id="0" * 16,
        rule=rule,
        change=change,
        commit=commit,
        parent=UP,
        file=file,
        line=1,
        severity=severity,
        confidence=Confidence.MEDIUM,
        category=category,
        parameter=key.rsplit(".", 1)[-1],
        key=key,
        old=old,
        new=new,
        message="",
        hint="",
    )


GIN = finding("MA101", Severity.CRITICAL, Category.TENSOR_SHAPE, "model.gin_channels", 512, 1024)
GIN_BACK = finding(
    "MA101", Severity.CRITICAL, Category.TENSOR_SHAPE, "model.gin_channels", 1024, 512
)
SV = "SynthesizerTrn.__init__.self.sv_emb"
SV_ADDED = finding(
    "MA501",
    Severity.MEDIUM,
    Category.STATE_DICT_KEYS,
    SV,
    None,
    "torch.nn.Linear",
    file=MODELS,
    change=ChangeKind.ADDED,
)
SV_REMOVED = finding(
    "MA502",
    Severity.MEDIUM,
    Category.STATE_DICT_KEYS,
    SV,
    "torch.nn.Linear",
    None,
    file=MODELS,
    change=ChangeKind.REMOVED,
)


@pytest.mark.parametrize(
    ("found", "effect"),
    [
        (GIN, Effect.SHAPE),
        (
            finding(
                "MA503", Severity.HIGH, Category.STATE_DICT_KEYS, "A.__init__.self.p", "x", "y"
            ),
            Effect.SHAPE,
        ),
        (
            finding(
                "MA110", Severity.HIGH, Category.INPUT_FEATURES, "data.sampling_rate", 32000, 48000
            ),
            Effect.INPUTS,
        ),
        (SV_ADDED, Effect.MISSING_KEYS),
        (SV_REMOVED, Effect.UNEXPECTED_KEYS),
        (
            finding(
                "MA120", Severity.MEDIUM, Category.STATE_DICT_KEYS, "model.use_sdp", True, False
            ),
            Effect.KEYS,
        ),
        (finding("MA302", Severity.MEDIUM, Category.CONFIG_FILE, S2, None, None), Effect.VARIANT),
        (
            finding("MA201", Severity.LOW, Category.DEPENDENCY, "torch", "==2.1", "==2.3"),
            Effect.CONTEXT,
        ),
        (finding("MA900", Severity.INFO, Category.TRAINING, "train.seed", 1, 2), None),
        (
            finding(
                "MA401", Severity.CRITICAL, Category.NEW_VARIANT, "model.gin_channels", 512, 1024
            ),
            None,
        ),
    ],
)
def test_effect_of(found: Finding, effect: Effect | None) -> None:
    assert effect_of(found) is effect


def test_a_shape_change_fails_both_ways_as_one_reason() -> None:
    (sovits, gpt) = decide([GIN], [GIN_BACK], MAP, PRESENT)
    assert (sovits.model, sovits.upstream_into_fork, sovits.fork_into_upstream) == (
        "SoVITS generator",
        Loads.NO,
        Loads.NO,
    )
    (reason,) = sovits.reasons
    assert (reason.direction, reason.upstream, reason.fork) == (Direction.BOTH, 512, 1024)
    assert reason.message == (
        "model.gin_channels: 512 upstream, 1024 in the fork: "
        "stored tensors differ in shape, so loading fails"
    )
    assert (gpt.model, gpt.compatible, gpt.reasons) == ("GPT stage", True, ())


def test_a_submodule_only_the_fork_has_is_missing_one_way_and_unexpected_the_other() -> None:
    (sovits, _) = decide([SV_ADDED], [SV_REMOVED], MAP, PRESENT)
    assert (sovits.upstream_into_fork, sovits.fork_into_upstream) == (
        Loads.NON_STRICT,
        Loads.NON_STRICT,
    )
    by_direction = {r.direction: r for r in sovits.reasons}
    missing = by_direction[Direction.UPSTREAM_INTO_FORK]
    unexpected = by_direction[Direction.FORK_INTO_UPSTREAM]
    assert (missing.effect, missing.keys) == (Effect.MISSING_KEYS, ("sv_emb.*",))
    assert (unexpected.effect, unexpected.keys) == (Effect.UNEXPECTED_KEYS, ("sv_emb.*",))
    assert (missing.upstream, missing.fork) == (unexpected.upstream, unexpected.fork)
    assert missing.fork == "torch.nn.Linear" and missing.upstream is None
    assert "upstream checkpoints lack its weights" in missing.message
    assert "the fork's checkpoints hold weights upstream has no place for" in unexpected.message


def test_a_config_only_upstream_has_is_a_variant_note_not_a_break() -> None:
    removed = finding(
        "MA302",
        Severity.MEDIUM,
        Category.CONFIG_FILE,
        "GPT_SoVITS/configs/s2v2Pro.json",
        None,
        None,
        file="GPT_SoVITS/configs/s2v2Pro.json",
        change=ChangeKind.FILE_REMOVED,
    )
    added = finding(
        "MA301",
        Severity.LOW,
        Category.CONFIG_FILE,
        "GPT_SoVITS/configs/s2v2Pro.json",
        None,
        None,
        file="GPT_SoVITS/configs/s2v2Pro.json",
        change=ChangeKind.FILE_ADDED,
    )
    (sovits, _) = decide([removed], [added], MAP, PRESENT)
    assert sovits.compatible
    assert [(r.direction, r.effect) for r in sovits.reasons] == [
        (Direction.UPSTREAM_INTO_FORK, Effect.VARIANT),
        (Direction.FORK_INTO_UPSTREAM, Effect.CONTEXT),
    ]
    assert sovits.reasons[0].message.startswith("GPT_SoVITS/configs/s2v2Pro.json only in upstream")


def test_a_difference_the_model_does_not_build_decides_nothing() -> None:
    modules = "GPT_SoVITS/f5_tts/model/modules.py"
    joint = "MMDiTBlock.__init__.self.ff_c"
    gone = finding(
        "MA502",
        Severity.MEDIUM,
        Category.STATE_DICT_KEYS,
        joint,
        "torch.nn.Linear",
        None,
        file=modules,
        change=ChangeKind.REMOVED,
    )
    root = ClassRef(MODELS, "SynthesizerTrn")
    tip = Reach((root,), {root: None}, {}, frozenset({root, ClassRef(modules, "MMDiTBlock")}))
    reaches = {("SynthesizerTrn*",): (tip, tip)}
    (sovits, _) = decide([gone, SV_REMOVED], [], MAP, PRESENT, reaches=reaches)
    assert sovits.unbuilt == ((modules, joint),)
    assert [r.key for r in sovits.reasons] == [SV]
    assert sovits.upstream_into_fork is Loads.NON_STRICT
    # without what the tips build, or for a finding of an entry without roots, it counts
    (sovits, _) = decide([gone], [], MAP, PRESENT)
    assert (sovits.unbuilt, sovits.upstream_into_fork) == ((), Loads.NON_STRICT)
    other = finding(
        "MA502",
        Severity.MEDIUM,
        Category.STATE_DICT_KEYS,
        "ERes2NetV2.__init__.self.conv1",
        "torch.nn.Conv2d",
        None,
        file="GPT_SoVITS/eres2net/ERes2NetV2.py",
        change=ChangeKind.REMOVED,
    )
    (sovits, _) = decide([other], [], MAP, PRESENT, reaches=reaches)
    assert (sovits.unbuilt, sovits.upstream_into_fork) == ((), Loads.NON_STRICT)


def test_findings_no_entry_matches_make_an_other_row() -> None:
    asr = finding(
        "MA110", Severity.HIGH, Category.INPUT_FEATURES, "SR", 16000, 8000, file="tools/asr.py"
    )
    verdicts = decide([asr], [], MAP, PRESENT)
    assert [(v.model, v.upstream_into_fork, v.fork_into_upstream) for v in verdicts] == [
        ("SoVITS generator", Loads.YES, Loads.YES),
        ("GPT stage", Loads.YES, Loads.YES),
        ("other", Loads.NO, Loads.YES),
    ]


def test_reasons_name_the_last_commit_of_each_side() -> None:
    fork_side = [
        finding(
            "MA101",
            Severity.CRITICAL,
            Category.TENSOR_SHAPE,
            "model.gin_channels",
            512,
            768,
            commit=C1,
        ),
        finding(
            "MA101",
            Severity.CRITICAL,
            Category.TENSOR_SHAPE,
            "model.gin_channels",
            768,
            1024,
            commit=C2,
        ),
    ]
    upstream_side = [
        finding(
            "MA101",
            Severity.CRITICAL,
            Category.TENSOR_SHAPE,
            "model.hidden_channels",
            1,
            2,
            commit=UP,
        )
    ]
    (sovits, _) = decide([GIN], [GIN_BACK], MAP, PRESENT, fork_side, upstream_side)
    assert (sovits.reasons[0].fork_commit, sovits.reasons[0].upstream_commit) == (C2, None)


def test_dependency_pins_concern_every_present_model() -> None:
    pin = finding(
        "MA201",
        Severity.LOW,
        Category.DEPENDENCY,
        "torch",
        "==2.1",
        "==2.3",
        file="requirements.txt",
    )
    verdicts = decide([pin], [], MAP, PRESENT)
    assert [(v.model, len(v.reasons), v.compatible) for v in verdicts] == [
        ("SoVITS generator", 1, True),
        ("GPT stage", 1, True),
    ]


def test_a_fork_without_the_model_code_is_not_compatible() -> None:
    removed = finding(
        "MA302",
        Severity.MEDIUM,
        Category.CONFIG_FILE,
        MODELS,
        None,
        None,
        file=MODELS,
        change=ChangeKind.FILE_REMOVED,
    )
    assert effect_of(removed) is Effect.MODEL_MISSING
    added_back = finding(
        "MA301",
        Severity.LOW,
        Category.CONFIG_FILE,
        MODELS,
        None,
        None,
        file=MODELS,
        change=ChangeKind.FILE_ADDED,
    )
    (sovits, *_) = decide([removed], [added_back], MAP, PRESENT)
    assert sovits.model == "SoVITS generator"
    assert sovits.upstream_into_fork is Loads.NO
    assert not sovits.compatible
    assert "the model's code is gone in the fork" in sovits.reasons[0].message


def test_a_second_vocoder_beside_the_first_is_not_a_swap() -> None:
    api = "api.py"
    added = finding(
        "MA114", Severity.LOW, Category.OTHER, "component.vocoder", ("HiFiGAN",),
        ("BigVGAN", "HiFiGAN"), file=api,
    )  # fmt: skip
    dropped = finding(
        "MA115", Severity.LOW, Category.OTHER, "component.vocoder", ("BigVGAN", "HiFiGAN"),
        ("HiFiGAN",), file=api,
    )  # fmt: skip
    assert effect_of(added) is Effect.CONTEXT
    verdicts = decide([added], [dropped], MAP, PRESENT)
    assert all(v.compatible for v in verdicts)

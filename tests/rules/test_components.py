"""A component added beside another, or one of several dropped, is not a swap; one of a new
role is a new input; a checkpoint of another model is a swap, a moved one a pointer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.classify.classifier import Classifier
from auditor.domain import Change, ChangeKind, FactKind
from auditor.extract.python import KnownComponent
from auditor.project_config import ProjectConfig
from auditor.rules import all_rules


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> Change:
    return Change(
        ChangeKind.MODIFIED,
        FactKind.ENCODER_IMPORT,
        "api.py",
        "component.vocoder",
        "vocoder",
        old,
        new,
        3,
    )


@pytest.mark.parametrize(
    ("old", "new", "rule", "severity"),
    [
        (("HiFiGAN",), ("BigVGAN", "HiFiGAN"), "MA114", "low"),
        (("BigVGAN", "HiFiGAN"), ("HiFiGAN",), "MA115", "low"),
        (("HiFiGAN",), ("BigVGAN",), "MA111", "high"),
        (("HiFiGAN", "NSF"), ("BigVGAN", "NSF"), "MA111", "high"),
    ],
)
def test_sets_of_components(
    old: tuple[str, ...], new: tuple[str, ...], rule: str, severity: str
) -> None:
    found = Classifier(all_rules(), ProjectConfig()).classify(_change(old, new), "a" * 40, "b" * 40)
    assert found is not None and (found.rule, found.severity.value) == (rule, severity)


def _classify(change: Change) -> tuple[str, str]:
    found = Classifier(all_rules(), ProjectConfig()).classify(change, "a" * 40, "b" * 40)
    assert found is not None
    return found.rule, found.severity.value


def _added(used_by: tuple[str, ...] = ()) -> Change:
    return Change(
        ChangeKind.ADDED,
        FactKind.ENCODER_IMPORT,
        "GPT_SoVITS/sv.py",
        "component.speaker-encoder",
        "speaker-encoder",
        None,
        ("ERes2Net",),
        4,
        used_by=used_by,
    )


def test_a_component_of_a_new_role_is_medium_and_high_when_wired_in() -> None:
    assert _classify(_added()) == ("MA119", "medium")
    assert _classify(_added(("GPT_SoVITS/inference_webui.py",))) == ("MA119", "high")
    found = Classifier(all_rules(), ProjectConfig()).classify(
        _added(("a.py", "b.py")), "a" * 40, "b" * 40
    )
    assert found is not None and "(imported by a.py and b.py)" in found.message


def test_a_new_component_is_explained_by_its_role() -> None:
    speaker = Classifier(all_rules(), ProjectConfig()).classify(_added(), "a" * 40, "b" * 40)
    vocoder = Classifier(all_rules(), ProjectConfig()).classify(
        replace(_added(), key="component.vocoder", parameter="vocoder", new=("BigVGAN",)),
        "a" * 40,
        "b" * 40,
    )
    assert speaker is not None and "speaker embedding" in speaker.message
    assert vocoder is not None and "turns the model's output into audio" in vocoder.message
    assert "features" not in vocoder.message.split(": ", 1)[1]


def _checkpoint(old: str, new: str) -> Change:
    return Change(
        ChangeKind.MODIFIED,
        FactKind.ENCODER_CHECKPOINT,
        "whisper/inference.py",
        "<main>.load_model.checkpoint",
        "checkpoint",
        old,
        new,
        66,
    )


@pytest.mark.parametrize(
    ("old", "new", "rule", "severity"),
    [
        ("whisper_pretrain/medium.pt", "whisper_pretrain/large-v2.pt", "MA117", "high"),
        ("hubert/hubert_base.pt", "contentvec/contentvec_base.pt", "MA117", "high"),
        ("hubert_base.pt", "assets/hubert/hubert_base.pt", "MA203", "low"),
        ("hubert/checkpoint_best_legacy_500.pt", "pretrain/checkpoint_best_legacy_500.pt",
         "MA203", "low"),
    ],
)  # fmt: skip
def test_a_checkpoint_of_another_model_is_a_swap_and_a_moved_one_a_pointer(
    old: str, new: str, rule: str, severity: str
) -> None:
    assert _classify(_checkpoint(old, new)) == (rule, severity)


def test_a_project_component_names_its_own_checkpoints() -> None:
    """A checkpoint path naming the project's own encoder, swapped for another: MA117 only
    once the project declares the encoder's words."""
    change = _checkpoint("pretrain/voxenc.pt", "pretrain/hubert.pt")
    assert _classify(change) != ("MA117", "high")
    own = ProjectConfig(
        components=(KnownComponent("VoxEnc", "content-encoder", ("VoxEnc",), ("voxenc",)),)
    )
    found = Classifier(all_rules(), own).classify(change, "a" * 40, "b" * 40)
    assert found is not None and (found.rule, found.severity.value) == ("MA117", "high")

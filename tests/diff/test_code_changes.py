"""Refining Python fact changes: renames paired, implied changes dropped, moves cancelled."""

from __future__ import annotations

from dataclasses import replace

from auditor.diff.code_changes import pair_renames, refine_code_changes
from auditor.domain import Change, ChangeKind, FactKind, FactValue

FILE = "GPT_SoVITS/module/models.py"


def change(kind: ChangeKind, key: str, value: FactValue, fact_kind: FactKind) -> Change:
    old, new = (value, None) if kind is ChangeKind.REMOVED else (None, value)
    leaf = key.rsplit(".", 1)[-1]
    return Change(kind, fact_kind, FILE, key, leaf, old, new, line=40)


def built(kind: ChangeKind, owner: str, attr: str, **args: FactValue) -> list[Change]:
    """A submodule ``MelStyleEncoder`` added or removed whole, with its arguments."""
    key = f"{owner}.__init__.self.{attr}"
    head = change(kind, key, "module.modules.MelStyleEncoder", FactKind.SUBMODULE)
    return [head] + [
        change(kind, f"{key}.{name}", value, FactKind.CONSTRUCTOR_ARG)
        for name, value in args.items()
    ]


REMOVED = built(ChangeKind.REMOVED, "SynthesizerTrn", "ref_enc", n_mel_channels=704)
ADDED = built(ChangeKind.ADDED, "SynthesizerTrn", "ref_encoder", n_mel_channels=704)


def test_a_rename_replaces_the_removal_the_addition_and_their_arguments() -> None:
    unrelated = change(ChangeKind.MODIFIED, "HIDDEN", 256, FactKind.CONSTANT)
    (kept, renamed) = refine_code_changes([*REMOVED, unrelated, *ADDED])
    assert kept == unrelated
    assert (renamed.kind, renamed.fact_kind, renamed.key, renamed.old, renamed.new) == (
        ChangeKind.RENAMED,
        FactKind.SUBMODULE,
        "SynthesizerTrn.__init__.self.ref_encoder",
        "ref_enc",
        "ref_encoder",
    )


def test_other_arguments_other_classes_and_new_variants_are_not_renames() -> None:
    wider = built(ChangeKind.ADDED, "SynthesizerTrn", "ref_encoder", n_mel_channels=1024)
    elsewhere = built(ChangeKind.ADDED, "TextEncoder", "ref_encoder", n_mel_channels=704)
    variant = [replace(c, variant_of="models.py:SynthesizerTrn") for c in ADDED]
    for added in (wider, elsewhere, variant):
        assert pair_renames([*REMOVED, *added]) == [*REMOVED, *added]


def test_a_value_type_counts_as_part_of_the_arguments() -> None:
    flag = built(ChangeKind.ADDED, "SynthesizerTrn", "ref_encoder", n_mel_channels=True)
    one = built(ChangeKind.REMOVED, "SynthesizerTrn", "ref_enc", n_mel_channels=1)
    assert pair_renames([*one, *flag]) == [*one, *flag]


def test_ambiguous_pairs_stay_as_they_are() -> None:
    twins = REMOVED + built(ChangeKind.REMOVED, "SynthesizerTrn", "ref_enc2", n_mel_channels=704)
    assert pair_renames([*twins, *ADDED]) == [*twins, *ADDED]


def _class(kind: ChangeKind, name: str, width: int = 512) -> list[Change]:
    """Class NAME (a vocoder) removed or added whole: a submodule and its argument."""
    key = f"{name}.__init__.self.conv_pre"
    return [
        change(kind, key, "torch.nn.Conv1d", FactKind.SUBMODULE),
        change(kind, f"{key}.out_channels", width, FactKind.CONSTRUCTOR_ARG),
    ]


def _uses(old: str, new: str) -> list[Change]:
    """The synthesizer's decoder and the file's vocoder component, from class OLD to NEW."""
    return [
        Change(
            ChangeKind.MODIFIED,
            FactKind.SUBMODULE,
            FILE,
            "SynthesizerTrn.__init__.self.dec",
            "dec",
            f"module.hifigan.{old}",
            f"module.hifigan.{new}",
            line=9,
        ),
        Change(
            ChangeKind.MODIFIED,
            FactKind.ENCODER_IMPORT,
            FILE,
            "component.vocoder",
            "vocoder",
            ("Generator (HiFi-GAN)",),
            ("NSF-HiFiGAN",),
            line=3,
        ),
    ]


def test_a_class_renamed_with_an_identical_body_is_no_change() -> None:
    renamed = [
        *_class(ChangeKind.REMOVED, "Generator"),
        *_class(ChangeKind.ADDED, "NSFHifiGANGenerator"),
        *_uses("Generator", "NSFHifiGANGenerator"),
    ]
    assert refine_code_changes(renamed) == []


def test_a_renamed_class_whose_body_changed_stays_a_change() -> None:
    changed = [
        *_class(ChangeKind.REMOVED, "Generator"),
        *_class(ChangeKind.ADDED, "NSFHifiGANGenerator", width=768),
        *_uses("Generator", "NSFHifiGANGenerator"),
    ]
    refined = refine_code_changes(changed)
    assert all(use in refined for use in _uses("Generator", "NSFHifiGANGenerator"))
    assert {c.key.split(".")[0] for c in refined} >= {"Generator", "NSFHifiGANGenerator"}


def test_an_attribute_that_keeps_one_of_its_alternatives_lost_the_other() -> None:
    key = "SynthesizerTrn.__init__.self.emb_g"
    retyped = Change(
        ChangeKind.MODIFIED, FactKind.SUBMODULE, FILE, key, "emb_g", "torch.nn.Linear",
        "torch.nn.Embedding", line=12,
    )  # fmt: skip
    second = change(ChangeKind.REMOVED, f"{key}@2", "torch.nn.Embedding", FactKind.SUBMODULE)
    (only,) = refine_code_changes([retyped, second])
    assert (only.kind, only.key, only.old, only.new) == (
        ChangeKind.REMOVED,
        f"{key}@2",
        "torch.nn.Linear",
        None,
    )
    # without the second alternative it is a change of type
    assert refine_code_changes([retyped]) == [retyped]

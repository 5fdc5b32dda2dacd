"""Components a change set starts to use: new files' components, and who imports them."""

from __future__ import annotations

from auditor.diff.components import components_added, is_component, with_users
from auditor.diff.facts import file_change
from auditor.domain import Change, ChangeKind, Fact, FactKind

SV = "GPT_SoVITS/sv.py"
SPEAKER = Fact(FactKind.ENCODER_IMPORT, "component.speaker-encoder", "speaker-encoder",
               ("ERes2Net",), 4)  # fmt: skip
CHECKPOINT = Fact(FactKind.ENCODER_CHECKPOINT, "SV.__init__.torch.load.checkpoint",
                  "checkpoint", "sv/eres2net.ckpt", 8)  # fmt: skip


def test_is_component() -> None:
    assert is_component(FactKind.ENCODER_IMPORT, "component.vocoder")
    assert not is_component(FactKind.CONFIG, "component.vocoder")
    assert not is_component(FactKind.ENCODER_CHECKPOINT, CHECKPOINT.key)


def test_each_component_of_a_new_file_is_added() -> None:
    added = file_change(ChangeKind.FILE_ADDED, SV, (SPEAKER, CHECKPOINT))
    assert components_added(added, ()) == [
        Change(
            ChangeKind.ADDED, FactKind.ENCODER_IMPORT, SV, "component.speaker-encoder",
            "speaker-encoder", None, ("ERes2Net",), 4,
        )
    ]  # fmt: skip


def test_a_component_its_folder_already_used_is_not_added() -> None:
    added = file_change(ChangeKind.FILE_ADDED, "module/models_onnx.py", (SPEAKER,))
    known = Fact(SPEAKER.kind, SPEAKER.key, SPEAKER.parameter, ("CAMPPlus", "ERes2Net"), 9)
    assert components_added(added, [known]) == []
    other = Fact(SPEAKER.kind, SPEAKER.key, SPEAKER.parameter, ("CAMPPlus",), 9)
    assert len(components_added(added, [other])) == 1


def test_components_added_learn_who_imports_their_file() -> None:
    added = components_added(file_change(ChangeKind.FILE_ADDED, SV, (SPEAKER,)), ())
    modified = Change(ChangeKind.MODIFIED, FactKind.CONFIG, "s2.json", "model.x", "x", 1, 2)
    asked: list[str] = []

    def importers(path: str) -> tuple[str, ...]:
        asked.append(path)
        return ("GPT_SoVITS/inference_webui.py",)

    found = with_users([*added, modified], importers, lambda path, key: frozenset())
    assert found[0].used_by == ("GPT_SoVITS/inference_webui.py",)
    assert found[1] == modified
    assert asked == [SV]
    assert with_users(added, lambda path: (), lambda path, key: frozenset())[0].used_by == ()


def test_a_component_an_importer_used_before_only_moved() -> None:
    added = components_added(file_change(ChangeKind.FILE_ADDED, SV, (SPEAKER,)), ())

    def used_before(path: str, key: str) -> frozenset[str]:
        return frozenset({"ERes2Net"}) if key == SPEAKER.key else frozenset()

    assert with_users(added, lambda path: ("models.py",), used_before) == []

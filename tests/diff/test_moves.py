"""Files moved and rewritten between two trees: paired by their facts, deterministically."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.diff.moves import pair_moved_files
from auditor.domain import Fact, FactKind, FactValue
from auditor.history import FileChange

S1 = {"model.vocab_size": 1025, "model.head": 16, "model.n_layer": 24, "train.epochs": 20}
S2 = {"model.hidden_channels": 192, "model.gin_channels": 512, "data.sampling_rate": 32000}


def removed(path: str, blob: str) -> FileChange:
    return FileChange("D", path, None, blob, None)


def added(path: str, blob: str) -> FileChange:
    return FileChange("A", None, path, None, blob)


def facts_of(contents: dict[str, dict[str, FactValue]]) -> Callable[[str, str], Sequence[Fact]]:
    """Facts per blob: CONTENTS maps a blob to its keys and values."""

    def read(path: str, blob: str) -> Sequence[Fact]:
        return [
            Fact(FactKind.CONFIG, key, key, value, 1)
            for key, value in contents.get(blob, {}).items()
        ]

    return read


def kind_of(path: str) -> str | None:
    return path.rpartition(".")[2] if path.endswith((".yaml", ".json", ".py")) else None


def pair(
    changes: list[FileChange], contents: dict[str, dict[str, FactValue]]
) -> list[tuple[str, str | None, str | None]]:
    read = facts_of(contents)
    return [
        (c.status, c.old_path, c.new_path) for c in pair_moved_files(changes, kind_of, read, read)
    ]


def test_a_moved_file_whose_facts_agree_is_one_rename() -> None:
    changes = [
        removed("configs/s1longer.yaml", "a"),
        added("configs_v2/s1longer.yaml", "b"),
        FileChange("M", "webui.py", "webui.py", "c", "d"),
    ]
    contents = {"a": S1, "b": {**S1, "model.vocab_size": 2049}}
    assert pair(changes, contents) == [
        ("R", "configs/s1longer.yaml", "configs_v2/s1longer.yaml"),
        ("M", "webui.py", "webui.py"),
    ]
    (moved, _) = pair_moved_files(changes, kind_of, facts_of(contents), facts_of(contents))
    assert (moved.old_blob, moved.new_blob) == ("a", "b")


def test_files_whose_keys_differ_stay_removed_and_added() -> None:
    changes = [removed("configs/s1longer.yaml", "a"), added("configs_v2/s2.yaml", "b")]
    assert pair(changes, {"a": S1, "b": S2}) == [
        ("D", "configs/s1longer.yaml", None),
        ("A", None, "configs_v2/s2.yaml"),
    ]
    # At least half of all the keys of either side must be shared.
    extra = {f"extra.k{i}": i for i in range(5)}
    four = dict(list(extra.items())[:4])
    assert pair(changes, {"a": S1, "b": {**S1, **four}})[0][0] == "R"  # 4 of 8
    assert pair(changes, {"a": S1, "b": {**S1, **extra}})[0][0] == "D"  # 4 of 9
    assert pair(changes, {"a": {**S1, **four}, "b": S1})[0][0] == "R"


def test_only_files_of_one_extractor_pair() -> None:
    changes = [removed("configs/s1longer.yaml", "a"), added("configs_v2/s1longer.json", "b")]
    assert [status for status, *_ in pair(changes, {"a": S1, "b": S1})] == ["D", "A"]


def test_the_same_name_comes_first_then_the_family_then_the_overlap() -> None:
    changes = [
        removed("configs/s1longer.yaml", "a"),
        added("configs_v2/s1big.yaml", "big"),
        added("configs_v2/s1longer-v2.yaml", "family"),
        added("configs_v2/s1longer.yaml", "same"),
    ]
    # s1big shares every key, the others one key fewer: the name still wins
    fewer = {k: v for k, v in list(S1.items())[:3]}
    contents = {"a": S1, "big": S1, "family": fewer, "same": fewer}
    assert ("R", "configs/s1longer.yaml", "configs_v2/s1longer.yaml") in pair(changes, contents)
    without_same = changes[:3]
    assert ("R", "configs/s1longer.yaml", "configs_v2/s1longer-v2.yaml") in pair(
        without_same, contents
    )
    by_overlap = [removed("configs/s1longer.yaml", "a"), *changes[1:2], added("x/other.yaml", "f")]
    assert ("R", "configs/s1longer.yaml", "configs_v2/s1big.yaml") in pair(
        by_overlap, {**contents, "f": fewer}
    )


def test_each_file_is_paired_once_and_unreadable_files_not_at_all() -> None:
    changes = [
        removed("a/s1.yaml", "a"),
        removed("b/s1.yaml", "b"),
        added("c/s1.yaml", "c"),
        removed("d/s2.yaml", "empty"),
        added("e/s2.yaml", "empty"),
    ]
    contents = {"a": S1, "b": {**S1, "model.head": 8}, "c": S1}
    assert pair(changes, contents) == [
        ("D", "b/s1.yaml", None),
        ("R", "a/s1.yaml", "c/s1.yaml"),
        ("D", "d/s2.yaml", None),
        ("A", None, "e/s2.yaml"),
    ]


def test_files_of_unrelated_names_need_several_shared_keys() -> None:
    # Two inference scripts that each name a vocoder share one generic key: not one file.
    changes = [removed("api.py", "a"), added("GPT_SoVITS/BigVGAN/inference.py", "b")]
    vocoder = {"component.vocoder": ["BigVGAN", "Generator (HiFi-GAN)"]}
    assert [s for s, *_ in pair(changes, {"a": vocoder, "b": {"component.vocoder": []}})] == [
        "D",
        "A",
    ]
    # The same single key under one file name is evidence enough.
    same = [removed("api.py", "a"), added("tools/api.py", "b")]
    assert pair(same, {"a": vocoder, "b": vocoder})[0][0] == "R"
    # Unrelated names sharing four keys pair.
    renamed = [removed("configs/s1longer.yaml", "a"), added("x/other.yaml", "b")]
    assert pair(renamed, {"a": S1, "b": S1})[0][0] == "R"

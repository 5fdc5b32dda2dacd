from auditor.diff.facts import diff_facts, file_change
from auditor.domain import Change, ChangeKind, Fact, FactKind


def fact(key: str, value: object, line: int = 1) -> Fact:
    return Fact(FactKind.CONFIG, key, key.rsplit(".", 1)[-1], value, line)  # type: ignore[arg-type]


def test_modified_added_and_removed_keys_sorted_by_key() -> None:
    old = [fact("model.gin_channels", 512, 3), fact("train.seed", 1234, 9)]
    new = [fact("model.gin_channels", 1024, 4), fact("model.ssl_dim", 768, 5)]
    assert diff_facts(old, new, file="s2.json") == [
        Change(
            ChangeKind.MODIFIED,
            FactKind.CONFIG,
            "s2.json",
            "model.gin_channels",
            "gin_channels",
            512,
            1024,
            4,
        ),
        Change(
            ChangeKind.ADDED, FactKind.CONFIG, "s2.json", "model.ssl_dim", "ssl_dim", None, 768, 5
        ),
        Change(ChangeKind.REMOVED, FactKind.CONFIG, "s2.json", "train.seed", "seed", 1234, None, 9),
    ]


def test_same_values_on_other_lines_are_no_change() -> None:
    old = [fact("model.gin_channels", 512, 3), fact("model.upsample_rates", (10, 8), 4)]
    new = [fact("model.upsample_rates", (10, 8), 40), fact("model.gin_channels", 512, 30)]
    assert diff_facts(old, new, file="s2.json") == []


def test_type_changes_count_even_when_python_equates_them() -> None:
    changes = diff_facts([fact("model.use_sdp", 1)], [fact("model.use_sdp", True)], file="c.json")
    assert [(c.old, c.new) for c in changes] == [(1, True)]


def test_renamed_file_keeps_its_old_path() -> None:
    [change] = diff_facts([fact("a", 1)], [fact("a", 2)], file="new/s2.json", old_file="s2.json")
    assert (change.file, change.old_file) == ("new/s2.json", "s2.json")


def test_file_change_holds_sorted_facts() -> None:
    change = file_change(ChangeKind.FILE_ADDED, "configs/s2v2.json", [fact("b", 1), fact("a", 2)])
    assert change.kind is ChangeKind.FILE_ADDED
    assert change.key == "configs/s2v2.json"
    assert change.parameter == "s2v2.json"
    assert [f.key for f in change.facts] == ["a", "b"]

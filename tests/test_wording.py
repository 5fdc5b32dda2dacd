"""How changes are said: one form naming the change, one for a cell beside its key."""

from __future__ import annotations

import pytest

from auditor.domain import ChangeKind
from auditor.wording import (
    between_sides,
    counted,
    how_changed,
    key_rename,
    listed,
    shape_change,
    value_text,
    what_changed,
)

KEY = "SynthesizerTrn.__init__.self.ref_enc"


def code(text: str) -> str:
    return f"`{text}`"


@pytest.mark.parametrize(
    ("kind", "key", "old", "new", "said"),
    [
        (ChangeKind.MODIFIED, "model.gin_channels", 512, 1024, "model.gin_channels: 512 → 1024"),
        (ChangeKind.ADDED, "model.use_sdp", None, True, "model.use_sdp added: true"),
        (ChangeKind.REMOVED, "data.n_speakers", 8, None, "data.n_speakers removed (was 8)"),
        (
            ChangeKind.RENAMED,
            "SynthesizerTrn.__init__.self.ref_encoder",
            "ref_enc",
            "ref_encoder",
            "SynthesizerTrn: submodule likely renamed ref_enc → ref_encoder "
            "(checkpoint keys ref_enc.* become ref_encoder.*)",
        ),
        (
            ChangeKind.MODIFIED,
            "upsample_rates",
            [8, 8],
            [10, 8],
            "upsample_rates: [8, 8] → [10, 8]",
        ),
    ],
)
def test_what_changed_names_the_change(
    kind: ChangeKind, key: str, old: object, new: object, said: str
) -> None:
    assert what_changed(kind, key, old, new) == said  # type: ignore[arg-type]


def test_file_changes_list_their_files_and_may_count_values() -> None:
    added = what_changed(ChangeKind.FILE_ADDED, "", None, None, files=("a.json",), values=3)
    assert added == "a.json added (3 values)"
    removed = what_changed(
        ChangeKind.FILE_REMOVED, "", None, None, files=("a.json", "b.json", "c.json"), span=code
    )
    assert removed == "`a.json`, `b.json` and `c.json` removed"


def test_span_wraps_keys_and_values() -> None:
    said = what_changed(ChangeKind.MODIFIED, "model.hidden_channels", 192, 256, span=code)
    assert said == "`model.hidden_channels`: `192` → `256`"


@pytest.mark.parametrize(
    ("kind", "old", "new", "runtime", "said"),
    [
        (ChangeKind.MODIFIED, 192, 256, False, "192 → 256"),
        (ChangeKind.MODIFIED, None, 256, False, "— → 256"),
        (ChangeKind.MODIFIED, None, None, True, "differs at runtime"),
        (ChangeKind.ADDED, None, "x", False, 'added, "x"'),
        (ChangeKind.REMOVED, 3, None, False, "removed, was 3"),
        (
            ChangeKind.RENAMED,
            "ref_enc",
            "ref_encoder",
            False,
            "likely renamed ref_enc → ref_encoder",
        ),
        (ChangeKind.FILE_ADDED, None, None, False, "file added"),
        (ChangeKind.FILE_REMOVED, None, None, False, "file removed"),
    ],
)
def test_how_changed_leaves_the_key_out(
    kind: ChangeKind, old: object, new: object, runtime: bool, said: str
) -> None:
    assert how_changed(kind, old, new, runtime=runtime) == said  # type: ignore[arg-type]


def test_a_rename_reads_the_same_in_both_forms() -> None:
    full = what_changed(ChangeKind.RENAMED, KEY, "ref_enc", "ref_encoder")
    cell = how_changed(ChangeKind.RENAMED, "ref_enc", "ref_encoder")
    assert cell in full


def test_between_sides_names_upstream_and_the_fork() -> None:
    values = {"upstream": 512, "the fork": 1024}
    said = between_sides(
        ChangeKind.MODIFIED, "s2.json", "model.gin_channels", values, "upstream", "the fork"
    )
    assert said == "model.gin_channels: 512 upstream, 1024 in the fork"
    only = between_sides(ChangeKind.ADDED, "m.py", "X.emo", {"the fork": 7}, "upstream", "the fork")
    assert only == "X.emo only in the fork (7)"
    gone = between_sides(ChangeKind.FILE_REMOVED, "m.py", "", {}, "the fork", "upstream")
    assert gone == "m.py only in the fork"


def test_runtime_phrases_and_counts() -> None:
    assert (
        shape_change("emb.weight", (322, 192), (732, 192)) == "emb.weight [322, 192] -> [732, 192]"
    )
    assert (
        key_rename("ref_enc", "ref_encoder", 12)
        == "likely rename ref_enc -> ref_encoder (12 tensors)"
    )
    assert counted(1, "shape mismatch") == "1 shape mismatch"
    assert counted(2, "shape mismatch") == "2 shape mismatches"
    assert counted(3, "tensor") == "3 tensors"
    assert listed(["a"]) == "a"
    assert listed(["a", "b"]) == "a and b"


def test_unresolved_values_read_as_their_expression() -> None:
    assert value_text("<expr:len(symbols)>") == "len(symbols)"
    assert value_text("<param:hidden_channels>") == "hidden_channels"
    assert value_text(["<expr:a * 2>", 3, "x"]) == '[a * 2, 3, "x"]'
    assert value_text("<not a placeholder") == '"<not a placeholder"'
    assert what_changed(ChangeKind.MODIFIED, "emb.rows", "<expr:len(symbols)>", 732) == (
        "emb.rows: len(symbols) → 732"
    )

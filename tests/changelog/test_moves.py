"""Values that moved between sections of a file, unchanged, fold into one line."""

from __future__ import annotations

from auditor.changelog.contents import Entry
from auditor.changelog.markdown import entry_block
from auditor.changelog.moves import Move, fold_moves
from auditor.domain import ChangeKind
from tests.changelog.helpers import entry

PRESET = "configs/tts_infer.yaml"


def _removed(key: str, value: str, commits: tuple[str, ...] = ("a",)) -> Entry:
    return entry(key, change=ChangeKind.REMOVED, old=value, new=None, file=PRESET, commits=commits)


def _added(key: str, value: str, commits: tuple[str, ...] = ("a",)) -> Entry:
    return entry(key, change=ChangeKind.ADDED, old=None, new=value, file=PRESET, commits=commits)


def test_keys_moved_between_sections_pair_up_by_name_and_value() -> None:
    entries = [
        _removed("default.bert_path", "roberta"),
        _added("v1.bert_path", "roberta"),
        _removed("default.vits_path", "s2G.pth"),
        _added("v1.vits_path", "s2G.pth"),
        _added("v3.vits_path", "s2Gv3.pth"),
        _removed("default.t2s_path", "old.ckpt"),
        _added("v1.t2s_path", "new.ckpt"),  # another value: not a move
        _removed("default.sr", "32000", commits=("b",)),
        _added("v1.sr", "32000"),  # another commit: not a move
    ]
    folded = fold_moves(entries)
    move = folded[0]
    assert isinstance(move, Move) and (move.old, move.new) == ("default", "v1")
    assert move.names == ("bert_path", "vits_path")
    rest = [item.key for item in folded[1:] if not isinstance(item, Move)]
    assert rest == ["v3.vits_path", "default.t2s_path", "v1.t2s_path", "default.sr", "v1.sr"]


def test_a_group_of_changes_says_a_move_in_one_line() -> None:
    entries = [
        _removed("default.bert_path", "roberta"),
        _added("v1.bert_path", "roberta"),
        _removed("default.vits_path", "s2G.pth"),
        _added("v1.vits_path", "s2G.pth"),
        _removed("default_v2.vits_path", "s2G2333k.pth"),
        _added("v2.vits_path", "s2G2333k.pth"),
    ]
    lines = entry_block(entries, None)
    assert lines[0].startswith("- 6 changes. Why:")
    assert lines[2].startswith(
        "  - `default.*` → `v1.*`: `bert_path` and `vits_path` moved, values unchanged in "
        "`configs/tts_infer.yaml:3`"
    )
    assert lines[3].startswith(
        '  - `default_v2.vits_path` → `v2.vits_path`, value unchanged (`"s2G2333k.pth"`) in '
    )
    assert len(lines) == 4

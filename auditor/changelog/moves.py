"""Values that moved inside a file, unchanged, read as one line.

A preset file reorganised (``default:`` renamed ``v1:``) reads as each key removed from one
section and added to another with the same value: twice as many lines as keys, none of
them a change of a value. :func:`fold_moves` pairs each removed key with the key of the
same name added, in the same file and commits, holding the value it held, and groups the
pairs by the sections they moved between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.changelog.contents import Entry
from auditor.domain import ChangeKind
from auditor.wording import value_text


@dataclass(frozen=True)
class Move:
    """Keys moved from section ``old`` to section ``new`` of one file, values unchanged:
    ``pairs`` are (removed entry, added entry), in order."""

    old: str
    new: str
    pairs: tuple[tuple[Entry, Entry], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(added.key.rsplit(".", 1)[-1] for _, added in self.pairs)


def fold_moves(entries: Sequence[Entry]) -> list[Entry | Move]:
    """ENTRIES in order, pairs of moved values folded into :class:`Move` (at the place of
    the first removed entry of each)."""
    added = [e for e in entries if e.change is ChangeKind.ADDED and "." in e.key]
    partner: dict[int, Entry] = {}
    taken: set[int] = set()
    for removed in entries:
        if removed.change is not ChangeKind.REMOVED or "." not in removed.key:
            continue
        for candidate in added:
            if id(candidate) not in taken and _moved(removed, candidate):
                partner[id(removed)] = candidate
                taken.add(id(candidate))
                break
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[tuple[Entry, Entry]]] = {}
    out: list[Entry | tuple[str, str, str, tuple[str, ...]]] = []
    for entry in entries:
        if id(entry) in taken:
            continue
        new = partner.get(id(entry))
        if new is None:
            out.append(entry)
            continue
        key = (_section(entry.key), _section(new.key), _file(entry), _commits(entry))
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append((entry, new))
    return [
        item if isinstance(item, Entry) else Move(item[0], item[1], tuple(groups[item]))
        for item in out
    ]


def _moved(removed: Entry, added: Entry) -> bool:
    return (
        removed.key.rsplit(".", 1)[-1] == added.key.rsplit(".", 1)[-1]
        and _section(removed.key) != _section(added.key)
        and _file(removed) == _file(added)
        and _commits(removed) == _commits(added)
        and value_text(removed.old) == value_text(added.new)
    )


def _section(key: str) -> str:
    return key.rsplit(".", 1)[0]


def _file(entry: Entry) -> str:
    return entry.locations[0].file if entry.locations else ""


def _commits(entry: Entry) -> tuple[str, ...]:
    return tuple(commit.sha for commit in entry.commits)

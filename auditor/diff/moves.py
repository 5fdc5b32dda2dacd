"""Files moved and rewritten between two trees, paired by what they say rather than by text.

Git pairs a deleted path and an added one as a rename when their text is similar enough.
Two revisions far apart can hold a config that was moved to another folder and, later,
re-indented (``configs/s1longer.yaml`` → ``configs_v2/s1longer.yaml``): little text is
shared, so git sees one file removed and another added, and a real value change inside it is
lost among "file removed" and "file added". After git's detection, a removed and an added
file read by the same extractor are compared as one file moved when their facts largely
agree: pairs with the same file name first, then names of the same family (``s1longer`` and
``s1longer-v2``), then any name; within each, the pair sharing the most fact keys, then the
most equal values, then the paths in order. A pair must share at least ``MIN_SHARED`` of the
keys of either side, and two files of unrelated names at least ``MIN_KEYS_RENAMED`` keys:
a handful of generic facts (``component.vocoder`` in two inference scripts) says nothing
about where a file went. The result is deterministic.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from auditor.diff.siblings import variant_name
from auditor.domain import Fact, FactValue
from auditor.history import FileChange

#: The share of the keys of either version that both versions of one moved file hold.
MIN_SHARED = 0.5
#: The fact keys two files of unrelated names must share to be read as one file moved.
MIN_KEYS_RENAMED = 4

#: The facts of one side of a change: (path, blob) → facts (empty when unreadable).
FactsOf = Callable[[str, str], Sequence[Fact]]
#: Which extractor reads a path (``json``, ``yaml``, ``python``…), None when none does.
KindOf = Callable[[str], str | None]


@dataclass(frozen=True)
class _Side:
    change: FileChange
    path: str
    kind: str
    facts: dict[str, FactValue]


def pair_moved_files(
    changes: Iterable[FileChange], kind_of: KindOf, old_facts: FactsOf, new_facts: FactsOf
) -> tuple[FileChange, ...]:
    """CHANGES with each removed file and the added file it was moved to as one rename."""
    changes = tuple(changes)
    removed = _sides(changes, "D", kind_of, old_facts)
    added = _sides(changes, "A", kind_of, new_facts)
    ranked = sorted(
        (
            (rank, old, new)
            for old in removed
            for new in added
            if old.kind == new.kind and (rank := _rank(old, new)) is not None
        ),
        key=lambda candidate: candidate[0],
    )
    paired: dict[int, FileChange] = {}
    used: set[int] = set()
    for _, old, new in ranked:
        if id(old.change) in used or id(new.change) in used:
            continue
        used |= {id(old.change), id(new.change)}
        paired[id(new.change)] = replace(
            new.change, status="R", old_path=old.path, old_blob=old.change.old_blob
        )
    if not paired:
        return changes
    kept = [paired.get(id(c), c) for c in changes if id(c) not in used or id(c) in paired]
    kept.sort(key=lambda change: (change.path, change.old_path or ""))
    return tuple(kept)


def _sides(
    changes: Sequence[FileChange], status: str, kind_of: KindOf, facts_of: FactsOf
) -> list[_Side]:
    sides = []
    for change in changes:
        if change.status != status:
            continue
        path = change.old_path if status == "D" else change.new_path
        blob = change.old_blob if status == "D" else change.new_blob
        kind = kind_of(path) if path is not None else None
        if path is None or blob is None or kind is None:
            continue
        facts = {fact.key: fact.value for fact in facts_of(path, blob)}
        if facts:
            sides.append(_Side(change, path, kind, facts))
    return sides


def _rank(old: _Side, new: _Side) -> tuple[int, float, float, str, str] | None:
    """How well NEW continues OLD (lower is better), None when their keys differ too much."""
    shared = old.facts.keys() & new.facts.keys()
    share = len(shared) / len(old.facts.keys() | new.facts.keys())
    if share < MIN_SHARED:
        return None
    tier = _name_tier(old.path, new.path)
    if tier == 2 and len(shared) < MIN_KEYS_RENAMED:
        return None
    equal = sum(1 for key in shared if old.facts[key] == new.facts[key]) / len(shared)
    return (tier, -share, -equal, old.path, new.path)


def _name_tier(old: str, new: str) -> int:
    """0: the same file name; 1: names of one family (a version apart); 2: other names."""
    old_name, new_name = posixpath.basename(old), posixpath.basename(new)
    if old_name == new_name:
        return 0
    old_stem, new_stem = posixpath.splitext(old_name)[0], posixpath.splitext(new_name)[0]
    if variant_name(new_stem, [old_stem]) or variant_name(old_stem, [new_stem]):
        return 1
    return 2

"""The Python fact changes of one comparison, read as the changes people make.

- A submodule that disappears from one attribute while one of the same class, built with the
  same arguments, appears on another attribute of the same ``__init__`` was most likely
  renamed (``self.ref_enc`` → ``self.ref_encoder``): one ``renamed`` change instead of a
  removal and an addition with all their arguments. Only unambiguous pairs are paired.
- Changes that another change implies are left out: the content of a table whose length
  changed, and the arguments of a submodule added or removed whole.
- Code moved between files is no change.
- An attribute assigned on several branches (``self.emb_g = nn.Linear(…)`` under ``if
  use_se:``, ``nn.Embedding(…)`` otherwise: keys ``emb_g`` and ``emb_g@2``) that keeps only
  one of its alternatives lost the others; it did not change type. The change of ``emb_g``
  from the first alternative to the one kept is read as the other alternative removed.
- A class renamed with an identical body (``Generator`` → ``NSFHifiGANGenerator``) is no
  change: state-dict keys follow attribute names, not class names. Its removal and addition
  are dropped, and so are the submodules that now name the new class and the components that
  the two names identify.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from auditor.domain import Change, ChangeKind, FactKind, FactValue
from auditor.extract.python.class_facts import BUILT_IF
from auditor.extract.python.components import builtin_components
from auditor.rules.code import FINGERPRINT

#: Where the attribute path of a submodule key starts (``SynthesizerTrn.__init__.self.enc_p``).
SELF = ".self."
_ATTRIBUTE = re.compile(r"[A-Za-z_]\w*")


def refine_code_changes(changes: list[Change]) -> list[Change]:
    """Class renames cancelled, renames paired, implied changes dropped, moves between files
    cancelled."""
    refined = pair_renames(cancel_class_renames(alternatives_dropped(changes)))
    return _cancel_moves(_drop_implied(refined))


def alternatives_dropped(changes: list[Change]) -> list[Change]:
    """``emb_g``: Linear → Embedding with ``emb_g@2`` (Embedding) removed becomes ``emb_g``'s
    Linear alternative removed (see the module doc); its arguments follow the same way."""
    removed = {(c.file, c.key): c for c in changes if c.kind is ChangeKind.REMOVED}
    swapped: dict[int, Change | None] = {}
    for change in changes:
        if change.kind is not ChangeKind.MODIFIED or change.fact_kind is not FactKind.SUBMODULE:
            continue
        if "@" in change.key.rpartition(SELF)[2]:
            continue
        for index in range(2, 9):
            other = removed.get((change.file, f"{change.key}@{index}"))
            if other is not None and other.old == change.new:
                swapped[id(change)] = replace(
                    other, key=change.key + f"@{index}", old=change.old, line=change.line
                )
                swapped[id(other)] = None
                break
    if not swapped:
        return changes
    found: list[Change] = []
    for change in changes:
        if id(change) not in swapped:
            found.append(change)
        elif (kept := swapped[id(change)]) is not None:
            found.append(kept)
    return found


def _class_of(change: Change) -> str | None:
    """The class a class fact belongs to (``Generator`` of ``Generator.__init__.self.ups``)."""
    head, dot, _ = change.key.partition(".")
    if not dot or change.variant_of is not None or change.key.startswith("component."):
        return None
    return head if head.isidentifier() and head[:1].isupper() else None


def _bodies(changes: list[Change], kind: ChangeKind) -> dict[tuple[str, str], list[Change]]:
    """The changes of each class (by file and name) whose facts all changed as KIND."""
    found: dict[tuple[str, str], list[Change]] = defaultdict(list)
    mixed: set[tuple[str, str]] = set()
    for change in changes:
        name = _class_of(change)
        if name is None:
            continue
        slot = (change.file, name)
        if change.kind is kind:
            found[slot].append(change)
        else:
            mixed.add(slot)
    return {slot: body for slot, body in found.items() if slot not in mixed}


def _body(changes: list[Change], name: str) -> frozenset[tuple[object, ...]]:
    """A class's facts with its name left out: what two names of one class share."""
    return frozenset(
        (c.key[len(name) :], c.fact_kind.value, _text(_value(c)), c.old_file is None)
        for c in changes
    )


def cancel_class_renames(changes: list[Change]) -> list[Change]:
    """Drop the changes a class renamed with an identical body makes (see the module doc)."""
    gone = _bodies(changes, ChangeKind.REMOVED)
    came = _bodies(changes, ChangeKind.ADDED)
    renames: dict[str, str] = {}
    dropped: set[int] = set()
    for (_, old), removed in gone.items():
        body = _body(removed, old)
        twins = [(f, new) for (f, new), added in came.items() if _body(added, new) == body]
        if len(twins) != 1 or twins[0][1] == old:
            continue
        new = twins[0][1]
        renames[old] = new
        dropped.update(id(c) for c in removed)
        dropped.update(id(c) for c in came[twins[0]])
    if not renames:
        return changes
    return [c for c in changes if id(c) not in dropped and not _names_renamed(c, renames)]


def _names_renamed(change: Change, renames: dict[str, str]) -> bool:
    """A submodule whose class is now the renamed one, or a component that the two names
    identify (``Generator (HiFi-GAN)`` → ``NSF-HiFiGAN`` for a renamed ``Generator``)."""
    if change.kind is not ChangeKind.MODIFIED:
        return False
    old, new = change.old, change.new
    if isinstance(old, str) and isinstance(new, str):
        head, _, name = old.rpartition(".")
        return (
            renames.get(name) is not None and new == f"{head}{'.' if head else ''}{renames[name]}"
        )
    if change.key.startswith("component.") and isinstance(old, tuple) and isinstance(new, tuple):
        roles = builtin_components().roles
        for before, after in renames.items():
            was, now = roles.get(before), roles.get(after)
            if was is None or now is None:
                continue
            if set(old) - {was[0]} == set(new) - {now[0]} and was[0] in old and now[0] in new:
                return True
    return False


@dataclass(frozen=True)
class _Whole:
    """A submodule added or removed whole, with every change under its key."""

    head: Change
    owner: str
    attr: str
    parts: tuple[Change, ...]

    def shape(self) -> tuple[tuple[str, str, str], ...]:
        """What it builds, with its attribute left out: class, arguments, nested modules."""
        value = self.head.old if self.head.kind is ChangeKind.REMOVED else self.head.new
        own = ("", self.head.fact_kind.value, _text(value))
        rest = (
            (c.key[len(self.head.key) :], c.fact_kind.value, _text(_value(c))) for c in self.parts
        )
        return (own, *sorted(rest))


def _value(change: Change) -> FactValue:
    return change.old if change.kind is ChangeKind.REMOVED else change.new


def _text(value: FactValue) -> str:
    return f"{type(value).__name__}:{value!r}"


def pair_renames(changes: list[Change]) -> list[Change]:
    """Each submodule removed from one attribute and added, identical, on another attribute of
    the same class (and nowhere else) becomes one ``renamed`` change; ``old``/``new`` are the
    attribute names."""
    gone = _by_shape(_wholes(changes, ChangeKind.REMOVED))
    came = _by_shape(_wholes(changes, ChangeKind.ADDED))
    replaced: dict[int, Change | None] = {}
    for slot, olds in gone.items():
        news = came.get(slot, [])
        if len(olds) != 1 or len(news) != 1:
            continue
        old, new = olds[0], news[0]
        for part in (*old.parts, *new.parts):
            replaced[id(part)] = None
        replaced[id(old.head)] = None
        replaced[id(new.head)] = Change(
            kind=ChangeKind.RENAMED,
            fact_kind=FactKind.SUBMODULE,
            file=new.head.file,
            key=new.head.key,
            parameter=new.head.parameter,
            old=old.attr,
            new=new.attr,
            line=new.head.line,
            old_file=new.head.old_file,
        )
    found: list[Change] = []
    for change in changes:
        if id(change) not in replaced:
            found.append(change)
            continue
        pair = replaced[id(change)]
        if pair is not None:
            found.append(pair)
    return found


def _by_shape(wholes: list[_Whole]) -> dict[tuple[object, ...], list[_Whole]]:
    found: dict[tuple[object, ...], list[_Whole]] = defaultdict(list)
    for whole in wholes:
        found[whole.head.file, whole.owner, whole.shape()].append(whole)
    return found


def _wholes(changes: list[Change], kind: ChangeKind) -> list[_Whole]:
    """The submodules of plain attributes (``self.x``, not ``self.x[0]`` or ``self.x@2``)
    added or removed whole, outside new-variant comparisons."""
    heads = [
        c
        for c in changes
        if c.kind is kind
        and c.fact_kind is FactKind.SUBMODULE
        and c.variant_of is None
        and SELF in c.key
        and _ATTRIBUTE.fullmatch(c.key.rpartition(SELF)[2])
    ]
    wholes = []
    for head in heads:
        inside = (head.key + ".", head.key + "[")
        parts = tuple(
            c
            for c in changes
            if c.file == head.file and c.variant_of is None and c.key.startswith(inside)
        )
        if any(part.kind is not kind for part in parts):
            continue
        owner = head.key.rpartition(SELF)[0]
        wholes.append(_Whole(head, owner, head.key.rpartition(SELF)[2], parts))
    return wholes


def _drop_implied(changes: list[Change]) -> list[Change]:
    """Changes that another change of the same commit implies are left out: the content of a
    table whose length changed, and the arguments and condition of a submodule added or
    removed whole."""
    resized = {(c.file, c.key) for c in changes if c.fact_kind is FactKind.SYMBOL_TABLE}
    whole = {
        (c.file, c.key)
        for c in changes
        if c.fact_kind is FactKind.SUBMODULE and c.kind is not ChangeKind.MODIFIED
    }

    def implied(change: Change) -> bool:
        if change.key.endswith(FINGERPRINT):
            return (change.file, change.key[: -len(FINGERPRINT)]) in resized
        if change.fact_kind is FactKind.CONSTRUCTOR_ARG or change.key.endswith(BUILT_IF):
            return (change.file, change.key.rpartition(".")[0]) in whole
        return False

    return [c for c in changes if not implied(c)]


def _cancel_moves(changes: list[Change]) -> list[Change]:
    """Code moved between files is no change: drop a removal and an addition of equal facts."""

    def signature(change: Change) -> tuple[object, ...]:
        if change.kind in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
            return ("file", tuple((f.key, f.value) for f in change.facts))
        return (change.key, change.old if change.kind is ChangeKind.REMOVED else change.new)

    removed = {
        signature(c) for c in changes if c.kind in (ChangeKind.REMOVED, ChangeKind.FILE_REMOVED)
    }
    added = {signature(c) for c in changes if c.kind in (ChangeKind.ADDED, ChangeKind.FILE_ADDED)}
    moved = removed & added
    return [
        c
        for c in changes
        if c.kind in (ChangeKind.MODIFIED, ChangeKind.RENAMED) or signature(c) not in moved
    ]

"""How a change is said to people, written once for the classifier, every renderer, the
changelog and the fork verdicts.

Two forms: :func:`what_changed` names what changed (``model.gin_channels: 512 → 1024``) for a
message, an annotation or a changelog entry; :func:`how_changed` says only how
(``512 → 1024``), for a table cell beside a column that already names the key. ``span`` is how
a key or value is shown: plain text, or a Markdown code span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from auditor.domain import ChangeKind, FactValue

Span = Callable[[str], str]
#: The mark for "no value" in a cell (an added key's old side).
NOTHING = "—"


def plain(text: str) -> str:
    """Text shown as it is."""
    return text


#: A value the extractor could not resolve: ``<param:hidden_channels>`` (a constructor
#: argument, set by whoever builds the class) or ``<expr:len(symbols)>`` (an expression).
_UNRESOLVED = re.compile(r"^<(?:param|expr):(.*)>$", re.DOTALL)


def value_text(value: FactValue) -> str:
    """A value as users read it: JSON, lists in brackets; a value the code computes and the
    audit could not resolve is its expression, unquoted (``len(symbols)``)."""
    if isinstance(value, str):
        unresolved = _UNRESOLVED.match(value)
        if unresolved:
            return unresolved.group(1)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def listed(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def submodule_owner(key: str) -> str:
    """The class that registers the submodule a key names
    (``SynthesizerTrn.__init__.self.ref_enc`` → ``SynthesizerTrn``)."""
    return key.rpartition(".self.")[0].replace(".__init__", "")


def renamed_keys(old: FactValue, new: FactValue, span: Span = plain) -> str:
    """``checkpoint keys ref_enc.* become ref_encoder.*``."""
    return f"checkpoint keys {span(f'{old}.*')} become {span(f'{new}.*')}"


def what_changed(
    kind: ChangeKind,
    key: str,
    old: FactValue,
    new: FactValue,
    *,
    files: Sequence[str] = (),
    values: int | None = None,
    span: Span = plain,
) -> str:
    """What changed, naming it: ``model.gin_channels: 512 → 1024``, ``key added: 1``,
    ``SynthesizerTrn: submodule likely renamed ref_enc → ref_encoder (checkpoint keys …)``,
    ``configs/s2.json added (12 values)``. ``files`` are the files a file-level change
    concerns; ``values`` how many values the file held."""
    if kind in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
        verb = "added" if kind is ChangeKind.FILE_ADDED else "removed"
        counted = "" if values is None else f" ({values} values)"
        return f"{listed([span(f) for f in files])} {verb}{counted}"
    if kind is ChangeKind.ADDED:
        return f"{span(key)} added: {span(value_text(new))}"
    if kind is ChangeKind.REMOVED:
        return f"{span(key)} removed (was {span(value_text(old))})"
    if kind is ChangeKind.RENAMED:
        owner = submodule_owner(key)
        return (
            f"{span(owner)}: submodule likely renamed {span(str(old))} → {span(str(new))} "
            f"({renamed_keys(old, new, span)})"
        )
    return f"{span(key)}: {span(value_text(old))} → {span(value_text(new))}"


def how_changed(
    kind: ChangeKind, old: FactValue, new: FactValue, *, span: Span = plain, runtime: bool = False
) -> str:
    """How a value changed, for a cell beside the key: ``512 → 1024``, ``added, 1``,
    ``likely renamed ref_enc → ref_encoder``, ``file added``; ``differs at runtime`` for a
    finding only the runtime check made."""
    if kind is ChangeKind.FILE_ADDED:
        return "file added"
    if kind is ChangeKind.FILE_REMOVED:
        return "file removed"
    if kind is ChangeKind.ADDED:
        return f"added, {span(value_text(new))}"
    if kind is ChangeKind.REMOVED:
        return f"removed, was {span(value_text(old))}"
    if kind is ChangeKind.RENAMED:
        return f"likely renamed {span(str(old))} → {span(str(new))}"
    if runtime:
        return "differs at runtime"
    before = NOTHING if old is None else span(value_text(old))
    after = NOTHING if new is None else span(value_text(new))
    return f"{before} → {after}"


def between_sides(
    kind: ChangeKind,
    file: str,
    key: str,
    values: dict[str, FactValue],
    old_side: str,
    new_side: str,
) -> str:
    """A difference between two named sides rather than old and new (a fork and upstream):
    ``file only in the fork``, ``key: 512 upstream, 1024 in the fork``. ``values`` maps
    ``upstream`` and ``the fork`` to their values."""
    if kind is ChangeKind.FILE_ADDED:
        return f"{file} only in {new_side}"
    if kind is ChangeKind.FILE_REMOVED:
        return f"{file} only in {old_side}"
    if kind is ChangeKind.ADDED:
        return f"{key} only in {new_side} ({value_text(values[new_side])})"
    if kind is ChangeKind.REMOVED:
        return f"{key} only in {old_side} ({value_text(values[old_side])})"
    return (
        f"{key}: {value_text(values['upstream'])} upstream, "
        f"{value_text(values['the fork'])} in the fork"
    )


def shape_change(key: str, old: Sequence[int], new: Sequence[int]) -> str:
    """A tensor whose shape differs at runtime: ``enc_p.emb.weight [322, 192] -> [732, 192]``."""
    return f"{key} {list(old)} -> {list(new)}"


def key_rename(old: str, new: str, tensors: int) -> str:
    """A subtree of state-dict keys that moved: ``likely rename ref_enc -> ref_encoder (12
    tensors)``."""
    return f"likely rename {old} -> {new} ({tensors} tensors)"


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 shape mismatch``, ``2 shape mismatches``."""
    if number == 1:
        return f"1 {noun}"
    if plural is None:
        plural = noun + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{number} {plural}"


__all__ = [
    "NOTHING",
    "Span",
    "between_sides",
    "counted",
    "how_changed",
    "key_rename",
    "listed",
    "plain",
    "renamed_keys",
    "shape_change",
    "submodule_owner",
    "value_text",
    "what_changed",
]

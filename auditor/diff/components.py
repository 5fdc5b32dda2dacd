"""Components a change set starts to use: a new file that builds or imports a known encoder or
vocoder (``sv.py`` building ``ERes2NetV2``) is a component added, not only a file added.

A new file holds its ``component.<role>`` facts inside its file-level change; each becomes a
change of its own, unless the files it may copy already used that component (a copy such as
``models_onnx.py`` beside ``models.py``, or ``oldVersion/V101/models.py``, adds nothing).
Every component added, in a new file or an existing one, says which other files of the change
set import its file: those wire it into the code that runs. When one of them used that
component already, the component only moved (a generator class moved out of ``models.py``
into a module ``models.py`` imports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from auditor.domain import Change, ChangeKind, Fact, FactKind

#: The key prefix of component facts (``component.speaker-encoder``).
COMPONENT = "component."

#: The files among the changed ones that import a file: (file) -> their paths.
Importers = Callable[[str], "tuple[str, ...]"]
#: The components of one role a file used before the change set: (file, key) -> their names.
UsedBefore = Callable[[str, str], "frozenset[str]"]


def is_component(fact_kind: FactKind, key: str) -> bool:
    """Whether a fact (or a change of one) lists the known components of one role."""
    return fact_kind is FactKind.ENCODER_IMPORT and key.startswith(COMPONENT)


def components_added(change: Change, known: Iterable[Fact]) -> list[Change]:
    """The components of a new file (CHANGE: its ``file-added`` change) that no fact of KNOWN
    (the components of the files it may copy, before) already lists, one ``added`` change
    each."""
    used: dict[str, set[str]] = {}
    for fact in known:
        if is_component(fact.kind, fact.key):
            used.setdefault(fact.key, set()).update(_names(fact.value))
    found: list[Change] = []
    for fact in change.facts:
        if not is_component(fact.kind, fact.key):
            continue
        if _names(fact.value) <= used.get(fact.key, set()):
            continue
        found.append(
            Change(
                kind=ChangeKind.ADDED,
                fact_kind=fact.kind,
                file=change.file,
                key=fact.key,
                parameter=fact.parameter,
                new=fact.value,
                line=fact.line,
            )
        )
    return found


def with_users(
    changes: list[Change], importers: Importers, used_before: UsedBefore
) -> list[Change]:
    """CHANGES with each component added told which changed files import its file; one that
    an importer used before is left out (it moved)."""
    found: list[Change] = []
    users: dict[str, tuple[str, ...]] = {}
    for change in changes:
        if change.kind is ChangeKind.ADDED and is_component(change.fact_kind, change.key):
            if change.file not in users:
                users[change.file] = importers(change.file)
            names = _names(change.new)
            if any(names <= used_before(user, change.key) for user in users[change.file]):
                continue
            if users[change.file]:
                change = replace(change, used_by=users[change.file])
        found.append(change)
    return found


def _names(value: object) -> set[str]:
    if isinstance(value, tuple):
        return {str(item) for item in value}
    return set() if value is None else {str(value)}

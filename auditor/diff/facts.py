"""Compare the facts of two versions of a file: a pure function over keyed facts.

Values are compared, not source text, so re-indenting or re-ordering a file yields nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.domain import Change, ChangeKind, Fact, FactKind, same_value


def diff_facts(
    old: Iterable[Fact],
    new: Iterable[Fact],
    *,
    file: str,
    old_file: str | None = None,
) -> list[Change]:
    """The changes between ``old`` and ``new`` facts of one file, sorted by key."""
    old_by_key = {fact.key: fact for fact in old}
    new_by_key = {fact.key: fact for fact in new}
    changes: list[Change] = []
    for key in sorted(old_by_key.keys() | new_by_key.keys()):
        before = old_by_key.get(key)
        after = new_by_key.get(key)
        if before is not None and after is not None:
            if same_value(before.value, after.value):
                continue
            kind = ChangeKind.MODIFIED
        else:
            kind = ChangeKind.ADDED if before is None else ChangeKind.REMOVED
        present = after if after is not None else before
        assert present is not None
        changes.append(
            Change(
                kind=kind,
                fact_kind=present.kind,
                file=file,
                key=key,
                parameter=present.parameter,
                old=None if before is None else before.value,
                new=None if after is None else after.value,
                line=present.line,
                old_file=old_file if old_file != file else None,
            )
        )
    return changes


def file_change(kind: ChangeKind, file: str, facts: Iterable[Fact]) -> Change:
    """One change for a whole file added (``FILE_ADDED``) or deleted (``FILE_REMOVED``)."""
    held = tuple(sorted(facts, key=lambda fact: fact.key))
    return Change(
        kind=kind,
        fact_kind=held[0].kind if held else FactKind.CONFIG,
        file=file,
        key=file,
        parameter=file.rsplit("/", 1)[-1],
        line=0,
        facts=held,
    )

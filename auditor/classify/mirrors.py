"""The same change in several files, read as one: a class defined in a model file and again in
its export copy (``models.py`` and ``models_onnx.py``), a config and its copy.

A finding *mirrors* another when the same commit makes the same change (same rule, kind of
change, key, old and new value) in another file. One file of each group holds the primary
finding: the one with the shortest file name, then the first path (``models.py`` before
``models_onnx.py``); the others carry its id as ``mirror_of``. The JSON report keeps every
finding (each file gets its own annotation); the table, Markdown and changelog show each group
once with every location.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from auditor.domain import ChangeKind, Finding
from auditor.wording import value_text

_FILE_LEVEL = (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED)


def group_mirrors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` in the same order, with ``mirror_of`` set on every finding that repeats a
    primary finding in another file (and cleared on the others)."""
    found = tuple(findings)
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, finding in enumerate(found):
        if finding.change not in _FILE_LEVEL:
            groups.setdefault(_slot(finding), []).append(index)
    primary: dict[int, str] = {}
    for members in groups.values():
        if len({found[i].file for i in members}) < 2:
            continue
        lead = found[min(members, key=lambda i: _rank(found[i]))]
        primary.update((i, lead.id) for i in members if found[i].file != lead.file)
    return tuple(
        finding
        if finding.mirror_of == primary.get(i)
        else replace(finding, mirror_of=primary.get(i))
        for i, finding in enumerate(found)
    )


def mirrors_of(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Primary finding id -> the findings that mirror it, in report order. A finding whose
    primary is not in ``findings`` (left out by a filter) stands on its own."""
    present = {finding.id for finding in findings}
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.mirror_of is not None and finding.mirror_of in present:
            grouped.setdefault(finding.mirror_of, []).append(finding)
    return grouped


def shown(findings: Sequence[Finding]) -> list[Finding]:
    """The findings a reader sees one by one: every finding but those mirroring one shown."""
    present = {finding.id for finding in findings}
    return [f for f in findings if f.mirror_of is None or f.mirror_of not in present]


def _slot(finding: Finding) -> tuple[str, ...]:
    return (
        finding.commit,
        finding.rule,
        finding.change.value,
        finding.key,
        value_text(finding.old),
        value_text(finding.new),
    )


def _rank(finding: Finding) -> tuple[int, str]:
    return len(PurePosixPath(finding.file).stem), finding.file

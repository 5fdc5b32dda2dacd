"""Entries, sections and changelogs built by hand for the changelog's unit tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.changelog.contents import Entry, Location, ModelVerdict, Release, Section
from auditor.classify.effects import Effect, Loads
from auditor.domain import Category, ChangeKind, Commit, Severity

SHA = {name: digit * 40 for name, digit in (("a", "a"), ("b", "b"), ("c", "c"), ("d", "d"))}


def commit(name: str, subject: str = "change") -> Commit:
    return Commit(SHA[name], None, "2024-01-02T00:00:00+00:00", "Ada", subject)


def entry(
    key: str = "model.gin_channels",
    *,
    severity: Severity = Severity.CRITICAL,
    effect: Effect | None = Effect.SHAPE,
    file: str = "configs/s2.json",
    commits: tuple[str, ...] = ("a",),
    **changes: Any,
) -> Entry:
    made = Entry(
        severity=severity,
        rule="MA101",
        category=Category.TENSOR_SHAPE,
        change=ChangeKind.MODIFIED,
        parameter=key.rsplit(".", 1)[-1],
        key=key,
        old=512,
        new=1024,
        reason="it sets the shape of stored weights.",
        hint="Retrain.",
        locations=(Location(file, 3),),
        commits=tuple(commit(c) for c in commits),
        finding_ids=(f"id-{key}",),
        effect=effect,
    )
    return replace(made, **changes)


def release(version: str, previous: str | None, tip: str, base: str | None) -> Release:
    return Release(version, tip, "2024-06-04T10:00:00+02:00", previous, base)


def section(version: str, *verdicts: ModelVerdict, previous: str | None = None) -> Section:
    return Section(release(version, previous, "1" * 40, None), (), 1, models=verdicts)


def verdict(model: str, loads: Loads = Loads.YES, first: Entry | None = None) -> ModelVerdict:
    return ModelVerdict(model, loads, (), first)

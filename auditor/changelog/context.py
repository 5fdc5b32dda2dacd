"""The changelog as a JSON context (``schemas/changelog.schema.json``) for templates.

Release fields follow git-cliff's context where they mean the same thing (``version``,
``commit_id``, ``timestamp``, ``previous.version``), so a git-cliff (Tera) template, or any
other, can read them; each release adds its verdict, one verdict per trained model and its
entries (each with its scope and models); the compatibility matrix closes the document.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.changelog.contents import Changelog, Entry, Forge, ModelVerdict, Section
from auditor.changelog.entries import verdict
from auditor.changelog.markdown import (
    cell_text,
    link_target,
    loads_word,
    shown_severities,
    verdict_line,
)
from auditor.changelog.matrix import Matrix, build_matrix
from auditor.domain import Commit, FactValue, Severity
from auditor.schemas import schema_id

if TYPE_CHECKING:  # runtime confirmation is imported only where it runs
    from auditor.changelog.confirmed import ConfirmedMatrix

SCHEMA_VERSION = 1


def _value(value: FactValue) -> Any:
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    return value


def _timestamp(date: str) -> int | None:
    try:
        return int(datetime.fromisoformat(date).timestamp())
    except ValueError:
        return None


def _commit(commit: Commit, forge: Forge | None) -> dict[str, Any]:
    return {
        "id": commit.sha,
        "short_id": commit.short_sha,
        "subject": commit.subject,
        "author": commit.author,
        "date": commit.date,
        "url": forge.commit_url(commit.sha) if forge else None,
    }


def _entry(entry: Entry, forge: Forge | None) -> dict[str, Any]:
    return {
        "severity": entry.severity.value,
        "rule": entry.rule,
        "category": entry.category.value,
        "change": entry.change.value,
        "parameter": entry.parameter,
        "key": entry.key,
        "old": _value(entry.old),
        "new": _value(entry.new),
        "reason": entry.reason,
        "hint": entry.hint,
        "locations": [{"file": loc.file, "line": loc.line} for loc in entry.locations],
        "commits": [_commit(commit, forge) for commit in entry.commits],
        "finding_ids": list(entry.finding_ids),
        "scope": entry.scope.value,
        "models": list(entry.models),
        "aside": entry.aside,
        "effect": entry.effect.value if entry.effect is not None else None,
    }


def _model_verdict(verdict: ModelVerdict, forge: Forge | None) -> dict[str, Any]:
    return {
        "model": verdict.model,
        "generation": verdict.generation,
        "label": verdict.name,
        "loads": verdict.loads.value,
        "answer": loads_word(verdict),
        "counts": {severity.value: count for severity, count in verdict.counts},
        "new_variants": verdict.new_variants,
        "deciding": _entry(verdict.first, forge) if verdict.first is not None else None,
    }


def _matrix(
    matrix: Matrix, forge: Forge | None, confirmed: ConfirmedMatrix | None = None
) -> dict[str, Any]:
    if confirmed is not None:
        matrix = confirmed.matrix
    return {
        "runtime": {"profile": confirmed.profile, "notes": list(confirmed.notes)}
        if confirmed is not None
        else None,
        "releases": list(matrix.releases),
        "rows": [
            {
                "model": row.model,
                "generation": row.generation,
                "label": row.name,
                "release": row.release,
                "cells": [
                    {
                        "release": release,
                        "status": cell.status,
                        "text": cell_text(cell, forge),
                        "commit": cell.entry.commits[0].sha
                        if cell.entry is not None and cell.entry.commits
                        else None,
                        "key": cell.entry.key if cell.entry is not None else None,
                        "confirmed": cell.confirmed,
                        "evidence": cell.evidence,
                        "migration": cell.migration,
                    }
                    for release, cell in zip(matrix.releases, row.cells, strict=True)
                ],
            }
            for row in matrix.rows
        ],
    }


def _release(section: Section, forge: Forge | None, include_info: bool) -> dict[str, Any]:
    release = section.release
    compatible, answer = verdict(section)
    shown = shown_severities(include_info)
    return {
        "version": release.version,
        "title": release.title,
        "commit_id": release.tip,
        "date": release.day,
        "timestamp": _timestamp(release.date) if release.date else None,
        "previous": {"version": release.previous, "commit_id": release.base},
        "url": link_target(release, forge) if forge else None,
        "commit_count": section.commit_count,
        "compatible": compatible,
        "verdict": answer,
        "verdict_line": verdict_line(section),
        "counts": {severity.value: section.count(severity) for severity in Severity},
        "entries": [_entry(e, forge) for e in section.entries if e.severity in shown],
        "incomplete": section.incomplete,
        "baseline": section.baseline,
        "models": [_model_verdict(v, forge) for v in section.models],
        "generations": [_model_verdict(v, forge) for v in section.generations],
        "warnings": [
            {"commit": w.commit, "file": w.file, "message": w.message} for w in section.warnings
        ],
    }


def changelog_to_dict(
    changelog: Changelog, include_info: bool = False, confirmed: ConfirmedMatrix | None = None
) -> dict[str, Any]:
    """The changelog as the JSON contract's object: releases newest first; the matrix with
    the cells CONFIRMED at runtime when given."""
    forge = changelog.forge
    return {
        "$schema": schema_id("changelog"),
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-audit", "version": __version__},
        "repository": changelog.repository,
        "remote": {"kind": forge.kind, "url": forge.url} if forge else None,
        "releases": [_release(s, forge, include_info) for s in changelog.sections],
        "matrix": _matrix(build_matrix(changelog.sections), forge, confirmed),
    }


def render_json(
    changelog: Changelog, include_info: bool = False, confirmed: ConfirmedMatrix | None = None
) -> str:
    """The context as indented JSON with a final newline."""
    document = changelog_to_dict(changelog, include_info, confirmed)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

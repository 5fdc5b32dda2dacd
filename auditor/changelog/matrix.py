"""The compatibility matrix: does a checkpoint each release produces load at each later one?

Rows are the checkpoints of each trained model as each release ships them; columns are the
releases, oldest first. A cell composes the per-model verdicts of the releases between the
row's and the column's (:mod:`auditor.changelog.verdicts`): the worst of them, named by the
first change that decides it. A model a release does not ship has no row there, and a cell
of a release that does not ship the model says so, and the releases after it go on from the
last that did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.changelog.contents import Entry, ModelVerdict, Section
from auditor.classify.effects import Effect, Loads


@dataclass(frozen=True)
class Cell:
    """A checkpoint of the row's release, loaded at the column's.

    ``status`` is ``loads``, ``strict-false`` (keys missing or unexpected), ``fails``
    (shapes or the model's code), ``output-differs`` (weights load, inputs differ),
    ``absent`` (the release ships no such model), ``same`` (the row's own release) or
    ``earlier`` (a release before the row's). ``entry`` is the change that decides it.
    """

    status: str
    entry: Entry | None = None


@dataclass(frozen=True)
class Row:
    model: str
    release: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Matrix:
    """Columns (release titles, oldest first) and rows (model by model, oldest release first)."""

    releases: tuple[str, ...]
    rows: tuple[Row, ...]


def _status(verdict: ModelVerdict) -> str:
    if verdict.loads is Loads.YES:
        return "loads"
    if verdict.loads is Loads.NON_STRICT:
        return "strict-false"
    effect = verdict.first.effect if verdict.first is not None else None
    return "output-differs" if effect is Effect.INPUTS else "fails"


_RANK = {"loads": 0, "strict-false": 1, "output-differs": 2, "fails": 3}


def build_matrix(sections: Sequence[Section]) -> Matrix:
    """The matrix of SECTIONS (given newest first, as a changelog holds them)."""
    ordered = list(reversed(sections))
    titles = tuple(section.release.title for section in ordered)
    shipped = [{v.model: v for v in section.models} for section in ordered]
    models = list(dict.fromkeys(v.model for section in ordered for v in section.models))
    rows: list[Row] = []
    for model in models:
        for i, section in enumerate(ordered):
            if model not in shipped[i]:
                continue
            cells: list[Cell] = []
            worst = Cell("loads")
            for j in range(len(ordered)):
                if j < i:
                    cells.append(Cell("earlier"))
                    continue
                if j == i:
                    cells.append(Cell("same"))
                    continue
                verdict = shipped[j].get(model)
                if verdict is None:
                    cells.append(Cell("absent"))
                    continue
                step = Cell(_status(verdict), verdict.first)
                if _RANK[step.status] > _RANK[worst.status]:
                    worst = step
                cells.append(worst)
            rows.append(Row(model, section.release.title, tuple(cells)))
    return Matrix(titles, tuple(rows))

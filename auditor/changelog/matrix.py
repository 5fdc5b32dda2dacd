"""The compatibility matrix: does a checkpoint each release produces load at each later one?

Rows are the checkpoints each release produces: per trained model, and per checkpoint
generation where the release ships several (:mod:`auditor.changelog.generations`: SoVITS
v1, v2, v2Pro…); columns are the releases, oldest first. A cell composes the verdicts of
the releases between the row's and the column's (:mod:`auditor.changelog.verdicts`): the
worst of them, named by the first change that decides it. Checkpoints a release does not
produce have no row there, a cell of a release that does not ship them says so, and the
releases after it go on from the last that did.
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
    ``earlier`` (a release before the row's); confirmed at runtime, ``migratable`` (fails,
    but ``model-audit migrate`` converts every tensor of another shape). ``entry`` is the
    change that decides it.
    """

    status: str
    entry: Entry | None = None
    #: Whether a runtime confirmation decided the cell (False: the static audit did).
    confirmed: bool = False
    #: What the runtime saw, when it decided the cell: ``enc_p.proj.weight [192] -> [256]``.
    evidence: str | None = None
    #: What a migration does, for a ``migratable`` cell: ``enc_p.text_embedding.weight: 300
    #: rows copied by symbol…``.
    migration: str | None = None


@dataclass(frozen=True)
class Row:
    """The checkpoints of ``model`` (its ``generation``, when it has several) that
    ``release`` produces; ``label`` names them (``SoVITS generator v2Pro``)."""

    model: str
    release: str
    cells: tuple[Cell, ...]
    generation: str | None = None
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.model


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


def checkpoints(section: Section) -> tuple[ModelVerdict, ...]:
    """The verdicts of the checkpoints SECTION's release produces: a model's generations
    where it ships some, else the model's own verdict."""
    varied = {v.model for v in section.generations}
    found: list[ModelVerdict] = []
    for verdict in section.models:
        if verdict.model in varied:
            found += [g for g in section.generations if g.model == verdict.model]
        else:
            found.append(verdict)
    return tuple(found)


def build_matrix(sections: Sequence[Section]) -> Matrix:
    """The matrix of SECTIONS (given newest first, as a changelog holds them)."""
    ordered = list(reversed(sections))
    titles = tuple(section.release.title for section in ordered)
    shipped = [{v.name: v for v in checkpoints(section)} for section in ordered]
    kinds = {v.name: v for section in ordered for v in checkpoints(section)}
    models = list(dict.fromkeys(v.model for section in ordered for v in section.models))
    rank = {model: index for index, model in enumerate(models)}
    names = sorted(kinds, key=lambda name: rank.get(kinds[name].model, len(rank)))
    rows: list[Row] = []
    for model in names:
        kind = kinds[model]
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
            rows.append(
                Row(
                    kind.model,
                    section.release.title,
                    tuple(cells),
                    kind.generation,
                    kind.label or "",
                )
            )
    return Matrix(titles, tuple(rows))

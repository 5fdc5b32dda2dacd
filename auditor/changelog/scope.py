"""Where each entry of a release belongs: which trained model, or inference code, or the rest.

The model map (:mod:`auditor.classify.concerns`) says which model a file or class concerns
and each model's scope. An entry listing several files (a config and its export copy) goes
where its most telling file goes: a trained model before inference code before the rest. A
class in a model's files that none of the model's top classes builds, at either end of the
release (:mod:`auditor.classify.built`), holds no weights users own: it joins the rest, with
the reason said. A file the map places nowhere (its fallback) is one of the rest where the
map knows the repository (it ships a mapped model); in a layout the map does not know, it may
be the model itself and stays in the checkpoint scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from auditor.changelog.contents import Entry, Scope
from auditor.classify.built import built_at, site_name
from auditor.classify.concerns import ModelMap
from auditor.extract.python import Reach

#: Reaches per set of root globs: what those classes build at the release's two ends.
Reaches = Mapping[tuple[str, ...], Sequence[Reach]]
_RANK = {Scope.CHECKPOINT: 0, Scope.INFERENCE: 1, Scope.OTHER: 2}


def place(
    entry: Entry, model_map: ModelMap, present: Sequence[str], reaches: Reaches | None = None
) -> Entry:
    """ENTRY with its scope, models and, when set aside, why. PRESENT are the trained models
    the release ships (empty when the map knows none of its files)."""
    files = [location.file for location in entry.locations] or [""]
    best = min((_placing(f, entry.key, model_map, present, reaches) for f in files), key=_rank)
    scope, models, aside = best
    return replace(entry, scope=scope, models=models, aside=aside)


def _rank(placing: tuple[Scope, tuple[str, ...], str | None]) -> int:
    return _RANK[placing[0]]


def _placing(
    file: str, key: str, model_map: ModelMap, present: Sequence[str], reaches: Reaches | None
) -> tuple[Scope, tuple[str, ...], str | None]:
    models = model_map.concerns(file, key, present) or (model_map.fallback,)
    by_scope: dict[Scope, list[str]] = {}
    for model in models:
        scope = Scope(model_map.scope(model))
        if model == model_map.fallback and present:
            scope = Scope.OTHER
        by_scope.setdefault(scope, []).append(model)
    scope = min(by_scope, key=_RANK.__getitem__)
    chosen = tuple(by_scope[scope])
    if scope is Scope.CHECKPOINT and reaches is not None:
        concern = model_map.entry(file, key)
        roots = concern.roots if concern is not None else ()
        if roots and not built_at(file, key, reaches.get(roots, ())):
            why = f"{site_name(file, key)} is not built by {' or '.join(roots)}"
            return Scope.OTHER, chosen, why
    return scope, chosen, None


def place_all(
    entries: Sequence[Entry],
    model_map: ModelMap,
    present: Sequence[str],
    reaches: Reaches | None = None,
) -> tuple[Entry, ...]:
    """Every entry of a release, placed (order kept)."""
    return tuple(place(entry, model_map, present, reaches) for entry in entries)

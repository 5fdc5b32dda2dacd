"""Compare two state-dict maps: missing and unexpected keys, shape mismatches, renames.

A state-dict map is ``{key: shape}`` as a model built on the ``meta`` device gives it, with
no weights at all. Comparing the maps of two revisions says what ``load_state_dict`` will
meet before anything real is built. A subtree whose keys all vanish under one prefix and
reappear, with the same shapes, under another (``ref_enc.*`` → ``ref_encoder.*``) is a likely
rename: with ``strict=False`` its weights are silently left at their initial values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.runtime.results import Rename, ShapeMismatch

Shape = tuple[int, ...]


@dataclass(frozen=True)
class StateDiff:
    """What loading the old map's weights into the new map's model meets.

    ``missing`` are keys of the new model the old weights lack; ``unexpected`` keys of the old
    weights the new model lacks (both sorted); ``mismatches`` in the old map's order (the
    order of the modules).
    """

    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    mismatches: tuple[ShapeMismatch, ...]
    renames: tuple[Rename, ...]


def diff_state_maps(old: Mapping[str, Shape], new: Mapping[str, Shape]) -> StateDiff:
    """Compare the state-dict map OLD (the weights) with NEW (the model they load into)."""
    missing = sorted(set(new) - set(old))
    unexpected = sorted(set(old) - set(new))
    mismatches = tuple(
        ShapeMismatch(key, tuple(old[key]), tuple(new[key]))
        for key in old
        if key in new and tuple(old[key]) != tuple(new[key])
    )
    return StateDiff(
        missing=tuple(missing),
        unexpected=tuple(unexpected),
        mismatches=mismatches,
        renames=likely_renames(old, new, unexpected, missing),
    )


def likely_renames(
    old: Mapping[str, Shape],
    new: Mapping[str, Shape],
    unexpected: list[str],
    missing: list[str],
) -> tuple[Rename, ...]:
    """Prefixes whose whole subtree moved, every tensor keeping its suffix and its shape.

    A pair ``P`` → ``Q`` is accepted when every key under ``P.`` in the old map is
    unexpected, every key under ``Q.`` in the new map is missing, the two subtrees hold the
    same suffixes with the same shapes, and no other prefix matches either side (identical
    sibling layers are ambiguous, not renames). Only the outermost prefix of a nested match
    is kept.
    """
    gone = _whole_subtrees(old, set(unexpected))
    came = _whole_subtrees(new, set(missing))
    targets: dict[frozenset[tuple[str, Shape]], list[str]] = defaultdict(list)
    for prefix, signature in came.items():
        targets[signature].append(prefix)
    sources: dict[frozenset[tuple[str, Shape]], list[str]] = defaultdict(list)
    for prefix, signature in gone.items():
        sources[signature].append(prefix)
    pairs = [
        (prefix, targets[signature][0])
        for prefix, signature in gone.items()
        if len(targets.get(signature, ())) == 1 and len(sources[signature]) == 1
    ]
    outer = [
        (a, b)
        for a, b in pairs
        if not any(a.startswith(o + ".") and b.startswith(n + ".") for o, n in pairs)
    ]
    return tuple(Rename(a, b, len(gone[a])) for a, b in sorted(outer))


def _whole_subtrees(
    state: Mapping[str, Shape], selected: set[str]
) -> dict[str, frozenset[tuple[str, Shape]]]:
    """Every prefix all of whose keys are SELECTED: ``{prefix: {(suffix, shape)}}``."""
    counts: dict[str, int] = defaultdict(int)
    chosen: dict[str, list[tuple[str, Shape]]] = defaultdict(list)
    for key, shape in state.items():
        parts = key.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            counts[prefix] += 1
            if key in selected:
                chosen[prefix].append((".".join(parts[i:]), tuple(shape)))
    return {p: frozenset(items) for p, items in chosen.items() if len(items) == counts[p]}

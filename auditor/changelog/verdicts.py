"""Per-model verdicts of a release: do each trained model's checkpoints of the previous
release load into this one, and which change decides it.

Only entries in the checkpoint scope count (:mod:`auditor.changelog.scope`); what each does
to loading is its ``effect`` (:mod:`auditor.classify.effects`). The deciding entry of a
``no`` is a change that stops loading (a shape, the model's code gone) before one that only
changes the model's inputs, and among those the one whose earliest commit comes first.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from auditor.changelog.contents import Entry, ModelVerdict, Scope
from auditor.changelog.generations import Generation, variant_values
from auditor.changelog.guards import branch_taken
from auditor.classify.concerns import class_of
from auditor.classify.effects import Effect, Loads
from auditor.domain import Category, Severity
from auditor.wording import value_text

_COUNTED = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM)


def model_verdicts(
    entries: Sequence[Entry],
    models: Sequence[str],
    order: Mapping[str, int],
    before: Sequence[str] | None = None,
    shipped: Sequence[str] = (),
    new_only: Collection[tuple[str, ...]] = (),
) -> tuple[ModelVerdict, ...]:
    """A verdict for each of MODELS (in that order) from a release's placed ENTRIES;
    ORDER gives each commit's position in the history (earlier is smaller). BEFORE are the
    models the previous release ships (None: unknown); a model not among them is new.
    SHIPPED are those this release ships: a code file removed from one of them is not the
    model gone. NEW_ONLY are the ``finding_ids`` of entries that reach only generations new
    in the release (a component fed to them alone): variants, as a version branch is."""
    return tuple(
        _verdict(
            model,
            entries,
            order,
            new=before is not None and model not in before,
            shipped=model in shipped,
            new_only=new_only,
        )
        for model in models
    )


def _gone_but_shipped(entry: Entry) -> bool:
    """A removed code file of a model the release still ships: some of its code left, the
    model did not (its other findings say what changed)."""
    return entry.effect is Effect.MODEL_MISSING


#: A key under a condition: ``SynthesizerTrn.__init__[version=v2Pro].self.sv_emb`` or
#: ``model.version [p_train_SoVITS=None]``: a variant the default build does not take.
_CONDITIONED = re.compile(r"\[[^\]]*=[^\]]*\]")


def variant_only(entry: Entry) -> bool:
    """Whether ENTRY describes a variant (a new one, or a branch the default build does not
    take) rather than the model users' checkpoints were built as."""
    return entry.category is Category.NEW_VARIANT or bool(_CONDITIONED.search(entry.key))


def _verdict(
    model: str,
    entries: Sequence[Entry],
    order: Mapping[str, int],
    *,
    new: bool = False,
    shipped: bool = False,
    new_only: Collection[tuple[str, ...]] = (),
) -> ModelVerdict:
    own = [e for e in entries if e.scope is Scope.CHECKPOINT and model in e.models]
    low = Severity.LOW.rank

    def of_variants(entry: Entry) -> bool:
        return variant_only(entry) or entry.finding_ids in new_only

    variants = sum(1 for e in own if of_variants(e) and e.severity.rank >= low)
    breaking = [
        e
        for e in own
        if e.effect is not None and not of_variants(e) and not (shipped and _gone_but_shipped(e))
    ]
    return _judged(model, breaking, order, new=new, new_variants=variants)


def generation_verdicts(
    entries: Sequence[Entry],
    generations: Sequence[Generation],
    order: Mapping[str, int],
    before: Collection[tuple[str, str | None]] | None = None,
    feeds: Mapping[tuple[str, ...], frozenset[str]] | None = None,
) -> tuple[ModelVerdict, ...]:
    """A verdict for each of GENERATIONS (those a release ships, in order) from the
    release's placed ENTRIES: the changes of its model that its own build takes, those of
    its siblings' classes, configs and version branches left out. BEFORE are the
    ``(model, generation)`` pairs the previous release ships (None: unknown); a generation
    not among them is new. FEEDS gives, by ``finding_ids``, the variant values a component
    entry reaches (:mod:`auditor.changelog.feeds`); the other variants do not take it."""
    verdicts = []
    for generation in generations:
        breaking = [
            e
            for e in entries
            if not _gone_but_shipped(e) and _taken_by(generation, generations, e, feeds)
        ]
        new = before is not None and (generation.model, generation.name) not in before
        judged = _judged(generation.model, breaking, order, new=new)
        verdicts.append(replace(judged, generation=generation.name, label=generation.label))
    return tuple(verdicts)


#: The condition of a key's facts: ``version=v2Pro`` in ``SynthesizerTrn.__init__[version=v2Pro]``.
_CONDITION = re.compile(r"\[([^\]=]+=[^\]]*)\]")


def new_only(
    entries: Sequence[Entry],
    generations: Sequence[Generation],
    before: Collection[tuple[str, str | None]] | None,
    feeds: Mapping[tuple[str, ...], frozenset[str]] | None = None,
) -> set[tuple[str, ...]]:
    """The ``finding_ids`` of ENTRIES that only generations new in the release take (none
    of them in BEFORE, the previous release's): a component fed to them alone, a value whose
    version branch only they read differently. For the model's own verdict these describe
    variants, as a version branch does."""
    if before is None:
        return set()
    found = set()
    for entry in entries:
        reached = [g for g in generations if _taken_by(g, generations, entry, feeds)]
        if reached and all((g.model, g.name) not in before for g in reached):
            found.add(entry.finding_ids)
    return found


def _taken_by(
    generation: Generation,
    generations: Sequence[Generation],
    entry: Entry,
    feeds: Mapping[tuple[str, ...], frozenset[str]] | None,
) -> bool:
    """Whether ENTRY, a change that can break checkpoints, reaches GENERATION's build (its
    siblings among GENERATIONS; FEEDS: the variants each component entry reaches)."""
    if entry.scope is not Scope.CHECKPOINT or entry.effect is None:
        return False
    if generation.model not in entry.models:
        return False
    siblings = [g for g in generations if g.model == generation.model and g != generation]
    values = (feeds or {}).get(entry.finding_ids)
    return takes(generation, siblings, entry) and fed(generation, values)


def takes(generation: Generation, siblings: Sequence[Generation], entry: Entry) -> bool:
    """Whether GENERATION's own build takes the change ENTRY describes: not the details of a
    new variant, not a version branch of another, not a class or config only SIBLINGS use."""
    if entry.category is Category.NEW_VARIANT:
        return False
    conditions = _CONDITION.findall(entry.key)
    if conditions:
        return all(condition in generation.tags for condition in conditions)
    if _same_for(generation, siblings, entry):
        return False
    others = {s.class_name for s in siblings} - {generation.class_name}
    file = entry.locations[0].file if entry.locations else ""
    if class_of(file, entry.key) in others:
        return False
    configs = {c for s in siblings for c in s.configs} - set(generation.configs)
    files = {location.file for location in entry.locations}
    return not (files and files <= configs)


def _same_for(generation: Generation, siblings: Sequence[Generation], entry: Entry) -> bool:
    """Whether ENTRY's old and new values are the same for GENERATION once a conditional on
    the version is read for it (``1.875`` → ``1.875 if self.version == 'v3' else 2`` leaves
    v3 as it was)."""
    own = variant_values(generation)
    if len(own) != 1 or (not isinstance(entry.new, str) and not isinstance(entry.old, str)):
        return False
    (value,) = own
    universe = frozenset().union(own, *(variant_values(s) for s in siblings))
    texts: list[str] = []
    read = False
    for side in (entry.old, entry.new):
        text = value_text(side)
        taken = branch_taken(text, value, universe)
        read = read or taken != text
        texts.append(taken)
    return read and texts[0] == texts[1]


def fed(generation: Generation, values: frozenset[str] | None) -> bool:
    """Whether a change that reaches the variants of VALUES (None: all) reaches GENERATION:
    a build that sets none of them (the model's default build) is fed what every build is."""
    own = {tag.split("=", 1)[1] for tag in generation.tags if "=" in tag}
    return values is None or not own or bool(own & values)


def _judged(
    model: str,
    breaking: Sequence[Entry],
    order: Mapping[str, int],
    *,
    new: bool = False,
    new_variants: int = 0,
) -> ModelVerdict:
    """The verdict of MODEL whose BREAKING entries are these."""
    variants = new_variants
    loads = max((e.effect.loads for e in breaking if e.effect), key=_rank, default=Loads.YES)
    counts = tuple(
        (severity, n)
        for severity in _COUNTED
        if (n := sum(1 for e in breaking if e.severity is severity))
    )
    deciding = [e for e in breaking if e.effect is not None and e.effect.loads is loads]
    # a tensor that no longer fits says more than an input that changed
    failing = [e for e in deciding if e.effect is not Effect.INPUTS]
    deciding = failing or deciding
    first = min(deciding, key=lambda e: _position(e, order)) if loads is not Loads.YES else None
    if new:  # no checkpoint of it predates this release: nothing to break
        return ModelVerdict(model, Loads.YES, (), None, variants, new=True)
    return ModelVerdict(model, loads, counts, first, variants)


def _rank(loads: Loads) -> int:
    return loads.rank


def _position(entry: Entry, order: Mapping[str, int]) -> tuple[int, int]:
    first = min((order.get(c.sha, len(order)) for c in entry.commits), default=len(order))
    return first, -entry.severity.rank

"""Verdicts: whether each model's checkpoints load across the two tips, each way, and why.

The inputs are two tree-to-tree audits: upstream's tip as old and the fork's as new (what a
checkpoint saved upstream meets in the fork), and the reverse. Each finding already says
what happens to a checkpoint saved on its old side and loaded on its new side, so the same
function reads both: a shape change fails to load, an input change loads and gives wrong
output, an added submodule leaves keys missing (``strict=False``), a removed one leaves keys
unexpected. Direction matters for keys: a submodule only the fork has is missing when
upstream's checkpoints load into the fork, and unexpected the other way.

A finding about a class, in files whose map entry names the models' top classes (``roots``),
decides nothing when neither tip's model builds it (:mod:`auditor.classify.built`); the verdict
lists it apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from auditor.classify.built import built
from auditor.classify.concerns import ModelMap
from auditor.classify.effects import KEY_RULES, Effect, Loads, effect_of
from auditor.domain import Finding
from auditor.extract.python import Reach
from auditor.fork.report import Direction, Reason, Verdict
from auditor.wording import between_sides, value_text

_WHY = {
    Effect.SHAPE: "stored tensors differ in shape, so loading fails",
    Effect.INPUTS: "weights load, but the model sees other inputs and its output is wrong",
    Effect.MISSING_KEYS: "{old} checkpoints lack its weights: they load into {new} only with "
    "strict=False, leaving it untrained",
    Effect.UNEXPECTED_KEYS: "{old} checkpoints hold weights {new} has no place for: they load "
    "only with strict=False",
    Effect.KEYS: "a switch adds or removes submodules, so keys go missing or are unexpected",
    Effect.VARIANT: "a model file or config exists on one side only",
    Effect.MODEL_MISSING: "the model's code is gone in {new}, so {old} checkpoints have no "
    "model to load into",
    Effect.CONTEXT: "compatibility context",
}


def _state_dict_keys(finding: Finding) -> tuple[str, ...]:
    """``SynthesizerTrn.__init__.self.sv_emb`` → ``sv_emb.*``."""
    _, marker, attribute = finding.key.partition(".self.")
    return (f"{attribute}.*",) if marker and attribute else ()


def _reason(finding: Finding, direction: Direction, effect: Effect) -> Reason:
    forward = direction is Direction.UPSTREAM_INTO_FORK
    upstream, fork = (finding.old, finding.new) if forward else (finding.new, finding.old)
    return Reason(
        direction=direction,
        effect=effect,
        severity=finding.severity,
        rule=finding.rule,
        file=finding.file,
        key=finding.key,
        upstream=upstream,
        fork=fork,
        message=f"{_what(finding, forward)}: {_why(effect, forward)}",
        keys=_state_dict_keys(finding) if effect in KEY_RULES.values() else (),
    )


def _why(effect: Effect, forward: bool) -> str:
    old, new = ("upstream", "the fork") if forward else ("the fork's", "upstream")
    return _WHY[effect].format(old=old, new=new)


def _what(finding: Finding, forward: bool) -> str:
    """The difference in words, naming the tips rather than old and new."""
    old_side, new_side = ("upstream", "the fork") if forward else ("the fork", "upstream")
    values = {old_side: finding.old, new_side: finding.new}
    return between_sides(finding.change, finding.file, finding.key, values, old_side, new_side)


def _merged(reasons: Iterable[Reason]) -> list[Reason]:
    """One reason per difference: the same difference seen both ways is ``both``."""
    merged: dict[tuple[str, str, str, str, str], Reason] = {}
    for reason in reasons:
        identity = (
            reason.file,
            reason.key,
            reason.effect.value,
            value_text(reason.upstream),
            value_text(reason.fork),
        )
        seen = merged.get(identity)
        if seen is None:
            merged[identity] = reason
        elif seen.direction is not reason.direction:
            worse = seen if seen.severity.rank >= reason.severity.rank else reason
            merged[identity] = replace(worse, direction=Direction.BOTH)
    return list(merged.values())


def _attributed(
    reason: Reason, fork_side: Sequence[Finding], upstream_side: Sequence[Finding]
) -> Reason:
    """REASON with the commits that set each side's value since the merge-base."""

    def last(findings: Sequence[Finding]) -> str | None:
        found = [f.commit for f in findings if f.file == reason.file and f.key == reason.key]
        return found[-1] if found else None

    return replace(reason, fork_commit=last(fork_side), upstream_commit=last(upstream_side))


def _sort_key(reason: Reason) -> tuple[int, str, str, str]:
    return (-reason.severity.rank, reason.file, reason.key, reason.direction.value)


def _loads(reasons: Sequence[Reason], direction: Direction) -> Loads:
    worst = Loads.YES
    for reason in reasons:
        if reason.direction.covers(direction) and reason.effect.loads.rank > worst.rank:
            worst = reason.effect.loads
    return worst


def _roots(model_map: ModelMap, finding: Finding) -> tuple[str, ...]:
    entry = model_map.entry(finding.file, finding.key)
    return () if entry is None else entry.roots


def decide(
    forward: Sequence[Finding],
    backward: Sequence[Finding],
    model_map: ModelMap,
    present: Sequence[str],
    fork_side: Sequence[Finding] = (),
    upstream_side: Sequence[Finding] = (),
    reaches: Mapping[tuple[str, ...], Sequence[Reach]] | None = None,
) -> tuple[Verdict, ...]:
    """A verdict for each model in PRESENT and each model a finding concerns.

    FORWARD audits upstream's tip (old) against the fork's (new), BACKWARD the reverse;
    FORK_SIDE and UPSTREAM_SIDE are the per-commit findings of each side since the
    merge-base, used to name the commit behind each reason. REACHES gives, for each set of
    ``roots`` of the map, what those classes build at each tip (None: every finding counts).
    """
    by_model: dict[str, list[Reason]] = defaultdict(list)
    unbuilt: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for direction, findings in (
        (Direction.UPSTREAM_INTO_FORK, forward),
        (Direction.FORK_INTO_UPSTREAM, backward),
    ):
        for finding in findings:
            effect = effect_of(finding)
            if effect is None:
                continue
            models = model_map.concerns(finding.file, finding.key, present)
            roots = _roots(model_map, finding)
            if roots and reaches is not None and not built(finding, reaches.get(roots, ())):
                for model in models:
                    unbuilt[model].add((finding.file, finding.key))
                continue
            reason = _reason(finding, direction, effect)
            for model in models:
                by_model[model].append(reason)
    verdicts: list[Verdict] = []
    for model in model_map.ordered({*present, *by_model, *unbuilt}):
        reasons = sorted(
            (_attributed(r, fork_side, upstream_side) for r in _merged(by_model.get(model, ()))),
            key=_sort_key,
        )
        verdicts.append(
            Verdict(
                model=model,
                upstream_into_fork=_loads(reasons, Direction.UPSTREAM_INTO_FORK),
                fork_into_upstream=_loads(reasons, Direction.FORK_INTO_UPSTREAM),
                reasons=tuple(reasons),
                unbuilt=tuple(sorted(unbuilt.get(model, ()))),
            )
        )
    return tuple(verdicts)

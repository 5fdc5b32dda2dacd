"""Which model of a profile a checkpoint belongs to, and why, at one revision.

A profile may build several models, and several variants of one (GPT-SoVITS's SoVITS stage
for v1, v2, v2Pro ...) that share most keys: v1 and v2 differ in one reference-encoder shape.
Key counts alone cannot tell those apart, so the checkpoint's own word comes first: the
version its tag or stored config names picks the variant of that name, among the models
holding its keys. Without such evidence the models holding at least :data:`MATCH_THRESHOLD`
of its keys are ranked: most of its keys held, then fewest shapes differing, then fewest
model keys missing, then the profile's order (a base model before its variants). The same
inputs always give the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.checkpoints.evidence import EvidenceSource, VersionEvidence
from auditor.checkpoints.results import CheckOutcome, ChoiceBasis, ModelChoice, ModelMatch

#: The share of the checkpoint's keys a model must hold to be the checkpoint's model.
MATCH_THRESHOLD = 0.25
_BASIS = {
    EvidenceSource.VERSION_TAG: ChoiceBasis.VERSION_TAG,
    EvidenceSource.CONFIG: ChoiceBasis.CONFIG,
}


@dataclass(frozen=True)
class NoChoice:
    """No model can be compared with the checkpoint: the outcome that says so, and why."""

    outcome: CheckOutcome
    reason: str


@dataclass(frozen=True)
class Chosen:
    """The choice, or why there is none, and warnings about the evidence."""

    choice: ModelChoice | NoChoice
    warnings: tuple[str, ...] = ()


def choose_model(
    matches: Sequence[ModelMatch], evidence: Sequence[VersionEvidence], profile: str
) -> Chosen:
    """The model among MATCHES (in profile order) the checkpoint belongs to."""
    warnings = _conflicts(evidence)
    eligible = [m for m in matches if m.built and m.fraction >= MATCH_THRESHOLD]
    if not eligible:
        return Chosen(_unmatched(matches, profile), warnings)
    order = {m.name: index for index, m in enumerate(matches)}
    ranked = sorted(eligible, key=lambda m: (*_fit_key(m), order[m.name]))
    families = {m.family for m in eligible}
    notes: list[str] = []
    for version, said in _by_version(evidence):
        named = [m for m in matches if m.variant == version and m.family in families]
        usable = [m for m in ranked if m.variant == version]
        details = " and ".join(e.detail for e in said)
        intro = f"the checkpoint's {details} {'name' if len(said) > 1 else 'names'} {version}"
        if usable:
            reason = f"{intro}: {usable[0].name}"
            choice = ModelChoice(usable[0].name, _BASIS[said[0].source], reason, version)
            return Chosen(choice, warnings)
        broken = [m for m in named if not m.built and not m.not_applicable]
        if broken:
            reason = f"{intro}, but {broken[0].name} could not be built: {broken[0].error}"
            return Chosen(NoChoice(unbuilt(broken[0]), reason), warnings)
        notes.append(f"{intro}, but {_absent(named, version)}")
    reason = "; ".join([*notes, _best(ranked)])
    return Chosen(ModelChoice(ranked[0].name, ChoiceBasis.KEYS_AND_SHAPES, reason), warnings)


def pinned_model(matches: Sequence[ModelMatch], name: str) -> ModelChoice | NoChoice:
    """Model NAME, chosen at the base of a range, at another commit of it."""
    match = next((m for m in matches if m.name == name), None)
    if match is None:
        return NoChoice(CheckOutcome.NO_MATCHING_MODEL, f"the profile has no model {name}")
    if match.not_applicable:
        reason = f"{name}, the checkpoint's model at the base of the range, is absent: "
        reason += str(match.error)
        return NoChoice(CheckOutcome.NO_MATCHING_MODEL, reason)
    if not match.built:
        return NoChoice(unbuilt(match), f"{name}: {match.error}")
    reason = f"{name}, the checkpoint's model at the base of the range"
    return ModelChoice(name, ChoiceBasis.RANGE_BASE, reason)


def unbuilt(match: ModelMatch) -> CheckOutcome:
    """Why MATCH's model was not built: its worker hung or died on it, a module it imports
    is not installed, or its build failed."""
    if match.stopped:
        return CheckOutcome(match.stopped)
    return CheckOutcome.UNAVAILABLE if match.unavailable else CheckOutcome.BUILD_FAILED


def _fit_key(match: ModelMatch) -> tuple[int, int, int]:
    return (-match.matched_keys, match.mismatched_keys, match.missing_keys)


def _fit(match: ModelMatch) -> str:
    """``100% of its keys, 1 shape differing, 2 model keys missing``."""
    parts = [f"{match.fraction:.0%} of its keys"]
    count = match.mismatched_keys
    parts.append("every shape matching" if not count else f"{_plural(count, 'shape')} differing")
    if match.missing_keys:
        parts.append(f"{_plural(match.missing_keys, 'model key')} missing")
    return ", ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _best(ranked: Sequence[ModelMatch]) -> str:
    """Why the first of RANKED is the best key and shape match, against the next ones."""
    best, rest = ranked[0], ranked[1:]
    text = f"the best key and shape match: {best.name}, holding {_fit(best)}"
    tied = [m.name for m in rest if _fit_key(m) == _fit_key(best)]
    other = next((m for m in rest if _fit_key(m) != _fit_key(best)), None)
    if tied:
        text += f" ({', '.join(tied)} fitting as well: the profile lists {best.name} first)"
    if other is not None:
        text += f"; next: {other.name}, holding {_fit(other)}"
    return text


def _absent(named: Sequence[ModelMatch], version: str) -> str:
    """Why none of NAMED (the variants called VERSION) can be the checkpoint's model."""
    if not named:
        return f"no model holding its keys has a variant {version}"
    reasons = []
    for m in named:
        if m.not_applicable:
            reasons.append(f"{m.name} does not exist at this revision ({m.error})")
        else:
            reasons.append(f"{m.name} holds only {m.fraction:.0%} of its keys")
    return "; ".join(reasons)


def _by_version(
    evidence: Sequence[VersionEvidence],
) -> list[tuple[str, list[VersionEvidence]]]:
    """EVIDENCE grouped by the version named, in the order each version is first named."""
    groups: dict[str, list[VersionEvidence]] = {}
    for said in evidence:
        groups.setdefault(said.version, []).append(said)
    return list(groups.items())


def _conflicts(evidence: Sequence[VersionEvidence]) -> tuple[str, ...]:
    versions = {said.version for said in evidence}
    if len(versions) < 2:
        return ()
    said = ", ".join(f"{e.detail} {e.version}" for e in evidence)
    return (f"the checkpoint names more than one version ({said}): the first is followed",)


def _unmatched(matches: Sequence[ModelMatch], profile: str) -> NoChoice:
    failed = [m for m in matches if not m.built and not m.not_applicable]
    if failed:
        reason = "; ".join(f"{m.name}: {m.error}" for m in failed)
        kinds = [unbuilt(m) for m in failed]
        worst = CheckOutcome.BUILD_FAILED if CheckOutcome.BUILD_FAILED in kinds else kinds[0]
        return NoChoice(worst, reason)
    built = [m for m in matches if m.built] or list(matches)
    best = max(built, key=lambda m: m.fraction, default=None)
    closest = f" (closest: {best.name}, {best.fraction:.0%} of its keys)" if best else ""
    absent = [m for m in matches if m.not_applicable]
    elsewhere = "".join(f"; {m.name} is not at this revision ({m.error})" for m in absent)
    reason = (
        f"no model of profile {profile} holds the checkpoint's keys{closest}{elsewhere}; "
        "it is another model's checkpoint, or a profile with its model is needed"
    )
    return NoChoice(CheckOutcome.NO_MATCHING_MODEL, reason)

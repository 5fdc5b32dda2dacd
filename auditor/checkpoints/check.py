"""Compare a checkpoint's tensors with the state-dict maps of a revision's models.

Nothing is loaded: the checkpoint's shapes come from :func:`read_checkpoint`, the model's
from a map built on the ``meta`` device, and ``load_state_dict``'s verdict follows from the
keys and shapes alone (a shape mismatch raises even with ``strict=False``; missing or
unexpected keys raise only with ``strict=True``).

Which model a checkpoint belongs to is decided by its keys: the model holding the largest
share of them, after dropping a prefix that every checkpoint key shares (``model.`` in
GPT-SoVITS GPT ``.ckpt`` files, ``module.`` in ``DataParallel`` saves) or adding one that
every model key shares, whichever makes the most keys match. A model must hold at least
:data:`MATCH_THRESHOLD` of the checkpoint's keys to be its model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checkpoints.model import Checkpoint, JSONValue
from auditor.checkpoints.results import (
    CheckOutcome,
    CheckResult,
    Comparison,
    ConfigDifference,
    KeyMapping,
    ModelMatch,
)
from auditor.runtime.maps import ModelMap, StateMaps, covers
from auditor.runtime.statediff import diff_state_maps

#: The share of the checkpoint's keys a model must hold to be the checkpoint's model.
MATCH_THRESHOLD = 0.25
#: How many levels of a shared prefix are tried (``model.`` then ``model.net.``).
PREFIX_DEPTH = 2


def check(checkpoint: Checkpoint, maps: StateMaps) -> CheckResult:
    """What ``load_state_dict`` would do with CHECKPOINT in the models of MAPS."""
    shapes = {key: info.shape for key, info in checkpoint.tensors.items()}
    matches = tuple(match_model(shapes, model) for model in maps.models)
    base: dict[str, Any] = {
        "revision": maps.revision,
        "sha": maps.sha,
        "profile": maps.profile,
        "device": maps.device,
        "models": matches,
        "warnings": maps.warnings,
    }
    if not shapes:
        reason = "the checkpoint holds no tensors"
        return CheckResult(**base, outcome=CheckOutcome.NO_MATCHING_MODEL, reason=reason)
    best = max(matches, key=lambda m: m.fraction, default=None)
    if best is None or best.fraction < MATCH_THRESHOLD:
        return _unmatched(base, matches, best)
    model = next(m for m in maps.models if m.name == best.name)
    comparison = compare(shapes, model, best.mapping, checkpoint.config)
    if comparison.mismatches:
        outcome = CheckOutcome.FAILS_TO_LOAD
    elif comparison.missing_keys or comparison.unexpected_keys:
        outcome = CheckOutcome.LOADS_WITH_MISSING_KEYS
    else:
        outcome = CheckOutcome.LOADS
    warnings = base.pop("warnings")
    if best.fraction < 0.5:
        warnings += (
            f"only {best.fraction:.0%} of the checkpoint's keys are in {best.name}: "
            "it may be another model's checkpoint",
        )
    return CheckResult(**base, outcome=outcome, comparison=comparison, warnings=warnings)


def _unmatched(
    base: dict[str, Any], matches: tuple[ModelMatch, ...], best: ModelMatch | None
) -> CheckResult:
    failed = [m for m in matches if not m.built]
    if failed:
        reason = "; ".join(f"{m.name}: {m.error}" for m in failed)
        return CheckResult(**base, outcome=CheckOutcome.BUILD_FAILED, reason=reason)
    closest = f" (closest: {best.name}, {best.fraction:.0%} of its keys)" if best else ""
    reason = (
        f"no model of profile {base['profile']} holds the checkpoint's keys{closest}; "
        "it is another model's checkpoint, or a profile with its model is needed"
    )
    return CheckResult(**base, outcome=CheckOutcome.NO_MATCHING_MODEL, reason=reason)


def match_model(shapes: Mapping[str, tuple[int, ...]], model: ModelMap) -> ModelMatch:
    """How many of the checkpoint's keys MODEL holds, under the mapping that matches most."""
    mapping, matched = KeyMapping(), 0
    if model.built and shapes:
        tried = [
            KeyMapping(strip, add)
            for strip in ("", *shared_prefixes(shapes))
            for add in ("", *shared_prefixes(model.shapes))
        ]
        scored = [(sum(m.apply(k) in model.shapes for k in shapes), m) for m in tried]
        # Most keys matched; among equals, the mapping that changes the least.
        matched, mapping = max(scored, key=lambda s: (s[0], -len(s[1].strip + s[1].add)))
    return ModelMatch(
        name=model.name,
        class_name=model.class_name,
        config=model.config,
        built=model.built,
        error=model.error,
        unavailable=model.unavailable,
        tensors=len(model.shapes),
        matched_keys=matched,
        fraction=matched / len(shapes) if shapes else 0.0,
        mapping=mapping,
    )


def shared_prefixes(keys: Mapping[str, Any]) -> list[str]:
    """The dotted prefixes every key starts with, shortest first: ``["model.", "model.h."]``."""
    found: list[str] = []
    prefix = ""
    for _ in range(PREFIX_DEPTH):
        heads = {key[len(prefix) :].split(".", 1)[0] for key in keys}
        deeper = all("." in key[len(prefix) :] for key in keys)
        if len(heads) != 1 or not deeper:
            break
        prefix += heads.pop() + "."
        found.append(prefix)
    return found


def compare(
    shapes: Mapping[str, tuple[int, ...]],
    model: ModelMap,
    mapping: KeyMapping,
    config: JSONValue,
) -> Comparison:
    """CHECKPOINT's shapes (keys under MAPPING) against MODEL's map, and the two configs."""
    named = {mapping.apply(key): shape for key, shape in shapes.items()}
    diff = diff_state_maps(named, model.shapes)
    return Comparison(
        model=model.name,
        class_name=model.class_name,
        config=model.config,
        mapping=mapping,
        mismatches=diff.mismatches,
        missing_keys=diff.missing,
        unexpected_keys=diff.unexpected,
        renames=diff.renames,
        config_differences=config_differences(config, model),
    )


def config_differences(config: JSONValue, model: ModelMap) -> tuple[ConfigDifference, ...]:
    """Keys the model is built from whose value in the checkpoint's own config differs.

    GPT-SoVITS stores the training hyper-parameters (``hps``) in its checkpoints, so
    ``model.hidden_channels: 192`` there against ``256`` in the revision's ``s2.json``
    explains a shape mismatch. Keys absent from either side are left out.
    """
    if not isinstance(config, dict) or model.hps is None:
        return ()
    ours = dict(_flatten(config))
    theirs = dict(_flatten(model.hps))
    return tuple(
        ConfigDifference(key, ours[key], theirs[key])
        for key in sorted(set(ours) & set(theirs))
        if ours[key] != theirs[key] and any(covers(read, key) for read in model.config_keys)
    )


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, JSONValue]]:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            yield name, [_plain(v) for v in value]
        else:
            yield name, _plain(value)


def _plain(value: Any) -> JSONValue:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)

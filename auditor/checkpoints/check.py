"""Compare a checkpoint's tensors with the state-dict maps of a revision's models.

Nothing is loaded: the checkpoint's shapes come from :func:`read_checkpoint`, the model's
from a map built on the ``meta`` device, and ``load_state_dict``'s verdict follows from the
keys and shapes alone (a shape mismatch raises even with ``strict=False``; missing or
unexpected keys raise only with ``strict=True``).

Each model's keys are matched after dropping a prefix that every checkpoint key shares
(``model.`` in GPT-SoVITS GPT ``.ckpt`` files, ``module.`` in ``DataParallel`` saves) or adding
one that every model key shares, whichever makes the most keys match. Which model the
checkpoint belongs to is then decided by :func:`~auditor.checkpoints.choice.choose_model`
(the version the checkpoint names, else the best key and shape match), or given: a bisection
compares every commit with the model chosen at the base of its range. Variants a revision
does not have take no part. Keys the project leaves out of the files it ships (the profile's
``shipped_without``, GPT-SoVITS's training-only ``enc_q.*``) are expected to be absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checkpoints.checkpoint import Checkpoint, JSONValue
from auditor.checkpoints.choice import Chosen, NoChoice, choose_model, pinned_model
from auditor.checkpoints.evidence import version_evidence
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

#: How many levels of a shared prefix are tried (``model.`` then ``model.net.``).
PREFIX_DEPTH = 2


def check(checkpoint: Checkpoint, maps: StateMaps, model: str | None = None) -> CheckResult:
    """What ``load_state_dict`` would do with CHECKPOINT in its model of MAPS.

    MODEL names the model to compare with (a bisection's, chosen at the base of its range);
    by default the checkpoint's model is chosen.
    """
    shapes = {key: info.shape for key, info in checkpoint.tensors.items()}
    matches = tuple(match_model(shapes, m) for m in maps.models)
    base: dict[str, Any] = {
        "revision": maps.revision,
        "sha": maps.sha,
        "profile": maps.profile,
        "device": maps.device,
        "models": matches,
    }
    if not shapes:
        reason = "the checkpoint holds no tensors"
        return CheckResult(
            **base, outcome=CheckOutcome.NO_MATCHING_MODEL, reason=reason, warnings=maps.warnings
        )
    if model is None:
        chosen = choose_model(matches, version_evidence(checkpoint), maps.profile)
    else:
        chosen = Chosen(pinned_model(matches, model))
    warnings = maps.warnings + chosen.warnings
    choice = chosen.choice
    if isinstance(choice, NoChoice):
        return CheckResult(**base, outcome=choice.outcome, reason=choice.reason, warnings=warnings)
    match = next(m for m in matches if m.name == choice.model)
    built = next(m for m in maps.models if m.name == choice.model)
    comparison = compare(shapes, built, match.mapping, checkpoint.config)
    if comparison.mismatches:
        outcome = CheckOutcome.FAILS_TO_LOAD
    elif comparison.missing_keys or comparison.unexpected_keys:
        outcome = CheckOutcome.LOADS_WITH_MISSING_KEYS
    else:
        outcome = CheckOutcome.LOADS
    if match.fraction < 0.5:
        warnings += (
            f"only {match.fraction:.0%} of the checkpoint's keys are in {match.name}: "
            "it may be another model's checkpoint",
        )
    return CheckResult(
        **base, outcome=outcome, comparison=comparison, warnings=warnings, choice=choice
    )


def match_model(shapes: Mapping[str, tuple[int, ...]], model: ModelMap) -> ModelMatch:
    """How many of the checkpoint's keys MODEL holds, under the mapping that matches most."""
    mapping, matched, mismatched, missing = KeyMapping(), 0, 0, len(model.shapes)
    if model.built and shapes:
        tried = [
            KeyMapping(strip, add)
            for strip in ("", *shared_prefixes(shapes))
            for add in ("", *shared_prefixes(model.shapes))
        ]
        scored = [(sum(m.apply(k) in model.shapes for k in shapes), m) for m in tried]
        # Most keys matched; among equals, the mapping that changes the least.
        matched, mapping = max(scored, key=lambda s: (s[0], -len(s[1].strip + s[1].add)))
        named = {mapping.apply(key): shape for key, shape in shapes.items()}
        held = [key for key in named if key in model.shapes]
        mismatched = sum(named[key] != model.shapes[key] for key in held)
        missing = sum(key not in named and model.ships(key) for key in model.shapes)
    return ModelMatch(
        name=model.name,
        class_name=model.class_name,
        config=model.config,
        built=model.built,
        error=model.error,
        unavailable=model.unavailable,
        stopped=model.stopped,
        tensors=len(model.shapes),
        matched_keys=matched,
        fraction=matched / len(shapes) if shapes else 0.0,
        mapping=mapping,
        variant=model.variant,
        base=model.base,
        not_applicable=model.not_applicable,
        mismatched_keys=mismatched,
        missing_keys=missing,
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
    """CHECKPOINT's shapes (keys under MAPPING) against MODEL's map, and the two configs.

    Keys the checkpoint lacks that the project never ships (the profile's
    ``shipped_without``) are ``not_shipped``, not missing: the file loads without them.
    """
    named = {mapping.apply(key): shape for key, shape in shapes.items()}
    not_shipped = {k for k in model.shapes if k not in named and not model.ships(k)}
    expected = {k: shape for k, shape in model.shapes.items() if k not in not_shipped}
    diff = diff_state_maps(named, expected)
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
        not_shipped=tuple(sorted(not_shipped)),
        shipped_without=model.shipped_without,
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

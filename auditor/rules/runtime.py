"""Rules whose findings runtime confirmation makes (``scan --confirm``), not a source change.

Building the models at both ends of a range and loading the old weights into the new model
shows breaks no fact says: a model that loads but computes something else, a submodule whose
tensors all moved under another name. These rules never apply to a static change; each says
which runtime result (:class:`~auditor.runtime.results.ModelResult`, one model's outcome) it
fires on, and its examples are such results rather than file versions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from auditor.domain import Category, Change, Confidence, Severity
from auditor.rules.base import Rule
from auditor.runtime.results import (
    ModelResult,
    Outcome,
    OutputComparison,
    Rename,
    ShapeMismatch,
)
from auditor.wording import key_rename, shape_change


@dataclass(frozen=True)
class RuntimeExample:
    """One model's runtime result that a runtime rule must flag (``flagged``) or leave alone."""

    model: ModelResult
    flagged: bool


@dataclass(frozen=True)
class RuntimeRule(Rule):
    """A rule about what loading did: it fires on a model's runtime result."""

    runtime_examples: tuple[RuntimeExample, ...] = ()

    def applies(self, change: Change) -> bool:
        """Never: no source change makes these findings, runtime confirmation does."""
        return False

    def fires(self, result: ModelResult) -> bool:
        """Whether RESULT, one model's runtime outcome, is what this rule reports."""
        raise NotImplementedError


@dataclass(frozen=True)
class OutputDiffersRule(RuntimeRule):
    """The old weights load, every shape fits, and the outputs differ beyond the tolerance."""

    def fires(self, result: ModelResult) -> bool:
        return result.outcome is Outcome.LOADS_OUTPUT_DIFFERS and result.comparison is not None


@dataclass(frozen=True)
class RenamedSubmoduleRule(RuntimeRule):
    """Every tensor of a submodule moved, with its shape, under another prefix."""

    def fires(self, result: ModelResult) -> bool:
        return bool(result.renames)


def describe(result: ModelResult) -> str:
    """What loading did to the model of RESULT, in a line (for the catalogue's examples)."""
    said: list[str] = []
    said += [f"shape {shape_change(m.key, m.old, m.new)}" for m in result.mismatches]
    said += [key_rename(r.old, r.new, r.tensors) for r in result.renames]
    for label, keys in (("missing", result.missing_keys), ("unexpected", result.unexpected_keys)):
        if keys and not result.renames:
            said.append(f"{len(keys)} keys {label} ({', '.join(keys)})")
    found = result.comparison
    if found is not None and found.max_rel_error is not None:
        said.append(
            f"{result.method or 'forward'}() output: relative error {found.max_rel_error:g} "
            f"(tolerance {found.tolerance:g})"
        )
    return "; ".join(said) or "nothing differs"


def _compared(max_rel_error: float, tolerance: float = 1e-4) -> OutputComparison:
    shapes = ((1, 1, 6400),)
    error = round(max_rel_error * 3.2, 6)  # an old output whose largest value is 3.2
    return OutputComparison(shapes, shapes, error, max_rel_error, tolerance)


def _sovits(outcome: Outcome, **fields: Any) -> ModelResult:
    """GPT-SoVITS's SoVITS model (776 tensors at both revisions) with OUTCOME and FIELDS."""
    config = "GPT_SoVITS/configs/s2.json"
    model = ModelResult("sovits", outcome, old_config=config, new_config=config)
    return replace(model, **{"old_tensors": 776, "new_tensors": 776, **fields})


_REF_ENC = ("ref_enc.spectral.0.fc.weight", "ref_enc.spectral.0.fc.bias", "ref_enc.fc.weight")
_REF_ENCODER = tuple(key.replace("ref_enc.", "ref_encoder.", 1) for key in _REF_ENC)

OUTPUT_DIFFERS = OutputDiffersRule(
    id="MA601",
    slug="output-differs",
    severity=Severity.HIGH,
    category=Category.RUNTIME,
    confidence=Confidence.HIGH,
    summary="The old weights load into the new model, every shape fits, and its output on "
    "the same seeded inputs differs from the old model's beyond the tolerance.",
    why="the model computes something else with the same weights (an activation, a "
    "scaling, a changed branch): old checkpoints load without an error and sound wrong",
    hint="Find the change to the model's computation (an activation, a scaling, a changed "
    "branch) and restore it, or retrain; old checkpoints will sound wrong.",
    runtime_examples=(
        RuntimeExample(
            _sovits(
                Outcome.LOADS_OUTPUT_DIFFERS,
                method="decode",
                output_shapes=((1, 1, 6400),),
                comparison=_compared(0.731),
            ),
            flagged=True,
        ),
        RuntimeExample(
            _sovits(
                Outcome.LOADS,
                method="decode",
                output_shapes=((1, 1, 6400),),
                comparison=_compared(3e-7),
            ),
            flagged=False,
        ),
    ),
)

RUNTIME_RENAME = RenamedSubmoduleRule(
    id="MA602",
    slug="runtime-rename",
    severity=Severity.MEDIUM,
    category=Category.RUNTIME,
    confidence=Confidence.HIGH,
    summary="Every tensor of a submodule moved, with its shape, under another prefix of "
    "the state dict, and no static finding mentions the rename.",
    why="old checkpoints hold the tensors under the old prefix: loaded with "
    "`strict=False`, the renamed submodule keeps its initial values",
    hint="Map the keys when loading old checkpoints (old.* -> new.*), or keep the old "
    "attribute name.",
    runtime_examples=(
        RuntimeExample(
            _sovits(
                Outcome.LOADS_WITH_MISSING_KEYS,
                missing_keys=_REF_ENCODER,
                unexpected_keys=_REF_ENC,
                renames=(Rename("ref_enc", "ref_encoder", 3),),
            ),
            flagged=True,
        ),
        RuntimeExample(
            _sovits(
                Outcome.FAILS_TO_LOAD,
                mismatches=(ShapeMismatch("enc_p.text_embedding.weight", (322, 192), (732, 192)),),
            ),
            flagged=False,
        ),
        RuntimeExample(
            _sovits(
                Outcome.LOADS_WITH_MISSING_KEYS,
                old_tensors=774,
                missing_keys=("sv_emb.bias", "sv_emb.weight"),
            ),
            flagged=False,
        ),
    ),
)

RULES = (OUTPUT_DIFFERS, RUNTIME_RENAME)

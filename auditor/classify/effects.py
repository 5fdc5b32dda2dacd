"""What a finding does to a checkpoint saved on its old side and loaded on its new side.

A shape change fails to load, an input change loads and gives wrong output, an added
submodule leaves keys missing (``strict=False``), a removed one leaves keys unexpected. The
fork verdicts and the changelog's per-model verdicts and compatibility matrix read findings
through :func:`effect_of`.
"""

from __future__ import annotations

from enum import Enum

from auditor.domain import Category, ChangeKind, Finding, Severity


class Loads(str, Enum):
    """Whether checkpoints saved with one tip's model load into the other tip's model."""

    YES = "yes"
    NO = "no"
    #: Only with ``load_state_dict(strict=False)``: keys are missing or unexpected.
    NON_STRICT = "strict=False"

    @property
    def rank(self) -> int:
        """Higher is worse: ``yes`` is 0, ``no`` is 2."""
        return {Loads.YES: 0, Loads.NON_STRICT: 1, Loads.NO: 2}[self]


class Effect(str, Enum):
    """What one difference between the tips does to a checkpoint carried across them."""

    #: A stored tensor changes shape (or holds another kind of layer): loading raises.
    SHAPE = "shape"
    #: Weights load, but the model sees other inputs: its output is wrong.
    INPUTS = "inputs"
    #: The loading model has submodules the checkpoint lacks.
    MISSING_KEYS = "missing-keys"
    #: The checkpoint holds submodules the loading model lacks.
    UNEXPECTED_KEYS = "unexpected-keys"
    #: A switch adds or removes submodules: keys go missing or become unexpected.
    KEYS = "keys"
    #: A model config or variant exists on one side only.
    VARIANT = "variant"
    #: The model's code is gone on the loading side: there is no model to load into.
    MODEL_MISSING = "model-missing"
    #: Dependency pins, default versions, pretrained pointers: context, not a break.
    CONTEXT = "context"

    @property
    def loads(self) -> Loads:
        """What this effect alone means for loading."""
        if self in (Effect.SHAPE, Effect.INPUTS, Effect.MODEL_MISSING):
            return Loads.NO
        if self in (Effect.MISSING_KEYS, Effect.UNEXPECTED_KEYS, Effect.KEYS):
            return Loads.NON_STRICT
        return Loads.YES


#: Rules whose findings are about state-dict keys of one submodule: what an added or removed
#: submodule leaves behind when old weights load into the new model.
KEY_RULES = {"MA501": Effect.MISSING_KEYS, "MA502": Effect.UNEXPECTED_KEYS}


def effect_of(finding: Finding) -> Effect | None:
    """What FINDING does to a checkpoint saved on its old side and loaded on its new side.

    None when it does nothing to loading: info findings, and the details of a new variant
    compared with its sibling (a new model, not a change to an existing one).
    """
    if finding.severity is Severity.INFO or finding.category is Category.NEW_VARIANT:
        return None
    if finding.change is ChangeKind.FILE_REMOVED and finding.file.endswith(".py"):
        return Effect.MODEL_MISSING
    if finding.severity is Severity.CRITICAL:
        return Effect.SHAPE
    if finding.severity is Severity.HIGH:
        return Effect.SHAPE if finding.category is Category.STATE_DICT_KEYS else Effect.INPUTS
    if finding.severity is Severity.MEDIUM:
        if finding.rule in KEY_RULES:
            return KEY_RULES[finding.rule]
        if finding.category is Category.CONFIG_FILE:
            return Effect.VARIANT
        if finding.category is Category.CHECKPOINT_FORMAT:
            return Effect.CONTEXT
        return Effect.KEYS
    return Effect.CONTEXT

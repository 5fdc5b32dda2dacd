"""Rules for the known encoders and vocoders a file imports or builds (``component.<role>``)
and for the checkpoints they are loaded from (``encoder-checkpoint``).

A swap replaces one component with another (MA111, a parameter rule). A component added
beside the existing one is not a swap: a model built with the existing one is unchanged and
the new one is another path (an API offering a second vocoder). Nor is one dropped while
others of its role remain (an unused import removed). A component of a role the file did not
use (a new file building a speaker-verification network) is a new input (MA119); a loader
given a path that names another model of the family (``medium.pt`` → ``large-v2.pt``) swaps
the encoder as surely as another class does (MA117).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from auditor.domain import Category, Change, ChangeKind, FactKind, Severity
from auditor.extract.python import KnownComponent, builtin_components
from auditor.extract.python.checkpoint_names import identity
from auditor.rules.base import FactRater, Rule, RuleExample

_HUBERT = (
    "from transformers import HubertModel\n\n\n"
    "def content_model(path):\n    return HubertModel.from_pretrained(path)\n"
)
_BOTH = (
    "from transformers import HubertModel, WavLMModel\n\n\n"
    "def content_model(path, kind):\n"
    "    if kind == 'wavlm':\n        return WavLMModel.from_pretrained(path)\n"
    "    return HubertModel.from_pretrained(path)\n"
)
_WAVLM = (
    "from transformers import WavLMModel\n\n\n"
    "def content_model(path):\n    return WavLMModel.from_pretrained(path)\n"
)


def _names(value: object) -> frozenset[str]:
    if isinstance(value, tuple):
        return frozenset(str(item) for item in value)
    return frozenset() if value is None else frozenset({str(value)})


@dataclass(frozen=True)
class ComponentSetRule(Rule):
    """The components of one role gained (``grown``) or lost members, none replaced."""

    grown: bool = True

    def applies(self, change: Change) -> bool:
        if change.fact_kind is not FactKind.ENCODER_IMPORT or change.kind is not (
            ChangeKind.MODIFIED
        ):
            return False
        old, new = _names(change.old), _names(change.new)
        if not old or not new:
            return False
        return old < new if self.grown else new < old


@dataclass(frozen=True)
class ComponentAddedRule(Rule):
    """A file started to import or build a known component of a role it did not use (a new
    file that builds one included); ``high`` when other files of the change set import that
    file, wiring the component into the code that runs."""

    #: What ``why`` says of a component of each role (``component.<role>``).
    why_by_role: tuple[tuple[str, str], ...] = ()

    def applies(self, change: Change) -> bool:
        return (
            change.fact_kind is FactKind.ENCODER_IMPORT
            and change.kind is ChangeKind.ADDED
            and change.key.startswith("component.")
        )

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        return Severity.HIGH if change.used_by else self.severity

    def why_of(self, change: Change) -> str:
        role = change.key.removeprefix("component.")
        return dict(self.why_by_role).get(role, self.why)


@dataclass(frozen=True)
class CheckpointIdentityRule(Rule):
    """The path an encoder or vocoder is loaded from names another model: its component,
    size or version words differ (a path moved, with the same words, is a pointer change)."""

    #: The project's own components, beside the built-in ones: their words count too.
    own: tuple[KnownComponent, ...] = ()

    def for_project(self, components: Iterable[KnownComponent]) -> Rule:
        return replace(self, own=tuple(components))

    def applies(self, change: Change) -> bool:
        if change.fact_kind is not FactKind.ENCODER_CHECKPOINT:
            return False
        if change.kind is not ChangeKind.MODIFIED:
            return False
        known = builtin_components().extended(self.own)
        old, new = identity(str(change.old), known), identity(str(change.new), known)
        return bool(old) and bool(new) and old != new


_SV = (
    "import torch\nfrom ERes2NetV2 import ERes2NetV2\n\n\n"
    "class SV:\n    def __init__(self, device):\n"
    "        self.embedding_model = ERes2NetV2(baseWidth=24, scale=4, expansion=4)\n"
)
_PPG = (
    "import os\nfrom whisper.model import Whisper\n\n\n"
    "def load_model(path):\n    return Whisper(path)\n\n\n"
    'if __name__ == "__main__":\n'
    '    whisper = load_model(os.path.join("whisper_pretrain", "medium.pt"))\n'
)


RULES = (
    ComponentSetRule(
        id="MA114",
        slug="component-added",
        severity=Severity.LOW,
        category=Category.OTHER,
        summary="A known encoder or vocoder was added beside the one a file already uses.",
        why="a model built with the existing component is unchanged; the new one is another "
        "path, whose checkpoints are its own",
        hint="Check that the default path still uses the component your checkpoints were "
        "trained with.",
        precedence=0,
        examples=(
            RuleExample("module/content.py", _HUBERT, _BOTH, flagged=True),
            RuleExample("module/content.py", _HUBERT, _WAVLM, flagged=False),
        ),
    ),
    ComponentSetRule(
        id="MA115",
        slug="component-dropped",
        severity=Severity.LOW,
        category=Category.OTHER,
        summary="A file no longer imports or builds one of several encoders or vocoders.",
        why="the component that remains is the one the file already used; only an unused or "
        "alternative path went away",
        hint="If your checkpoints were trained with the dropped component, keep the old code "
        "to use them.",
        precedence=0,
        grown=False,
        examples=(
            RuleExample("module/content.py", _BOTH, _HUBERT, flagged=True),
            RuleExample("module/content.py", _WAVLM, _HUBERT, flagged=False),
        ),
    ),
    ComponentAddedRule(
        id="MA119",
        slug="component-added-role",
        severity=Severity.MEDIUM,
        category=Category.INPUT_FEATURES,
        summary="Code started to build or import an encoder or vocoder of a role it did not use.",
        why="a new encoder feeds the models new features or embeddings (a new input); where the "
        "change set wires it into the code that runs, models fed by it need checkpoints "
        "trained with it",
        why_by_role=(
            (
                "vocoder",
                "a new vocoder turns the model's output into audio on another path; where the "
                "change set wires it into the code that runs, the outputs it is given must be "
                "those it was trained on (another mel layout or frame rate gives noise)",
            ),
            (
                "speaker-encoder",
                "a new speaker encoder feeds the models a speaker embedding (a new input); "
                "where the change set wires it into the code that runs, models fed by it need "
                "checkpoints trained with it",
            ),
        ),
        hint="Check which models consume the new component, and that checkpoints trained "
        "without it are not loaded into a model that now expects its output.",
        precedence=0,
        examples=(
            RuleExample("GPT_SoVITS/sv.py", "import torch\n", _SV, flagged=True),
            RuleExample("module/content.py", _HUBERT, _BOTH, flagged=False),
        ),
    ),
    CheckpointIdentityRule(
        id="MA117",
        slug="encoder-checkpoint-swap",
        severity=Severity.HIGH,
        category=Category.INPUT_FEATURES,
        summary="An encoder or vocoder is now loaded from a checkpoint of another model "
        "(another size, version or family).",
        why="features from another encoder model have other statistics and often another "
        "width, so models trained on the old features produce wrong output",
        hint="Re-extract features with the new encoder checkpoint and retrain; keep the old "
        "checkpoint to use old models.",
        precedence=0,
        examples=(
            RuleExample(
                "whisper/inference.py", _PPG, _PPG.replace("medium.pt", "large-v2.pt"), True
            ),
            RuleExample(
                "whisper/inference.py",
                _PPG,
                _PPG.replace('"whisper_pretrain", ', '"pretrain", "whisper", '),
                False,
            ),
        ),
    ),
)

"""Rules for facts read from Python code: submodules that change state-dict keys, and a
fallback for code facts no parameter rule knows."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, Confidence, FactKind, Severity
from auditor.rules.base import FALLBACK, FactRater, Rule, RuleExample

#: The key suffix of a symbol table's content fingerprint (``symbols.fingerprint``).
FINGERPRINT = ".fingerprint"

#: Tables whose ids a model embeds. Parts (``ja_symbols``, ``punctuation``) change them, and
#: the embedding's own size is reported where ``len()`` of the whole table is taken.
WHOLE_TABLES = frozenset({"symbols", "phonemes", "vocab", "vocabulary", "tokens"})


_HEAD = "import torch.nn as nn\n\n\nclass SynthesizerTrn(nn.Module):\n"
_INIT = "    def __init__(self, gin_channels=512):\n        super().__init__()\n"
_BASE = _HEAD + _INIT + "        self.proj = nn.Conv1d(768, 192, 1)\n"
_WITH_SV = _BASE + "        self.sv_emb = nn.Linear(20480, gin_channels)\n"
_RENAMED = _HEAD + _INIT + "        self.ssl_proj = nn.Conv1d(768, 192, 1)\n"
_RESIZED = _HEAD + _INIT + "        self.ssl_proj = nn.Conv1d(768, 256, 1)\n"
_TWINS = _BASE + "        self.post = nn.Conv1d(768, 192, 1)\n"
_REPLACED = _HEAD + _INIT + "        self.proj = nn.Linear(768, 192)\n"


@dataclass(frozen=True)
class SubmoduleRule(Rule):
    """A submodule registered in ``__init__`` was added, removed or replaced."""

    change_kind: ChangeKind = ChangeKind.ADDED

    def applies(self, change: Change) -> bool:
        if change.fact_kind is not FactKind.SUBMODULE or change.kind is not self.change_kind:
            return False
        # The same class imported through another path is no replacement.
        return change.kind is not ChangeKind.MODIFIED or _class_name(change.old) != _class_name(
            change.new
        )


@dataclass(frozen=True)
class SubmoduleConditionRule(Rule):
    """The ``if`` test a submodule is registered under changed (``.built_if`` facts)."""

    def applies(self, change: Change) -> bool:
        return change.fact_kind is FactKind.SUBMODULE and change.key.endswith(".built_if")

    def severity_of(self, change: Change, rate: FactRater) -> Severity:
        # a condition that comes or goes with its submodule is said by the submodule's rules
        return self.severity if change.kind is ChangeKind.MODIFIED else Severity.INFO


_GUARDED = (
    _HEAD
    + "    def __init__(self, n_speakers=0, gin_channels=256):\n        super().__init__()\n"
    + "        if n_speakers > 1:\n"
    + "            self.emb_g = nn.Embedding(n_speakers, gin_channels)\n"
)


def _class_name(value: object) -> str:
    return str(value).rsplit(".", 1)[-1]


@dataclass(frozen=True)
class SymbolTableRule(Rule):
    """The length (``symbols``) or content (``symbols.fingerprint``) of a whole symbol table
    changed; changes of its parts fall to the fallback rule."""

    content: bool = False

    def applies(self, change: Change) -> bool:
        table = change.key.removesuffix(FINGERPRINT).rsplit(".", 1)[-1]
        return (
            change.fact_kind is FactKind.SYMBOL_TABLE
            and change.kind is ChangeKind.MODIFIED
            and change.key.endswith(FINGERPRINT) == self.content
            and table in WHOLE_TABLES
        )


@dataclass(frozen=True)
class CodeFallbackRule(Rule):
    """Any change of a code fact that no other rule classified."""

    def applies(self, change: Change) -> bool:
        # forward-input and checkpoint-format facts matter only as the changes their own
        # rules name; a call of a renamed or new submodule is the submodule's change, not
        # another one, and a tag no longer written leaves the files plain zips
        return (
            change.fact_kind.from_code
            and change.fact_kind not in (FactKind.FORWARD_INPUT, FactKind.CHECKPOINT_FORMAT)
            and change.kind not in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED)
        )


_KEYS = "it adds or removes state-dict keys"
_TABLE = "symbols = ['_', 'a', 'b']\n"
RULES = (
    SubmoduleConditionRule(
        id="MA505",
        slug="submodule-condition",
        severity=Severity.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        summary="The condition a submodule is built under changed.",
        why="for some configurations the submodule is now built or left out where it was not, "
        "so checkpoints of those configurations gain or lose its state-dict keys",
        hint="Check which configurations now build the submodule, and load their old "
        "checkpoints with strict=False or retrain.",
        precedence=0,
        examples=(
            RuleExample(
                "models.py", _GUARDED, _GUARDED.replace("n_speakers > 1", "n_speakers >= 1"), True
            ),
            RuleExample(
                "models.py", _GUARDED, _GUARDED.replace("n_speakers > 1", "(n_speakers > 1)"), False
            ),
        ),
    ),
    SymbolTableRule(
        id="MA103",
        slug="symbol-table-size",
        severity=Severity.CRITICAL,
        category=Category.TENSOR_SHAPE,
        summary="The length of a symbol table (phonemes, tokens) changed.",
        why="an embedding built with len(symbols) rows changes shape, and ids after the "
        "change point mean other symbols",
        hint="Retrain, or rebuild the embedding by mapping each old symbol id to its new id.",
        examples=(
            RuleExample("text/symbols.py", _TABLE, _TABLE.replace("'b'", "'b', 'c'"), True),
            RuleExample(
                "text/symbols.py", _TABLE, "symbols = [\n    '_',\n    'a',\n    'b',\n]\n", False
            ),
        ),
    ),
    SymbolTableRule(
        id="MA104",
        slug="symbol-table-content",
        severity=Severity.HIGH,
        category=Category.INPUT_FEATURES,
        summary="A symbol table kept its length but its symbols or their order changed.",
        why="weights still load, but the same id now means another symbol, so text comes out wrong",
        hint="Keep the old order (append new symbols at the end) or retrain.",
        content=True,
        examples=(
            RuleExample("text/symbols.py", _TABLE, "symbols = ['_', 'b', 'a']\n", True),
            RuleExample("text/symbols.py", _TABLE, _TABLE.rstrip() + "  # the table\n", False),
            RuleExample(
                "text/symbols.py", "punctuation = ['!', '?']\n", "punctuation = ['?', '!']\n", False
            ),
        ),
    ),
    SubmoduleRule(
        id="MA501",
        slug="submodule-added",
        severity=Severity.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        summary="A submodule was added to a model's __init__.",
        why=f"{_KEYS}: old checkpoints load only with strict=False and leave it untrained",
        hint="Load old checkpoints with strict=False only if the new submodule may stay "
        "untrained; otherwise fine-tune it.",
        change_kind=ChangeKind.ADDED,
        examples=(
            RuleExample("module/models.py", _BASE, _WITH_SV, flagged=True),
            RuleExample("module/models.py", _BASE, _BASE.replace("(768", "( 768"), False),
        ),
    ),
    SubmoduleRule(
        id="MA502",
        slug="submodule-removed",
        severity=Severity.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        summary="A submodule was removed from a model's __init__ (or renamed and rebuilt).",
        why=f"{_KEYS}: old checkpoints carry weights the model no longer has",
        hint="Load with strict=False, or rename the keys of old checkpoints if it was renamed.",
        change_kind=ChangeKind.REMOVED,
        examples=(
            RuleExample("module/models.py", _WITH_SV, _BASE, flagged=True),
            RuleExample("module/models.py", _BASE, _RESIZED, flagged=True),
            RuleExample("module/models.py", _BASE, _BASE, flagged=False),
            RuleExample("module/models.py", _BASE, _RENAMED, flagged=False),
        ),
    ),
    SubmoduleRule(
        id="MA503",
        slug="submodule-replaced",
        severity=Severity.HIGH,
        category=Category.STATE_DICT_KEYS,
        summary="A submodule is now built by another class.",
        why="the weights under its keys belong to another kind of layer and cannot load",
        hint="Retrain the replaced submodule or convert its weights.",
        change_kind=ChangeKind.MODIFIED,
        examples=(
            RuleExample("module/models.py", _BASE, _REPLACED, flagged=True),
            RuleExample("module/models.py", _BASE, _WITH_SV, flagged=False),
            RuleExample(
                "module/models.py",
                _BASE,
                _BASE.replace("import torch.nn as nn", "import torch\nfrom torch import nn"),
                flagged=False,
            ),
        ),
    ),
    SubmoduleRule(
        id="MA504",
        slug="submodule-renamed",
        severity=Severity.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        summary="A submodule likely moved to another attribute: same class, same arguments.",
        why="its state-dict keys move with it, so old checkpoints fail strict loading with "
        "missing and unexpected keys, although every weight still fits",
        hint="Rename the keys of old checkpoints before loading (in every state-dict key, the "
        "old attribute's prefix becomes the new one's), or keep the old attribute name.",
        change_kind=ChangeKind.RENAMED,
        examples=(
            RuleExample("module/models.py", _BASE, _RENAMED, flagged=True),
            RuleExample("module/models.py", _BASE, _RESIZED, flagged=False),
            RuleExample(
                "module/models.py",
                _TWINS,
                _TWINS.replace("self.proj", "self.pre").replace("self.post", "self.mid"),
                flagged=False,
            ),
        ),
    ),
    CodeFallbackRule(
        id="MA998",
        slug="other-code-change",
        severity=Severity.INFO,
        category=Category.OTHER,
        summary="A value in model code changed that no rule knows to affect checkpoints.",
        why="no rule knows this value; it is listed for review",
        hint="If it does shape the model, declare it under `parameters` in .model-audit.yaml.",
        confidence=Confidence.LOW,
        precedence=FALLBACK,
        examples=(
            RuleExample(
                "module/models.py", "TEMPERATURE = 1.0\n", "TEMPERATURE = 0.8\n", flagged=True
            ),
            RuleExample("module/models.py", "HIDDEN = 192\n", "HIDDEN = 192  # width\n", False),
        ),
    ),
)

"""The data of an audit: facts, changes, findings and reports.

Pure data: frozen dataclasses and ``str`` enums whose values are the words users see.
Nothing here does I/O or rendering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias

#: A resolved value: a JSON scalar, or a tuple of values for lists.
FactValue: TypeAlias = "str | int | float | bool | tuple[FactValue, ...] | None"


def same_value(old: FactValue, new: FactValue) -> bool:
    """Equal values of the same type: ``1``, ``1.0`` and ``True`` differ (a config that turns
    1 into true did change), and NaN equals NaN."""
    if type(old) is not type(new):
        return False
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old):
        return math.isnan(new)
    return old == new


def class_of(key: str) -> str:
    """The class (or module-level name) a fact key belongs to."""
    return key.split(".", 1)[0].split("[", 1)[0]


class Severity(str, Enum):
    """How badly a change affects checkpoints users already own."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: ``info`` is 0, ``critical`` is 4."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(str, Enum):
    """How sure the audit is that a finding is real (static analysis alone says ``medium``)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Category(str, Enum):
    """What kind of incompatibility a finding describes."""

    TENSOR_SHAPE = "tensor-shape"
    INPUT_FEATURES = "input-features"
    STATE_DICT_KEYS = "state-dict-keys"
    DEPENDENCY = "dependency"
    VERSION_DEFAULT = "version-default"
    CONFIG_FILE = "config-file"
    NEW_VARIANT = "new-variant"
    TRAINING = "training"
    OTHER = "other"
    #: Found by building the models at both revisions, not by reading them.
    RUNTIME = "runtime"
    #: How checkpoint files are written: new files are read differently, old ones load.
    CHECKPOINT_FORMAT = "checkpoint-format"


class FactKind(str, Enum):
    """Where a fact was read from."""

    CONFIG = "config"
    DEPENDENCY = "dependency"
    CONSTRUCTOR_ARG = "constructor-arg"
    SUBMODULE = "submodule"
    INIT_DEFAULT = "init-default"
    CONSTANT = "constant"
    SYMBOL_TABLE = "symbol-table"
    VERSION_BRANCH = "version-branch"
    ENCODER_IMPORT = "encoder-import"
    AUDIO_FRONTEND = "audio-frontend"
    #: A literal resampling ratio or size of features in model code (``F.interpolate``).
    FEATURE_RATE = "feature-rate"
    #: Which layers of an encoder the features come from (``hidden_states[-3]``).
    FEATURE_LAYER = "feature-layer"
    #: The checkpoint path or model id a loader of an encoder or vocoder is given.
    ENCODER_CHECKPOINT = "encoder-checkpoint"
    #: What a model's ``forward`` concatenates, in order, and passes to its submodules.
    FORWARD_INPUT = "forward-input"
    #: How a project writes its checkpoint files (a version tag over a zip's first bytes).
    CHECKPOINT_FORMAT = "checkpoint-format"

    @property
    def from_code(self) -> bool:
        """Whether facts of this kind are read from Python code."""
        return self not in (FactKind.CONFIG, FactKind.DEPENDENCY)


class ChangeKind(str, Enum):
    """How a fact (or a whole file of facts) changed between two revisions.

    ``renamed``: a submodule that moved to another attribute with the same constructor and
    arguments; ``old`` and ``new`` are the attribute names.
    """

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    FILE_ADDED = "file-added"
    FILE_REMOVED = "file-removed"
    RENAMED = "renamed"


@dataclass(frozen=True)
class Fact:
    """One value that decides checkpoint compatibility, read from one file.

    ``key`` is unique within the file (``model.gin_channels``); ``parameter`` is its leaf
    name (``gin_channels``); ``line`` is 1-based (0 when unknown).
    """

    kind: FactKind
    key: str
    parameter: str
    value: FactValue
    line: int


@dataclass(frozen=True)
class FileFacts:
    """The facts of one blob, or the reason it could not be read."""

    facts: tuple[Fact, ...] = ()
    error: str | None = None

    @property
    def parsed(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Change:
    """A fact that differs between a parent revision and a commit."""

    kind: ChangeKind
    fact_kind: FactKind
    file: str
    key: str
    parameter: str
    old: FactValue = None
    new: FactValue = None
    line: int = 0
    old_file: str | None = None
    #: For file-level changes: the facts of the added (or removed) file.
    facts: tuple[Fact, ...] = ()
    #: For a new file compared with the existing file it is a variant of: that file.
    variant_of: str | None = None
    #: For a component a file starts to use: the other files of the same change set that
    #: import that file (what wires the component into the code that runs).
    used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Commit:
    """A commit as the report shows it; ``parent`` is the first parent it is compared with."""

    sha: str
    parent: str | None
    date: str
    author: str
    subject: str

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Finding:
    """A classified change: what broke, how badly, why, and what to do."""

    id: str
    rule: str
    change: ChangeKind
    commit: str
    parent: str | None
    file: str
    line: int
    severity: Severity
    confidence: Confidence
    category: Category
    parameter: str
    key: str
    old: FactValue
    new: FactValue
    message: str
    hint: str
    #: The id of the finding this one repeats in another file (the same change in the same
    #: commit: a class in ``models.py`` and in its export copy ``models_onnx.py``).
    mirror_of: str | None = None
    #: What runtime confirmation (``scan --confirm``) said: ``confirmed``, ``refuted`` or
    #: ``not-checked``, with the evidence (keys and shapes, or the output difference).
    runtime: str | None = None
    runtime_evidence: str | None = None


@dataclass(frozen=True)
class AuditWarning:
    """Something that could not be scanned; the audit went on without it."""

    message: str
    commit: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Report:
    """The result of auditing a range of history (or two trees)."""

    repository: str
    range: str
    commits_scanned: int
    commits: tuple[Commit, ...] = ()
    findings: tuple[Finding, ...] = ()
    warnings: tuple[AuditWarning, ...] = field(default=())
    #: Findings left out because the project's suppressions accept them.
    suppressed: int = 0
    #: For a comparison of two trees (``diff A B``): the two revisions as reports name them;
    #: no commit was scanned, and the findings' commit is B's. None for a scan of commits.
    trees: tuple[str, str] | None = None

    def commit(self, sha: str) -> Commit | None:
        """The scanned commit with this sha, if the report lists it."""
        for commit in self.commits:
            if commit.sha == sha:
                return commit
        return None

    def max_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

"""What checking a checkpoint against a repository found, as pure data.

One check compares the checkpoint's tensors with the state-dict map of the profile model it
belongs to at one revision; a bisection checks several revisions of a range to name the
first commit that rejects the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from auditor.checkpoints.checkpoint import Checkpoint, JSONValue
from auditor.domain import Commit
from auditor.runtime.results import Rename, ShapeMismatch


class CheckOutcome(str, Enum):
    """What ``load_state_dict`` would do with the checkpoint at one revision."""

    LOADS = "loads"
    #: Loads only with ``strict=False``: keys are missing or unexpected, no shape differs.
    LOADS_WITH_MISSING_KEYS = "loads-with-missing-keys"
    #: A shape differs: ``load_state_dict`` raises even with ``strict=False``.
    FAILS_TO_LOAD = "fails-to-load"
    #: No model of the profile holds enough of the checkpoint's keys to be its model.
    NO_MATCHING_MODEL = "no-matching-model"
    #: The models could not be built (a config missing, an error in their code).
    BUILD_FAILED = "build-failed"
    #: The model imports a third-party module that is not installed here.
    UNAVAILABLE = "unavailable"
    #: The model's worker ran past its timeout building it.
    TIMEOUT = "timeout"
    #: The model's worker died building it (a signal, ``os._exit``, a crash).
    CRASHED = "crashed"

    @property
    def checked(self) -> bool:
        """Whether the checkpoint was compared with a model at all."""
        return self in (self.LOADS, self.LOADS_WITH_MISSING_KEYS, self.FAILS_TO_LOAD)

    @property
    def unbuilt(self) -> bool:
        """Whether the model the checkpoint belongs to could not be built here."""
        return self in (self.BUILD_FAILED, self.UNAVAILABLE, self.TIMEOUT, self.CRASHED)


@dataclass(frozen=True)
class KeyMapping:
    """How checkpoint keys are named in the model: drop ``strip``, then prepend ``add``.

    GPT-SoVITS GPT ``.ckpt`` files hold ``model.``-prefixed keys of a Lightning module;
    a ``DataParallel`` save holds ``module.``; both are empty when the names already agree.
    """

    strip: str = ""
    add: str = ""

    def apply(self, key: str) -> str:
        """KEY as the model names it (KEY must start with ``strip``)."""
        return self.add + key[len(self.strip) :]


@dataclass(frozen=True)
class ModelMatch:
    """How well one profile model fits the checkpoint, keys named under ``mapping``.

    ``matched_keys`` of the checkpoint's keys are in the model (``fraction`` of them), of
    which ``mismatched_keys`` have another shape; ``missing_keys`` of the model's keys are not
    in the checkpoint. ``not_applicable``: a variant this revision does not have; ``stopped``:
    ``timeout`` or ``crashed`` when its worker hung or died building it.
    """

    name: str
    class_name: str
    config: str | None
    built: bool
    error: str | None
    unavailable: bool
    tensors: int
    matched_keys: int
    fraction: float
    mapping: KeyMapping
    variant: str | None = None
    base: str | None = None
    not_applicable: bool = False
    mismatched_keys: int = 0
    missing_keys: int = 0
    stopped: str | None = None

    @property
    def family(self) -> str:
        """The model this one is a variant of, or its own name (``sovits`` for ``sovits@v2``)."""
        return self.base or self.name


class ChoiceBasis(str, Enum):
    """Why the checkpoint is compared with the model it is compared with."""

    #: The checkpoint's version tag (GPT-SoVITS: ``05`` over ``PK``) names the variant.
    VERSION_TAG = "version-tag"
    #: The checkpoint's stored config (``model.version``) names the variant.
    CONFIG = "config"
    #: The model holding most of its keys; then fewest shapes differing, fewest model keys
    #: missing, and the profile's order.
    KEYS_AND_SHAPES = "keys-and-shapes"
    #: The model chosen at the base of the range: a bisection compares one model throughout.
    RANGE_BASE = "range-base"


@dataclass(frozen=True)
class ModelChoice:
    """The model the checkpoint is compared with, on what ``basis``, and why in words.

    ``version`` is the version the checkpoint names, when that decided.
    """

    model: str
    basis: ChoiceBasis
    reason: str
    version: str | None = None


@dataclass(frozen=True)
class ConfigDifference:
    """A config key the model is built from whose value differs from the checkpoint's."""

    key: str
    checkpoint: JSONValue
    model: JSONValue


@dataclass(frozen=True)
class Comparison:
    """The checkpoint against the model it belongs to, keys named as the model names them.

    ``missing_keys`` are keys of the model the checkpoint lacks, ``unexpected_keys`` keys of
    the checkpoint the model lacks; in ``mismatches`` ``old`` is the checkpoint's shape and
    ``new`` the model's. ``not_shipped`` are keys the checkpoint lacks as every file the
    project ships does (they match the profile's ``shipped_without`` globs, and are not
    among ``missing_keys``).
    """

    model: str
    class_name: str
    config: str | None
    mapping: KeyMapping
    mismatches: tuple[ShapeMismatch, ...]
    missing_keys: tuple[str, ...]
    unexpected_keys: tuple[str, ...]
    renames: tuple[Rename, ...]
    config_differences: tuple[ConfigDifference, ...]
    not_shipped: tuple[str, ...] = ()
    shipped_without: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """The checkpoint at one revision: the outcome, the comparison, how each model fit.

    ``reason`` says why nothing could be compared (outcomes that are not ``checked``);
    ``choice`` which model the comparison is with and why.
    """

    revision: str
    sha: str
    profile: str
    device: str
    outcome: CheckOutcome
    models: tuple[ModelMatch, ...]
    comparison: Comparison | None = None
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    choice: ModelChoice | None = None

    @property
    def loads(self) -> bool:
        """Whether ``load_state_dict`` (strict) accepts the checkpoint."""
        return self.outcome is CheckOutcome.LOADS


class BisectVerdict(str, Enum):
    """What a bisection of a range concluded."""

    #: ``first_rejecting`` rejects the checkpoint and its parent accepts it.
    FOUND = "found"
    #: The tip of the range accepts the checkpoint as the base does: nothing to find.
    LOADS_AT_TIP = "loads-at-tip"
    #: The base of the range already fails to load it.
    REJECTED_AT_BASE = "rejected-at-base"
    #: Commits that could not be built hide the first rejecting one (``undecided``).
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Trial:
    """One revision the bisection checked; ``rejects`` is None when it could not build.

    ``role``: ``base``, ``tip``, ``candidate`` (changes model facts), ``parent`` (of the
    commit named), ``branch`` (a merge's second parent) or ``commit`` (searched without the
    static filter). ``outcome`` is the check's outcome (a :class:`CheckOutcome`; another
    command's own word when it bisects with its own judge).
    """

    commit: Commit
    role: str
    outcome: Enum
    rejects: bool | None


@dataclass(frozen=True)
class BisectResult:
    """The first commit of a range whose model rejects the checkpoint, and how it was found.

    ``searched`` is ``candidates`` when the commits that change model facts sufficed,
    ``all-commits`` when the commit named lies outside them, ``none`` when the base and the
    tip settled it (then there are no ``candidates``: the static audit was not run).
    ``check`` is the check at the commit named (or at the tip, or at the base, as the
    verdict says). ``model`` is the model every commit was compared with: the one the
    checkpoint was matched to at the base.
    """

    range: str
    base: str
    tip: str
    verdict: BisectVerdict
    commits_in_range: int
    trials: tuple[Trial, ...]
    check: CheckResult
    candidates: tuple[Commit, ...] = ()
    searched: str = "candidates"
    first_rejecting: Commit | None = None
    parent_accepts: bool | None = None
    undecided: tuple[Commit, ...] = ()
    warnings: tuple[str, ...] = ()
    model: str | None = None


@dataclass(frozen=True)
class CheckOutput:
    """What ``model-audit check-ckpt`` writes: the checkpoint (read from FILE), the repository
    at PATH, the check at the chosen revision and, with ``--range``, the bisection."""

    checkpoint: Checkpoint
    file: str
    path: str
    check: CheckResult
    bisect: BisectResult | None = None

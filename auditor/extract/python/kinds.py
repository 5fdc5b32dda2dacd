"""The kinds of Python facts, by the words users see.

``auditor.domain.FactKind`` does not list them yet; until it does they are cast from their
names, so switching is one line (``return FactKind(name)`` in :func:`_kind`). ``FactKind`` is a
``str`` enum, so facts compare equal either way.
"""

from __future__ import annotations

from auditor.domain import FactKind

CONSTRUCTOR_ARG = "constructor-arg"
SUBMODULE = "submodule"
INIT_DEFAULT = "init-default"
CONSTANT = "constant"
SYMBOL_TABLE = "symbol-table"
VERSION_BRANCH = "version-branch"
ENCODER_IMPORT = "encoder-import"
AUDIO_FRONTEND = "audio-frontend"
FEATURE_RATE = "feature-rate"
FEATURE_LAYER = "feature-layer"
ENCODER_CHECKPOINT = "encoder-checkpoint"
FORWARD_INPUT = "forward-input"
CHECKPOINT_FORMAT = "checkpoint-format"

PYTHON_KIND_NAMES = (
    CONSTRUCTOR_ARG,
    SUBMODULE,
    INIT_DEFAULT,
    CONSTANT,
    SYMBOL_TABLE,
    VERSION_BRANCH,
    ENCODER_IMPORT,
    AUDIO_FRONTEND,
    FEATURE_RATE,
    FEATURE_LAYER,
    ENCODER_CHECKPOINT,
    FORWARD_INPUT,
    CHECKPOINT_FORMAT,
)


def _kind(name: str) -> FactKind:
    return FactKind(name)


#: Kind name -> the ``FactKind`` facts carry.
PYTHON_FACT_KINDS: dict[str, FactKind] = {name: _kind(name) for name in PYTHON_KIND_NAMES}

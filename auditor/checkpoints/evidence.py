"""What a checkpoint says about its own model version, before any key is compared.

GPT-SoVITS writes a two-byte tag over the ``PK`` of the zips of its newer SoVITS weights and
reads it back (``process_ckpt.py``, ``head2version``) to pick the model to build; the web UI
also stores the version it trained in the saved hps (``config["model"]["version"]``, and
``config["version"]``). Several variants of one model share most keys (v1 and v2 differ in a
single reference-encoder shape), so a version the checkpoint names is better evidence of its
model than a key count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from auditor.checkpoints.checkpoint import Checkpoint, JSONValue

#: GPT-SoVITS's ``head2version``: the tag over ``PK`` and the SoVITS version it means.
#: ``03`` and ``04`` are LoRA fine-tunes of v3 and v4; ``00`` to ``02`` are read, never written.
TAG_VERSIONS = {
    "00": "v1",
    "01": "v2",
    "02": "v3",
    "03": "v3",
    "04": "v4",
    "05": "v2Pro",
    "06": "v2ProPlus",
}
#: Where the stored config names a version, in the order they are trusted.
CONFIG_KEYS = (("model", "version"), ("version",))


class EvidenceSource(str, Enum):
    """Where the checkpoint names its version."""

    VERSION_TAG = "version-tag"
    CONFIG = "config"


@dataclass(frozen=True)
class VersionEvidence:
    """A version the checkpoint names (``v2Pro``), where (``source``) and how (``detail``)."""

    version: str
    source: EvidenceSource
    detail: str


def version_evidence(checkpoint: Checkpoint) -> tuple[VersionEvidence, ...]:
    """Every version CHECKPOINT names, the most trusted first: its tag, then its config.

    An unknown tag names nothing (it is shown as read, in the checkpoint's description).
    """
    found: list[VersionEvidence] = []
    tag = checkpoint.version_tag
    if tag in TAG_VERSIONS:
        version = TAG_VERSIONS[tag]
        found.append(VersionEvidence(version, EvidenceSource.VERSION_TAG, f"version tag {tag}"))
    for path in CONFIG_KEYS:
        value = _lookup(checkpoint.config, path)
        if isinstance(value, str) and value:
            detail = f"config {'.'.join(path)}"
            found.append(VersionEvidence(value, EvidenceSource.CONFIG, detail))
    return tuple(found)


def _lookup(config: JSONValue, path: tuple[str, ...]) -> JSONValue:
    value = config
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value

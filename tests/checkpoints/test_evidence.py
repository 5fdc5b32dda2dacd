"""version_evidence: the version a checkpoint names by its GPT-SoVITS tag or stored config."""

from __future__ import annotations

import pytest

from auditor.checkpoints.checkpoint import Checkpoint, ContainerFormat, JSONValue, TensorInfo
from auditor.checkpoints.evidence import EvidenceSource, VersionEvidence, version_evidence


def saved(tag: str | None, config: JSONValue) -> Checkpoint:
    tensors = {"enc_p.text_embedding.weight": TensorInfo("float16", (732, 192))}
    return Checkpoint(ContainerFormat.TORCH_ZIP, tag, tensors, config, ("weight", "config"))


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("00", "v1"),
        ("01", "v2"),
        ("02", "v3"),
        ("03", "v3"),
        ("04", "v4"),
        ("05", "v2Pro"),
        ("06", "v2ProPlus"),
    ],
)
def test_gpt_sovits_tags(tag: str, version: str) -> None:
    assert version_evidence(saved(tag, None)) == (
        VersionEvidence(version, EvidenceSource.VERSION_TAG, f"version tag {tag}"),
    )


def test_the_tag_comes_before_the_config() -> None:
    config: JSONValue = {"model": {"version": "v2Pro"}, "version": "v2Pro", "train": {}}
    assert version_evidence(saved("05", config)) == (
        VersionEvidence("v2Pro", EvidenceSource.VERSION_TAG, "version tag 05"),
        VersionEvidence("v2Pro", EvidenceSource.CONFIG, "config model.version"),
        VersionEvidence("v2Pro", EvidenceSource.CONFIG, "config version"),
    )


@pytest.mark.parametrize(
    ("tag", "config"),
    [
        (None, None),
        ("09", None),  # a tag GPT-SoVITS does not write names nothing
        (None, {"model": {"version": 2}, "version": ""}),
        (None, {"model": "v2"}),
        (None, [1025, 32, 192]),  # RVC stores its constructor arguments as a list
    ],
)
def test_nothing_named(tag: str | None, config: JSONValue) -> None:
    assert version_evidence(saved(tag, config)) == ()

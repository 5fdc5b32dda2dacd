"""The manifest: its JSON document follows the schema and reads back as written; a file that
is not a manifest is refused with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.provenance.environment import Environment, Requirement
from auditor.provenance.front_end import FrontEndValue
from auditor.provenance.manifest import (
    FileIdentity,
    Manifest,
    ManifestError,
    ModelIdentity,
    Source,
    dumps,
    manifest_document,
    parse_manifest,
    read_sidecar,
    sidecar_path,
)
from tests.conftest import validate

MANIFEST = Manifest(
    checkpoint=FileIdentity(
        name="s2G488k.pth",
        format="torch-zip",
        version_tag="05",
        size=8,
        sha256="a" * 64,
        digest_of="file",
        keys_digest="sha256:" + "b" * 64,
        tensor_count=2,
        parameter_count=10,
    ),
    repository=Source(
        url="https://github.com/RVC-Boss/GPT-SoVITS.git",
        commit="c" * 40,
        revision="HEAD",
        subject="Add the v2Pro models",
        date="2025-06-06T12:00:00+08:00",
        tags=("20250606v2pro",),
        dirty=True,
        changed_files=("GPT_SoVITS/s2_train.py",),
    ),
    model=ModelIdentity(
        layout="GPT-SoVITS SoVITS v2Pro",
        project="GPT-SoVITS",
        generation="v2Pro",
        profile="gpt-sovits",
        name="sovits@v2Pro",
        class_name="SynthesizerTrn",
        variant="v2Pro",
        config_file="GPT_SoVITS/configs/s2v2Pro.json",
        basis="version-tag",
        reason="the checkpoint's version tag 05 names v2Pro: sovits@v2Pro",
    ),
    config={"data": {"sampling_rate": 32000}, "model": {"version": "v2Pro"}},
    config_source="checkpoint",
    config_file=None,
    front_end=(FrontEndValue("sampling_rate", 32000, "data.sampling_rate"),),
    environment=Environment("3.10.12", "linux", {"torch": "2.1.0", "torchaudio": None}),
    requirements=(Requirement("torch", "==2.1.0", "requirements.txt"),),
    tool_version="0.1.0",
    created="2025-06-07T09:00:00Z",
)


def test_the_document_follows_its_schema_and_reads_back() -> None:
    document = manifest_document(MANIFEST)
    validate(document, "manifest")
    assert document["$schema"] == "https://model-audit.dev/schemas/manifest.schema.json"
    assert document["model"]["class"] == "SynthesizerTrn"
    assert parse_manifest(dumps(MANIFEST), "here") == MANIFEST


def test_the_sidecar_sits_beside_the_checkpoint(tmp_path: Path) -> None:
    path = sidecar_path(tmp_path / "s2G488k.pth")
    assert path == tmp_path / "s2G488k.pth.model-audit.json"
    path.write_text(dumps(MANIFEST), encoding="utf-8")
    assert read_sidecar(path) == MANIFEST


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"m\.json is not a JSON manifest"),
        ('{"schema_version": 1}', r"m\.json is not a model-audit manifest \(at the top level: "),
    ],
)
def test_what_is_not_a_manifest_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_sidecar(path)


def test_a_wrong_value_is_located(tmp_path: Path) -> None:
    document = manifest_document(MANIFEST)
    document["checkpoint"]["sha256"] = "not a digest"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"at checkpoint/sha256: 'not a digest' does not"):
        read_sidecar(path)
    with pytest.raises(ManifestError, match=r"cannot read manifest .*gone\.json"):
        read_sidecar(tmp_path / "gone.json")

"""stamp: a manifest written beside the checkpoint (or into a safetensors header) from the
commit it was trained at; a dirty work tree recorded; a revision that rejects it refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.provenance import stamp as library_stamp
from auditor.provenance.manifest import read_sidecar, sidecar_path
from auditor.provenance.stamp import StampRefused, _public_url, stamp
from tests.checkpoint_files import write_safetensors
from tests.conftest import validate
from tests.provenance.conftest import STAMPED_AT, Story

pytestmark = pytest.mark.torch


def test_the_library_function_is_the_one_training_scripts_import() -> None:
    assert library_stamp is stamp


@pytest.mark.bisect
def test_the_manifest_of_a_clean_work_tree(story: Story) -> None:
    stamped = story.stamped
    assert stamped.location == str(sidecar_path(story.checkpoint))
    manifest = read_sidecar(sidecar_path(story.checkpoint))
    assert manifest == stamped.manifest
    validate(json.loads(sidecar_path(story.checkpoint).read_text()), "manifest")
    source = manifest.repository
    v1 = subprocess.run(
        ["git", "rev-parse", "v1.0^{commit}"], cwd=story.clone, capture_output=True, text=True
    ).stdout.strip()
    assert (source.commit, source.tags, source.dirty, source.revision) == (
        v1,
        ("v1.0",),
        False,
        "HEAD",
    )
    assert source.url is not None and source.url.endswith("mini_sovits")
    model = manifest.model
    assert (model.name, model.variant, model.basis, model.profile) == (
        "sovits@v1",
        "v1",
        "version-tag",
        "gpt-sovits",
    )
    assert model.layout == "GPT-SoVITS SoVITS v1"
    assert manifest.config_source == "checkpoint"
    assert {v.name: v.value for v in manifest.front_end}["sampling_rate"] == 32000
    assert manifest.environment.packages["torch"] is not None
    assert {r.name: r.specifier for r in manifest.requirements}["torch"] == "==2.1.0"
    assert manifest.created == STAMPED_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert manifest.checkpoint.digest_of == "file" and manifest.checkpoint.version_tag == "00"
    assert stamped.warnings == ()


def test_a_dirty_work_tree_and_a_refusal(
    mini_sovits: Path, v1_checkpoint: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(mini_sovits), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "v1.0"], cwd=clone, check=True)
    (clone / "webui.py").write_text("# tuned by hand before training\n")
    checkpoint = tmp_path / "s2G.pth"
    shutil.copyfile(v1_checkpoint, checkpoint)
    dirty = stamp(checkpoint, clone, write=False)
    assert (dirty.manifest.repository.dirty, dirty.manifest.repository.changed_files) == (
        True,
        ("webui.py",),
    )
    assert dirty.location is None and not sidecar_path(checkpoint).exists()
    assert "the work tree has uncommitted changes (1 files)" in dirty.warnings[0]
    with pytest.raises(StampRefused, match=r"fails-to-load; enc_p\.ssl_proj\.weight") as refused:
        stamp(checkpoint, clone, "v2.0")
    assert "does not descend" not in str(refused.value)
    forced = stamp(checkpoint, clone, "v2.0", force=True, write=False)
    assert forced.manifest.repository.dirty is None  # v2.0 is not the work tree's commit
    assert any(w.startswith("stamped although it fails to load") for w in forced.warnings)


def test_a_safetensors_file_carries_its_manifest(mini_sovits: Path, tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"step": ("I64", ())})
    stamped = stamp(path, mini_sovits, "v1.0")
    assert stamped.location == f"{path} (safetensors __metadata__)"
    assert stamped.manifest.checkpoint.digest_of == "tensor-data"
    assert stamped.manifest.config_source == "none"
    assert stamped.manifest.model.name is None
    assert any("the model was not checked" in w for w in stamped.warnings)
    assert not sidecar_path(path).exists()


def test_credentials_never_reach_the_manifest() -> None:
    assert (
        _public_url("https://user:ghp_secret@github.com/RVC-Boss/GPT-SoVITS.git")
        == "https://github.com/RVC-Boss/GPT-SoVITS.git"
    )
    assert _public_url("git@github.com:RVC-Boss/GPT-SoVITS.git") == (
        "git@github.com:RVC-Boss/GPT-SoVITS.git"
    )
    assert _public_url(None) is None

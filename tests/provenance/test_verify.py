"""verify: stamped at v1.0, the work tree moved to v2.0 past the phoneme table's growth; the
file checked against its manifest, the findings about its model, the first breaking commit,
the environment's drift; a missing commit, a changed file, no manifest."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.domain import Category, Confidence, Finding, Severity
from auditor.provenance.front_end import FrontEndValue
from auditor.provenance.manifest import sidecar_path
from auditor.provenance.verify import (
    CannotVerify,
    FrontEndChange,
    Verdict,
    _front_end_changes,
    concerned_models,
    concerning,
    find_manifest,
    verify,
)
from tests.provenance.conftest import NO_CACHE, PHONEMES, V2_DEFAULT, Story, VariantStory


def finding(file: str, key: str, severity: Severity = Severity.CRITICAL) -> Finding:
    return Finding(
        id="x",
        rule="MA101",
        change="changed",  # type: ignore[arg-type]
        commit="a" * 40,
        parent=None,
        file=file,
        line=1,
        severity=severity,
        confidence=Confidence.MEDIUM,
        category=Category.TENSOR_SHAPE,
        parameter=key,
        key=key,
        old=1,
        new=2,
        message="",
        hint="",
    )


def test_the_model_map_picks_the_findings_about_the_model() -> None:
    assert concerned_models("sovits@v2Pro") == ("SoVITS generator",)
    assert concerned_models("gpt") == ("GPT stage",)
    found = [
        finding("GPT_SoVITS/configs/s2.json", "model.gin_channels"),
        finding("GPT_SoVITS/configs/s1longer.yaml", "model.embedding_dim"),
        finding("GPT_SoVITS/text/symbols.py", "symbols"),
        finding("requirements.txt", "torch", Severity.LOW),
        finding("GPT_SoVITS/configs/s2.json", "train.epochs", Severity.INFO),
        finding("webui.py", "version"),
    ]
    kept = concerning(found, ("SoVITS generator",))
    assert [f.file for f in kept] == [
        "GPT_SoVITS/configs/s2.json",
        "GPT_SoVITS/text/symbols.py",
        "requirements.txt",
    ]
    assert len(concerning(found, ())) == 5  # without a model: every model fact


@pytest.mark.torch
@pytest.mark.bisect
def test_verify_names_the_change_that_breaks_it(story: Story) -> None:
    v = story.verified
    assert v.verdict is Verdict.BREAKS
    assert v.hash is not None and v.hash.matches and v.hash.keys_match
    assert v.stamped is not None and v.stamped.sha == story.stamped.manifest.repository.commit
    assert v.bisect is not None and v.bisect.first_rejecting is not None
    assert v.bisect.first_rejecting.subject == PHONEMES
    assert v.bisect.model == "sovits@v1"
    assert v.runtime is not None and v.runtime.outcome.value == "fails-to-load"
    assert v.models == ("SoVITS generator",)
    first = v.bisect.first_rejecting.sha
    about = {(f.file, f.key) for f in v.findings if f.commit == first}
    assert ("GPT_SoVITS/text/symbols.py", "symbols") in about
    assert not {f.file for f in v.findings} & {"README.md", "webui.py", "config.py"}
    changes = {r.name: (r.stamped, r.target) for r in v.requirement_changes}
    assert changes["torch"] == ("==2.1.0", "==2.3.1")
    assert v.drift == () and v.warnings == () and v.identification is None


@pytest.mark.torch
@pytest.mark.bisect
def test_a_variant_of_the_stamped_model_still_loads_it(variant_story: VariantStory) -> None:
    v = variant_story.verified
    assert variant_story.stamped.manifest.model.name == "sovits"
    assert v.verdict is Verdict.LOADS_AS_VARIANT
    assert v.runtime is not None and v.runtime.outcome.value == "fails-to-load"
    assert v.bisect is not None and v.bisect.model == "sovits"
    assert v.bisect.first_rejecting is not None
    assert v.bisect.first_rejecting.subject == V2_DEFAULT
    assert v.loads_as is not None and v.loads_as.status.loads
    assert v.loads_as.check.comparison is not None
    assert v.loads_as.check.comparison.model == "sovits@v1"
    assert v.loads_as.check.sha == v.target_sha
    assert not v.static_breaks


@pytest.mark.torch
@pytest.mark.bisect
def test_the_range_is_scanned_once(variant_story: VariantStory) -> None:
    """The bisection takes its candidates from verify's static audit of the same range."""
    v = variant_story.verified
    assert v.stamped is not None and v.target_sha is not None
    assert variant_story.scans == (f"{v.stamped.sha}..{v.target_sha}",)
    assert v.bisect is not None
    assert [c.subject for c in v.bisect.candidates] == [V2_DEFAULT]
    assert [c.subject for c in v.commits] == [V2_DEFAULT]


@pytest.mark.torch
@pytest.mark.bisect
def test_no_variant_loads_it_past_the_phoneme_table(story: Story) -> None:
    assert story.verified.loads_as is None


@pytest.mark.torch
@pytest.mark.bisect
def test_drift_a_changed_file_and_a_missing_commit(story: Story, tmp_path: Path) -> None:
    checkpoint = tmp_path / "s2G.pth"
    shutil.copyfile(story.checkpoint, checkpoint)
    document = json.loads(sidecar_path(story.checkpoint).read_text())
    document["environment"]["packages"]["torch"] = "2.1.0"
    document["checkpoint"]["sha256"] = "0" * 64
    sidecar_path(checkpoint).write_text(json.dumps(document))
    v = verify(checkpoint, story.clone, "v1.0", options=NO_CACHE)
    assert v.verdict is Verdict.MISMATCH
    assert v.hash is not None and not v.hash.matches and v.hash.keys_match
    assert v.bisect is not None and v.bisect.verdict.value == "loads-at-tip"
    (torch,) = [d for d in v.drift if d.name == "torch"]
    assert torch.stamped == "2.1.0" and torch.now != "2.1.0"
    document["repository"]["commit"] = "f" * 40
    sidecar_path(checkpoint).write_text(json.dumps(document))
    with pytest.raises(CannotVerify, match=f"the stamped commit {'f' * 12} .* is not in "):
        verify(checkpoint, story.clone, options=NO_CACHE)


@pytest.mark.torch
@pytest.mark.bisect
def test_without_a_manifest_it_is_identified(
    mini_sovits: Path, v1_checkpoint: Path, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "s2G.pth"
    shutil.copyfile(v1_checkpoint, checkpoint)
    assert find_manifest(checkpoint) == (None, None)
    v = verify(checkpoint, mini_sovits, "v1.0", options=NO_CACHE)
    assert v.verdict is Verdict.FINE and v.manifest is None
    assert v.identification is not None and v.identification.tip is not None
    assert v.identification.tip.name == "v1.0"
    assert v.warnings == (
        f"no manifest (looked for {sidecar_path(checkpoint)}): identified instead",
    )


def test_a_given_manifest_wins(tmp_path: Path) -> None:
    from auditor.provenance.manifest import dumps
    from tests.provenance.test_manifest import MANIFEST

    given = tmp_path / "elsewhere.json"
    given.write_text(dumps(replace(MANIFEST, created=None)))
    manifest, where = find_manifest(tmp_path / "s2G.pth", given)
    assert manifest is not None and manifest.created is None and where == str(given)


def test_front_end_values_the_target_changes() -> None:
    stamped = (
        FrontEndValue("sampling_rate", 32000, "data.sampling_rate"),
        FrontEndValue("hop_length", 640, "data.hop_length"),
        FrontEndValue("n_mel_channels", 128, "data.n_mel_channels"),
    )
    target = {"data": {"sampling_rate": 48000, "hop_length": 960, "n_mel_channels": 128}}
    assert _front_end_changes(stamped, target) == (
        FrontEndChange("sampling_rate", 32000, 48000, "data.sampling_rate"),
        FrontEndChange("hop_length", 640, 960, "data.hop_length"),
    )
    assert _front_end_changes(stamped, None) == ()

"""identify on mini_sovits: checkpoints built by its own models at two releases, the releases
that load each, the commit that breaks each; the file alone without a repository."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from auditor.checkpoints import UnsafeCheckpoint
from auditor.checkpoints.results import ChoiceBasis
from auditor.provenance.identify import Identification, identify
from auditor.provenance.releases import Run, Status
from tests.checkpoint_files import malicious_pickle
from tests.provenance.conftest import NO_CACHE, PROFILE, UPSAMPLING


@pytest.mark.torch
@pytest.mark.bisect
def test_a_v1_checkpoint(identified_v1: Identification) -> None:
    found = identified_v1
    layout = found.facts.layout
    assert layout.label == "GPT-SoVITS SoVITS v1"
    assert "version tag 00 names v1" in layout.evidence
    assert found.runs == (
        Run(Status.LOADS, ("v1.0",)),
        Run(Status.FAILS, ("v2.0", "v3.0", "v3.1", "v3.2")),
    )
    model = found.model
    assert model is not None and model.name == "v1.0"
    assert model.check.choice is not None
    assert (model.check.choice.model, model.check.choice.basis) == (
        "sovits@v1",
        ChoiceBasis.VERSION_TAG,
    )
    assert found.tip is not None and found.tip.name == "v3.2"
    assert (found.profile, found.device, found.left_out) == ("gpt-sovits", "meta", 0)
    assert found.facts.weights_only.tagged == "00"


@pytest.mark.torch
@pytest.mark.bisect
def test_a_v2_checkpoint_loads_at_its_release_only(identified_v2: Identification) -> None:
    found = identified_v2
    assert found.facts.layout.generation == "v2"
    assert [(r.name, r.status) for r in found.releases] == [
        ("v1.0", Status.FAILS),
        ("v2.0", Status.LOADS),
        ("v3.0", Status.FAILS),
    ]
    (only,) = found.breaks
    assert (only.after, only.at) == ("v2.0", "v3.0")
    assert only.bisect is not None and only.bisect.first_rejecting is not None
    assert only.bisect.first_rejecting.subject == UPSAMPLING
    assert only.fact is not None and only.fact.startswith("dec.ups.0.weight [512, 256, 16] ->")
    assert found.model is not None and found.model.name == "v2.0"


@pytest.mark.torch
def test_the_file_alone(v1_checkpoint: Path) -> None:
    found = identify(v1_checkpoint)
    assert (found.repository, found.not_checked, found.releases) == (
        None,
        "no repository given",
        (),
    )
    assert found.facts.layout.generation == "v1"
    assert {v.name: v.value for v in found.facts.front_end}["hop_length"] == 640


def test_a_repository_without_a_profile_is_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "s1.ckpt"
    path.write_bytes(pickle.dumps({"weight": {}, "config": {}}, protocol=2))
    found = identify(path, tmp_path)
    assert (found.repository, found.not_checked) == (str(tmp_path), "no runtime profile given")


def test_an_unsafe_file_is_refused_before_anything(tmp_path: Path, mini_sovits: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(malicious_pickle(marker))
    with pytest.raises(UnsafeCheckpoint):
        identify(path, mini_sovits, PROFILE, options=NO_CACHE)
    assert not marker.exists()

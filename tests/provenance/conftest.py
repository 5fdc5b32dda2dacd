"""Fixtures of the provenance tests: mini_sovits, checkpoints built by its own models at two
releases, one identification of each, and two stamp → move forward → verify stories: past the
phoneme table's growth, and in the fork whose synthesizer defaults to v2."""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor import pipeline
from auditor.checkpoints import bisect
from auditor.domain import Report
from auditor.pipeline import AuditOptions
from auditor.provenance.identify import Identification, identify
from auditor.provenance.stamp import Stamped, stamp
from auditor.provenance.verify import Verification, verify
from auditor.runtime.profile import load_profile
from sample_repos.build import build_fork
from tests.checkpoint_files import saved_checkpoint

PROFILE = load_profile("gpt-sovits")
NO_CACHE = AuditOptions(use_cache=False)
#: When the story's checkpoint was stamped: injected, so the manifest is the same every run.
STAMPED_AT = datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc)
PHONEMES = "Add Japanese, Korean and Cantonese phonemes"
UPSAMPLING = "Match the generator upsampling to hop length 960"
V2_DEFAULT = "Build the synthesizer as v2 by default"


def sha_of(repo: Path, subject: str) -> str:
    """The sha of the commit of REPO whose subject is SUBJECT."""
    log = subprocess.run(
        ["git", "log", "--all", "--format=%H %s"], cwd=repo, capture_output=True, text=True
    ).stdout
    return next(line.split(" ", 1)[0] for line in log.splitlines() if line.endswith(subject))


@pytest.fixture(scope="session")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


@pytest.fixture(scope="session")
def v1_checkpoint(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v1.0 model's v1 weights as GPT-SoVITS ships them: tag ``00``, no ``enc_q``."""
    return saved_checkpoint(
        tmp_path_factory,
        mini_sovits,
        "v1.0",
        "s2G_v1.pth",
        model="sovits@v1",
        tag=b"00",
        drop="enc_q",
    )


@pytest.fixture(scope="session")
def v2_checkpoint(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v2.0 model's v2 weights, untagged, ``model.version: v2`` in the stored hps."""
    return saved_checkpoint(
        tmp_path_factory, mini_sovits, "v2.0", "s2G_v2.pth", model="sovits@v2", drop="enc_q"
    )


@pytest.fixture(scope="session")
def identified_v1(mini_sovits: Path, v1_checkpoint: Path) -> Identification:
    return identify(v1_checkpoint, mini_sovits, PROFILE, options=NO_CACHE, shown="s2G_v1.pth")


@pytest.fixture(scope="session")
def identified_v2(mini_sovits: Path, v2_checkpoint: Path) -> Identification:
    return identify(
        v2_checkpoint, mini_sovits, PROFILE, tip="v3.0", options=NO_CACHE, shown="s2G_v2.pth"
    )


@dataclass(frozen=True)
class Story:
    """A clone of mini_sovits where a checkpoint was trained and stamped at v1.0, then the
    work tree moved on to v2.0, past the phoneme table's growth."""

    clone: Path
    checkpoint: Path
    stamped: Stamped
    verified: Verification


@pytest.fixture(scope="session")
def story(
    mini_sovits: Path, v1_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory
) -> Story:
    folder = tmp_path_factory.mktemp("story")
    clone = folder / "GPT-SoVITS"
    subprocess.run(["git", "clone", "-q", str(mini_sovits), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "v1.0"], cwd=clone, check=True)
    checkpoint = folder / "s2G.pth"
    shutil.copyfile(v1_checkpoint, checkpoint)
    stamped = stamp(checkpoint, clone, now=STAMPED_AT)
    subprocess.run(["git", "checkout", "-q", "v2.0"], cwd=clone, check=True)
    verified = verify(checkpoint, clone, options=NO_CACHE, shown="s2G.pth")
    return Story(clone, checkpoint, stamped, verified)


@dataclass(frozen=True)
class VariantStory:
    """Weights of mini_sovits's v1.0 model without a version (so stamped as ``sovits``),
    verified in the ``v2_default`` fork, whose ``sovits`` builds v2 after v1.0; ``scans``
    are the ranges the static audit walked while verifying."""

    fork: Path
    checkpoint: Path
    stamped: Stamped
    verified: Verification
    scans: tuple[str, ...]


@pytest.fixture(scope="session")
def variant_story(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> VariantStory:
    fork = build_fork("v2_default", mini_sovits, tmp_path_factory.mktemp("fork") / "v2_default")
    checkpoint = saved_checkpoint(tmp_path_factory, mini_sovits, "v1.0", drop="enc_q")
    stamped = stamp(checkpoint, fork, "v1.0", now=STAMPED_AT)
    scans: list[str] = []

    def counted(
        path: str | Path,
        revision_range: str | None = None,
        options: AuditOptions | None = None,
        progress: pipeline.Progress | None = None,
    ) -> Report:
        scans.append(str(revision_range))
        return pipeline.scan(path, revision_range, options, progress)

    with pytest.MonkeyPatch.context() as patch:
        # the module, not the function the package exports under its name
        patch.setattr(importlib.import_module("auditor.provenance.verify"), "scan", counted)
        patch.setattr(bisect, "scan", counted)
        verified = verify(checkpoint, fork, options=NO_CACHE, shown="s2G.pth")
    return VariantStory(fork, checkpoint, stamped, verified, tuple(scans))

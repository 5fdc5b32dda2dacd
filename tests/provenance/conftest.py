"""Fixtures of the provenance tests: mini_sovits, checkpoints built by its own models at two
releases, one identification of each, and one stamp → move forward → verify story."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.pipeline import AuditOptions
from auditor.provenance.identify import Identification, identify
from auditor.provenance.stamp import Stamped, stamp
from auditor.provenance.verify import Verification, verify
from auditor.runtime.profile import load_profile
from tests.checkpoint_files import saved_checkpoint

PROFILE = load_profile("gpt-sovits")
NO_CACHE = AuditOptions(use_cache=False)
#: When the story's checkpoint was stamped: injected, so the manifest is the same every run.
STAMPED_AT = datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc)
PHONEMES = "Add Japanese, Korean and Cantonese phonemes"
UPSAMPLING = "Match the generator upsampling to hop length 960"


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

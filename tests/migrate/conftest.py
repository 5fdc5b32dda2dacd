"""Fixtures of the migration tests: mini_sovits, the commits whose models differ from their
parents' by exactly a rename, a symbol table's growth and a widened encoder, checkpoints
built by its own models, and one migration of each (built once per session)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.migrate.migration import Migration, Request, migrate
from auditor.runtime.profile import load_profile
from tests.checkpoint_files import model_checkpoint
from tests.provenance.conftest import PHONEMES, sha_of

PROFILE = load_profile("gpt-sovits")
RENAME = "Rename ref_enc to ref_encoder in the model and its export copy"
WIDEN = "Widen the SoVITS text encoder to 256 channels"


@pytest.fixture(scope="session")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


def _migrated(
    repo: Path, folder: Path, parent: str, target: str, tag: bytes | None = None
) -> Migration:
    """The checkpoint of the sovits model at PARENT (shipped so: no ``enc_q``, with TAG over
    ``PK``) migrated to TARGET."""
    torch = pytest.importorskip("torch")
    checkpoint = model_checkpoint(torch, repo, parent, folder / "s2G.pth", tag=tag, drop="enc_q")
    output = folder / "s2G.migrated.pth"
    return migrate(Request(checkpoint, repo, target, PROFILE, output, source=parent))


@pytest.fixture(scope="session")
def grown(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """v1.0's checkpoint moved past the phoneme table's growth (300 → 714 symbols)."""
    folder = tmp_path_factory.mktemp("grown")
    return _migrated(mini_sovits, folder, "v1.0", sha_of(mini_sovits, PHONEMES), tag=b"00")


@pytest.fixture(scope="session")
def renamed(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """A checkpoint of the rename's parent moved past ``ref_enc`` → ``ref_encoder``."""
    target = sha_of(mini_sovits, RENAME)
    return _migrated(mini_sovits, tmp_path_factory.mktemp("renamed"), f"{target}~1", target)


@pytest.fixture(scope="session")
def widened(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """A checkpoint of the widening's parent: hidden_channels 192 → 256 cannot migrate."""
    target = sha_of(mini_sovits, WIDEN)
    return _migrated(mini_sovits, tmp_path_factory.mktemp("widened"), f"{target}~1", target)

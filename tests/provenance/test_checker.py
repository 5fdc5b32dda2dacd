"""A Checker builds each commit's models once, however the commit is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checkpoints import Checkpoint, ContainerFormat, read_checkpoint
from auditor.checkpoints.results import CheckOutcome
from auditor.errors import RepositoryError
from auditor.provenance.checker import Checker
from tests.provenance.conftest import PROFILE


@pytest.mark.torch
def test_maps_are_built_once_per_commit(mini_sovits: Path, v1_checkpoint: Path) -> None:
    built: list[str] = []
    checker = Checker(mini_sovits, read_checkpoint(v1_checkpoint), PROFILE, on_build=built.append)
    first = checker.check_at("v1.0")
    again = checker.check_at(checker.sha("v1.0"), "sovits")
    assert (first.outcome, again.outcome) == (CheckOutcome.LOADS, CheckOutcome.LOADS)
    assert first.comparison is not None and first.comparison.model == "sovits@v1"
    assert again.comparison is not None and again.comparison.model == "sovits"
    assert (built, checker.builds) == (["v1.0"], 1)
    assert checker.check_at("v2.0").outcome is CheckOutcome.FAILS_TO_LOAD
    assert (built, checker.builds) == (["v1.0", "v2.0"], 2)


def test_an_unknown_revision_is_named(mini_sovits: Path) -> None:
    empty = Checkpoint(ContainerFormat.SAFETENSORS, None, {}, None, ())
    with pytest.raises(RepositoryError, match="unknown revision 'v9'"):
        Checker(mini_sovits, empty, PROFILE).check_at("v9")

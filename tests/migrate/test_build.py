"""A profile model built for real at one revision: its initial state, or why it cannot be."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.migrate.build import BuildFailed, Worker, initial_state
from auditor.runtime.maps import state_maps
from tests.migrate.conftest import PROFILE

pytestmark = pytest.mark.torch


def test_the_initial_state_has_the_maps_shapes(mini_sovits: Path) -> None:
    pytest.importorskip("torch")
    state = initial_state(mini_sovits, "v1.0", PROFILE, "sovits", Worker())
    [mapped] = [m for m in state_maps(mini_sovits, "v1.0", PROFILE).models if m.name == "sovits"]
    assert {k: tuple(v.shape) for k, v in state.items()} == dict(mapped.shapes)


def test_a_model_the_revision_lacks_is_named(mini_sovits: Path) -> None:
    pytest.importorskip("torch")
    with pytest.raises(BuildFailed, match=r"sovits@v2Pro could not be built at v1.0"):
        initial_state(mini_sovits, "v1.0", PROFILE, "sovits@v2Pro", Worker())

"""What ``torch.load(weights_only=True)`` refuses, read from a pickle's opcodes; the allow-list
that loads it (proved with torch); a tagged zip; code that must never be allowed."""

from __future__ import annotations

import os
import pickle
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.checkpoints import CheckpointError
from auditor.provenance.weights_only import PickledGlobal, weights_only
from tests.checkpoint_files import (
    malicious_pickle,
    torch_gpt_sovits,
    write_malicious_zip,
    write_safetensors,
)

HPARAMS_MODULE = '''
class HParams:
    """GPT-SoVITS's attribute bag for the training hps."""

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, HParams(**value) if isinstance(value, dict) else value)
'''


@pytest.fixture
def utils_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A module ``utils`` with GPT-SoVITS's ``HParams``, importable as the project's is."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "utils.py").write_text(HPARAMS_MODULE)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "utils", raising=False)
    import utils  # type: ignore[import-not-found]

    yield utils
    sys.modules.pop("utils", None)


def test_a_plain_pickle_with_project_classes(
    tmp_path: Path, utils_module: types.ModuleType
) -> None:
    import argparse

    saved = {
        "weight": {},
        "config": utils_module.HParams(data={"sampling_rate": 32000}),
        "args": argparse.Namespace(lr=1e-4),
    }
    path = tmp_path / "s2G.pth"
    path.write_bytes(pickle.dumps(saved, protocol=2))
    found = weights_only(path)
    assert [g.qualified for g in found.refused] == ["utils.HParams", "argparse.Namespace"]
    assert not found.loads_as_is and found.pickled and found.tagged is None
    assert found.allow_list == (
        "import torch",
        "from utils import HParams",
        "from argparse import Namespace",
        "torch.serialization.add_safe_globals([HParams, Namespace])",
        f"checkpoint = torch.load({str(path)!r}, map_location='cpu', weights_only=True)",
    )
    assert found.summary == (
        "weights_only=True refuses utils.HParams, argparse.Namespace: allow them with the "
        "allow-list below"
    )


def test_protocol_4_names_globals_by_strings(
    tmp_path: Path, utils_module: types.ModuleType
) -> None:
    path = tmp_path / "p4.pkl"
    path.write_bytes(pickle.dumps({"config": utils_module.HParams(a=1)}, protocol=4))
    assert [g.qualified for g in weights_only(path).refused] == ["utils.HParams"]


@pytest.mark.torch
def test_the_allow_list_loads_what_weights_only_refuses(
    tmp_path: Path, utils_module: types.ModuleType
) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "s2G.pth"
    hps = utils_module.HParams(data={"sampling_rate": 32000}, model={"version": "v2"})
    torch.save({"weight": {"w": torch.zeros(2)}, "config": hps, "info": "e8"}, path)
    with pytest.raises(Exception, match="HParams"):
        torch.load(path, weights_only=True)
    found = weights_only(path)
    assert [g.qualified for g in found.refused] == ["utils.HParams"]
    assert {g.qualified for g in found.globals if g.allowed} >= {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage",
    }
    namespace: dict[str, object] = {}
    try:
        exec("\n".join(found.allow_list), namespace)  # the lines users are told to run
    finally:
        torch.serialization.clear_safe_globals()
    loaded = namespace["checkpoint"]
    assert isinstance(loaded, dict) and loaded["config"].data.sampling_rate == 32000


@pytest.mark.torch
def test_a_tagged_zip_needs_its_pk_back(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = torch_gpt_sovits(torch, tmp_path / "s2G.pth", tag=b"05")
    found = weights_only(path)
    assert (found.tagged, found.refused, found.loads_as_is) == ("05", (), False)
    assert found.summary.startswith("torch.load cannot open it: its first bytes are the version")
    namespace: dict[str, object] = {}
    exec("\n".join(found.allow_list), namespace)
    assert set(namespace["checkpoint"]) == {"weight", "config", "info"}  # type: ignore[arg-type]
    plain = torch_gpt_sovits(torch, tmp_path / "plain.pth")
    assert weights_only(plain).loads_as_is and weights_only(plain).allow_list == ()


def test_code_is_never_allowed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(malicious_pickle(marker))
    found = weights_only(path)
    system = f"{os.system.__module__}.system"  # posix.system on Linux
    assert [(g.qualified, g.runs_code) for g in found.refused] == [(system, True)]
    assert found.allow_list == ()
    assert "which can run code: never allow it" in found.summary
    zipped = write_malicious_zip(tmp_path / "evil.zip", marker, tag=b"05")
    assert weights_only(zipped).allow_list == ()
    assert not marker.exists()


def test_safetensors_has_no_pickle(tmp_path: Path) -> None:
    found = weights_only(write_safetensors(tmp_path / "m.safetensors", {"w": ("F32", (2,))}))
    assert (found.pickled, found.globals, found.loads_as_is) == (False, (), False)
    assert found.summary.startswith("no pickle")


def test_a_corrupt_pickle_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.pth"
    path.write_bytes(b"\x80\x02}q\x00(X\xff\xff\xff\x7f")
    with pytest.raises(CheckpointError, match="corrupt pickle"):
        weights_only(path)


def test_globals_that_torch_allows() -> None:
    assert PickledGlobal("torch", "BFloat16Storage").allowed
    assert PickledGlobal("torch", "float16").allowed
    assert PickledGlobal("torch._utils", "_rebuild_parameter").allowed
    assert not PickledGlobal("numpy.core.multiarray", "scalar").allowed
    assert PickledGlobal("builtins", "eval").runs_code
    assert not PickledGlobal("builtins", "set").runs_code

"""Stubs for modules that are not installed: what module top-level code does with them works;
using them once the import is done says plainly that the check is unavailable."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from auditor.runtime.stubs import (
    STUB_VERSION,
    StubCalled,
    import_failure,
    install,
    stub_failure,
    stubbable,
    stubs_used,
)

#: Names no package on any machine has.
FAISS = "faiss_not_installed_xyz"
LIBROSA = "librosa_missing_abc"
NUMBA = "numba_missing_q"

MODEL = f"""
from typing import Optional, Union

from torch import nn

import {FAISS}
import {FAISS}.contrib.torch_utils
from {LIBROSA}.filters import mel as mel_fn
import {NUMBA} as numba
from {NUMBA} import njit

MEL = mel_fn(sr=22050, n_fft=1024, n_mels=80)
SCALE = {FAISS}.constants.pi * 2


@numba.jit(nopython=True)
def double(x):
    return 2 * x


@njit
def triple(x):
    return 3 * x


class Index({FAISS}.IndexFlatL2):
    def search(self, x: {FAISS}.Tensor = {FAISS}.float32) -> Optional[{FAISS}.Result]:
        return None


PREBUILT = Index(4)


def pick(a: {FAISS}.ndarray | None = None, b: Union[{FAISS}.ndarray, int] = 0) -> int:
    return 0 if isinstance(a, {FAISS}.ndarray) else 1


with {FAISS}.no_gpu():
    RESULT = pick(None)


class Net(nn.Module):
    def __init__(self, width, need=""):
        super().__init__()
        self.proj = nn.Linear(width, double(width) // 2)
        if need == "mel":
            self.mel = mel_fn(sr=16000)
        elif need == "index":
            self.index = Index(width)
        elif need == "scale":
            self.scale = SCALE + 1
"""


@pytest.fixture
def stubbed_model(fresh_stubs: Path) -> ModuleType:
    """``stubbed_model``, imported with FAISS, LIBROSA and NUMBA stubbed."""
    pytest.importorskip("torch")
    (fresh_stubs / "stubbed_model.py").write_text(MODEL, encoding="utf-8")
    importlib.invalidate_caches()
    for root in (FAISS, LIBROSA, NUMBA):
        install(root)
    return importlib.import_module("stubbed_model")


@pytest.mark.torch
def test_module_top_level_code_runs_with_stubs(stubbed_model: ModuleType) -> None:
    faiss = sys.modules[FAISS]
    assert faiss.__version__ == STUB_VERSION and faiss.__path__ == []
    assert f"{FAISS}.contrib.torch_utils" in sys.modules  # submodules import too
    assert repr(stubbed_model.MEL) == f"<stub {LIBROSA}.filters.mel()>"
    assert repr(faiss.a.b.c) == f"<stub {FAISS}.a.b.c>"  # attribute chains
    # decorators give the function back: it still runs as plain Python
    assert (stubbed_model.double(2), stubbed_model.triple(2)) == (4, 6)
    assert stubbed_model.RESULT == 1  # isinstance against a stub is False, not an error
    assert isinstance(stubbed_model.PREBUILT, stubbed_model.Index)  # built at import time
    assert stubbed_model.Index.__mro__[1] is not object
    assert not hasattr(faiss, "__all__")  # dunders are not stubbed: ``import *`` stays sane


@pytest.mark.torch
@pytest.mark.parametrize(
    ("need", "message"),
    [
        ("mel", f"{LIBROSA}.filters.mel was called, but {LIBROSA} is stubbed (not installed)"),
        (
            "index",
            f"Index was instantiated, but its base {FAISS}.IndexFlatL2 is stubbed "
            f"({FAISS} is not installed)",
        ),
        (
            "scale",
            f"{FAISS}.constants.pi(…) was used in arithmetic, but {FAISS} is stubbed "
            "(not installed)",
        ),
    ],
)
def test_using_a_stub_after_the_import_says_the_check_is_unavailable(
    stubbed_model: ModuleType, need: str, message: str
) -> None:
    stubbed_model.Net(4)  # what the model does not use costs nothing
    with pytest.raises(StubCalled) as raised:
        stubbed_model.Net(4, need=need)
    assert str(raised.value) == f"runtime check unavailable: {message}"


@pytest.mark.torch
def test_the_stubs_a_module_reaches_are_found(stubbed_model: ModuleType, tmp_path: Path) -> None:
    assert stubs_used(stubbed_model, {"stubbed_model"}) == [FAISS, LIBROSA, NUMBA]
    # through the repository's own modules, not through the others
    (tmp_path / "uses_model.py").write_text("from stubbed_model import Net\n", "utf-8")
    importlib.invalidate_caches()
    uses = importlib.import_module("uses_model")
    assert stubs_used(uses, {"uses_model", "stubbed_model"}) == [FAISS, LIBROSA, NUMBA]
    assert stubs_used(uses, {"uses_model"}) == []


@pytest.mark.torch
def test_an_error_is_told_to_be_a_stubs_doing(stubbed_model: ModuleType) -> None:
    torch = pytest.importorskip("torch")
    try:
        stubbed_model.Net(4, need="mel")
    except StubCalled as called:
        wrapped = RuntimeError("the model could not be built")
        wrapped.__cause__ = called
        assert stub_failure(wrapped) == str(called)
    with pytest.raises(TypeError) as raised:
        torch.zeros(stubbed_model.SCALE)
    found = stub_failure(raised.value)
    assert found is not None and found.startswith("runtime check unavailable: TypeError: ")
    assert stub_failure(ValueError("a plain error")) is None


@pytest.mark.torch
def test_an_import_that_fails_past_its_stubs_is_unavailable(
    stubbed_model: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "breaks_on_import.py").write_text(
        f"import {FAISS}\nimport {NUMBA}\n\nlimit = undefined_name\n", "utf-8"
    )
    importlib.invalidate_caches()
    with pytest.raises(NameError) as raised:
        importlib.import_module("breaks_on_import")
    assert import_failure(raised.value, "breaks_on_import") == (
        f"runtime check unavailable: importing breaks_on_import with {FAISS}, {NUMBA} stubbed "
        "failed: NameError: name 'undefined_name' is not defined"
    )
    (tmp_path / "plain_break.py").write_text("limit = undefined_name\n", "utf-8")
    importlib.invalidate_caches()
    with pytest.raises(NameError) as plain:
        importlib.import_module("plain_break")
    assert import_failure(plain.value, "plain_break") is None  # no stub anywhere near
    # a module holding stubs imports one that fails on its own: the build failed
    (tmp_path / "imports_a_break.py").write_text(
        f"import {FAISS}\nimport plain_break_too\n", "utf-8"
    )
    (tmp_path / "plain_break_too.py").write_text("limit = undefined_name\n", "utf-8")
    importlib.invalidate_caches()
    with pytest.raises(NameError) as beneath:
        importlib.import_module("imports_a_break")
    assert import_failure(beneath.value, "imports_a_break") is None


@pytest.mark.parametrize(
    ("name", "own", "expected"),
    [
        (FAISS, set(), True),
        (f"{LIBROSA}.filters", set(), True),
        ("helpers.audio", {"helpers"}, False),  # the repository's own module
        ("torch", set(), False),
        ("tkinter", set(), False),  # the standard library, even where it is not built
        ("pytest.not_a_submodule", set(), False),  # a package that is installed
        (None, set(), False),
    ],
)
def test_what_may_be_stubbed(name: str | None, own: set[str], expected: bool) -> None:
    assert "pytest" in sys.modules
    assert stubbable(name, own) is expected

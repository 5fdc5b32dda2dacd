"""How the worker builds one model: candidate modules, variants, meta builds, build errors."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.runtime.build import (
    NotApplicable,
    build,
    build_error,
    candidates,
    import_candidate,
    parameters,
)
from auditor.runtime.stubs import UNAVAILABLE

pytestmark = pytest.mark.torch

MODEL = """
import torch


class Net(torch.nn.Module):
    def __init__(self, channels, gin_channels=0):
        super().__init__()
        self.proj = torch.nn.Linear(channels, channels)
        self.gin_channels = gin_channels
"""


def module(folder: Path, name: str, text: str) -> None:
    path = folder / f"{name.replace('.', '/')}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    importlib.invalidate_caches()


def spec(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "modules": ["models_b"],
        "class": "Net",
        "args": [4],
        "kwargs": {},
    }
    return base | changes


def test_parameters_are_the_named_ones() -> None:
    def factory(a: int, b: int = 0, *rest: int, c: int, **more: int) -> None: ...

    assert parameters(factory) == {"a", "b", "c"}
    assert parameters(42) == set()  # nothing callable: no parameters


def test_candidates_keep_their_order() -> None:
    assert candidates({"modules": ["new.models", "models"]}) == ["new.models", "models"]


def test_the_first_candidate_that_exists_is_imported(fresh_stubs: Path) -> None:
    module(fresh_stubs, "models_b", MODEL)
    name, found = import_candidate(["absent_pkg_b.models", "models_b"])
    assert name == "models_b"
    assert hasattr(found, "Net")


def test_no_candidate_at_all_is_not_applicable(fresh_stubs: Path) -> None:
    with pytest.raises(NotApplicable, match="no module gone_b or gone_c at this revision"):
        import_candidate(["gone_b", "gone_c"])


def test_a_candidate_that_exists_but_misses_an_import_fails(fresh_stubs: Path) -> None:
    module(fresh_stubs, "half_b", "import missing_dependency_b\n")
    module(fresh_stubs, "whole_b", MODEL)
    with pytest.raises(ModuleNotFoundError, match="missing_dependency_b"):
        import_candidate(["half_b", "whole_b"])


def test_a_model_is_built_on_the_cpu_and_on_meta(fresh_stubs: Path) -> None:
    module(fresh_stubs, "models_b", MODEL)
    imported: list[str] = []
    on_cpu = build(spec(kwargs={"gin_channels": 2}), "cpu", imported)
    assert imported == ["models_b"]
    assert on_cpu.gin_channels == 2
    assert not on_cpu.proj.weight.is_meta
    on_meta = build(spec(), "meta")
    assert on_meta.proj.weight.is_meta
    assert tuple(on_meta.proj.weight.shape) == (4, 4)


def test_random_initialisation_works_again_after_a_meta_build(fresh_stubs: Path) -> None:
    import torch

    module(fresh_stubs, "models_b", MODEL)
    build(spec(), "meta")
    filled = torch.zeros(3).normal_()
    assert bool(filled.abs().sum() > 0)


def test_a_variant_whose_class_or_parameter_is_absent_is_not_applicable(
    fresh_stubs: Path,
) -> None:
    module(fresh_stubs, "models_b", MODEL)
    with pytest.raises(NotApplicable, match="models_b has no NetV2"):
        build(spec(**{"class": "NetV2", "variant": "v2"}), "meta")
    with pytest.raises(NotApplicable, match="Net takes no n_speakers"):
        build(spec(requires=["n_speakers"]), "meta")


def test_an_absent_class_of_a_model_is_an_error_not_a_variant(fresh_stubs: Path) -> None:
    module(fresh_stubs, "models_b", MODEL)
    with pytest.raises(AttributeError, match="'models_b' has no attribute 'NetV2'"):
        build(spec(**{"class": "NetV2"}), "meta")


def test_build_errors_say_what_to_install_or_what_exited() -> None:
    missing = ModuleNotFoundError("No module named 'faiss'", name="faiss")
    assert build_error(missing, own={"models"}) == f"{UNAVAILABLE}: module faiss not installed"
    own_missing = ModuleNotFoundError("No module named 'commons'", name="commons")
    assert "not installed" not in build_error(own_missing, own={"commons"})
    assert build_error(ValueError("bad\nconfig"), own=set()).endswith("config")


def test_sys_exit_during_an_import_names_the_module(fresh_stubs: Path) -> None:
    module(fresh_stubs, "exits_b", "import sys\nsys.exit(2)\n")
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module("exits_b")
    said = build_error(stopped.value, own=set(), spec=spec())
    assert said == "SystemExit: module exits_b called sys.exit(2) while it was imported"
    sys.modules.pop("exits_b", None)
    built = build_error(SystemExit(None), own=set(), spec=spec())
    assert built == "SystemExit: Net called sys.exit() while it was built"


def test_a_build_error_names_the_line_of_the_repository_that_raised_it(
    fresh_stubs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module(fresh_stubs, "pkg_b.patched", "from torch.nn.functional import *\n\nx: Tuple = 1\n")
    module(fresh_stubs, "pkg_b.models", "from pkg_b.patched import x\n")
    monkeypatch.chdir(fresh_stubs)
    with pytest.raises(NameError) as raised:
        importlib.import_module("pkg_b.models")
    said = build_error(raised.value, own={"pkg_b"})
    assert said == "pkg_b/patched.py:3: NameError: name 'Tuple' is not defined"

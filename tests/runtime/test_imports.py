"""Importing a model's module in the worker: once, and with what it misses stubbed."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from auditor.runtime import imports
from auditor.runtime.imports import (
    import_model_module,
    import_once,
    stub_profile_modules,
    stubbing,
    stubs_of,
)
from auditor.runtime.stubs import StubCalled, install

MISSING = "missing_for_imports_test_q"


def module(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    importlib.invalidate_caches()


def test_a_failed_import_fails_again_with_its_first_error(fresh_stubs: Path) -> None:
    module(fresh_stubs, "broken_once", "raise ValueError('bad config')\n")
    with pytest.raises(ValueError, match="bad config") as first:
        import_once("broken_once")
    module(fresh_stubs, "broken_once", "VALUE = 1\n")  # not imported again
    with pytest.raises(ValueError) as second:
        import_once("broken_once")
    assert second.value is first.value


def test_each_missing_module_is_stubbed_and_the_import_tried_again(fresh_stubs: Path) -> None:
    module(fresh_stubs, "utils_q", f"import {MISSING}\nfrom {MISSING}_two.sub import thing\n")
    module(fresh_stubs, "model_q", "from utils_q import thing\n\ndef make():\n    return thing\n")
    own = {"utils_q", "model_q"}

    def build() -> ModuleType:
        return import_once("model_q")

    built = stubbing(build, "model_q", own)
    assert repr(built.make()) == f"<stub {MISSING}_two.sub.thing>"
    assert stubs_of("model_q", own) == [MISSING, f"{MISSING}_two"]
    # another model of the same module, built without stubbing anything itself
    assert stubbing(build, "model_q", own) is built
    assert stubs_of("model_q", own) == [MISSING, f"{MISSING}_two"]
    # a module that takes a stub from the repository's own: only what reaches it is seen
    module(fresh_stubs, "other_q", "from utils_q import thing\n")
    import_once("other_q")
    assert stubs_of("other_q", own | {"other_q"}) == [f"{MISSING}_two"]


def test_what_is_not_a_third_party_module_is_not_stubbed(fresh_stubs: Path) -> None:
    module(fresh_stubs, "model_r", "import helpers_r\n")
    with pytest.raises(ModuleNotFoundError, match="helpers_r"):
        stubbing(lambda: import_once("model_r"), "model_r", {"model_r", "helpers_r"})
    assert stubs_of("model_r", {"model_r"}) == []


def test_stubbing_is_bounded(fresh_stubs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_STUBS", 2)
    names = iter(f"{MISSING}_{n}" for n in range(10))

    def build() -> None:
        name = next(names)
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    with pytest.raises(ModuleNotFoundError, match=f"{MISSING}_2"):
        stubbing(build, "model_s", {"model_s"})


def test_an_import_that_fails_past_its_stubs_is_unavailable(fresh_stubs: Path) -> None:
    module(fresh_stubs, "model_t", f"import {MISSING}\n\nWIDTH = {MISSING}.width + undefined\n")
    with pytest.raises(StubCalled, match="runtime check unavailable: importing model_t with "):
        stubbing(lambda: import_model_module("model_t"), "model_t", {"model_t"})


def test_a_module_that_exits_while_imported_exits_again_without_running(
    fresh_stubs: Path,
) -> None:
    module(fresh_stubs, "exits_u", "import sys\nRUNS = []\nsys.exit(0)\n")
    with pytest.raises(SystemExit) as first:
        import_once("exits_u")
    with pytest.raises(SystemExit) as second:
        import_once("exits_u")
    assert second.value is first.value


def test_the_modules_a_profile_stubs_change_with_the_model(fresh_stubs: Path) -> None:
    package = fresh_stubs / "align_v"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from .align_v.core import maximum_path_c\n", encoding="utf-8"
    )
    module(fresh_stubs, "model_v", "import align_v\n\nPATH = align_v.maximum_path_c\n")
    own = {"model_v", "align_v"}
    stub_profile_modules(["align_v.align_v"], own)
    built = import_once("model_v")
    # the package is the repository's own; only the extension under it is a stub
    assert repr(built.PATH) == "<stub align_v.align_v.core.maximum_path_c>"
    assert sys.modules["align_v"].__file__ == str(package / "__init__.py")
    with pytest.raises(StubCalled) as called:
        built.PATH()  # training only: a model that calls it cannot be checked here
    assert str(called.value) == (
        "runtime check unavailable: align_v.align_v.core.maximum_path_c was called, but "
        "align_v.align_v is stubbed (the profile stubs it)"
    )
    # the profile's stubs are its own choice: not reported as modules missing here
    install(MISSING)
    assert stubs_of("model_v", own) == []
    # the next model stubs nothing: the repository's modules are imported afresh
    stub_profile_modules([], own)
    assert "model_v" not in sys.modules and "align_v.align_v" not in sys.modules
    with pytest.raises(ModuleNotFoundError, match=r"align_v\.align_v"):
        import_once("model_v")

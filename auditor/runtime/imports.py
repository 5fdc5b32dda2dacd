"""How the worker imports a model's module: once, and with the modules it misses stubbed.

A module whose import failed (or exited: ``sys.exit`` at import time) fails again with its
first error: a second import of a half-imported package fails with a misleading error of its
own. With stubs, a third-party module that is not installed (``ModuleNotFoundError``) is
stubbed (:mod:`auditor.runtime.stubs`), the repository's modules imported so far are dropped,
and the build is tried again, once for each module it misses. The modules a profile stubs for
a model (``stub_modules``) are put in place before its build (:func:`stub_profile_modules`).
Like the worker, this module runs in the audited project's Python: standard library only.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import TypeVar

from auditor.runtime.stubs import (
    StubCalled,
    import_failure,
    install,
    named,
    stub_named,
    stubbable,
    stubbed,
    stubs_used,
)

#: How many modules one model's build may stub before the module it misses is an error.
MAX_STUBS = 20
T = TypeVar("T")

#: Modules whose import failed (or exited) in this process, with the error.
_FAILED_IMPORTS: dict[str, BaseException] = {}
#: The modules stubbed while a model of each module was built (by the module's name): what
#: the repository's modules import leaves no trace in the globals of a module that takes
#: names from them (``from utils import mel``), nor does an import inside a constructor.
_STUBBED_FOR: dict[str, set[str]] = {}


def import_once(name: str) -> ModuleType:
    """Import NAME; a module that failed to import (or exited) fails again with its first
    error."""
    if name in _FAILED_IMPORTS:
        raise _FAILED_IMPORTS[name]
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as error:
        _FAILED_IMPORTS[name] = error
        raise


def import_model_module(name: str) -> ModuleType:
    """:func:`import_once`; an import that fails past stubs it reaches is a
    :class:`~auditor.runtime.stubs.StubCalled` (the check is unavailable, not failed)."""
    try:
        return import_once(name)
    except ModuleNotFoundError:
        raise
    except Exception as error:
        stubs_in_the_way = import_failure(error, name)
        if stubs_in_the_way is None:
            raise
        raise StubCalled(stubs_in_the_way) from error


def stubbing(attempt: Callable[[], T], modules: str | Sequence[str], own: set[str]) -> T:
    """ATTEMPT (the build of a model of MODULES, its candidate modules), stubbing each
    third-party module it misses (at most :data:`MAX_STUBS`) and importing the repository's
    modules (OWN, top-level names) again each time."""
    candidates = [modules] if isinstance(modules, str) else list(modules)
    before = stubbed()
    try:
        for _ in range(MAX_STUBS):
            try:
                return attempt()
            except ModuleNotFoundError as error:
                if not stubbable(error.name, own):
                    raise
                install(str(error.name).split(".")[0])
                forget_imports(own | tops(candidates))
        return attempt()
    finally:
        for module in candidates:
            _STUBBED_FOR.setdefault(module, set()).update(stubbed() - before)


def tops(modules: Iterable[str]) -> set[str]:
    """The top-level names of MODULES."""
    return {module.split(".")[0] for module in modules}


def stub_profile_modules(names: Iterable[str], own: set[str]) -> None:
    """Stub the modules NAMES that a profile stubs for the model about to be built, in place
    of those it stubbed for the last one; when they differ, the repository's modules (OWN,
    top-level names) imported so far are dropped, to be imported again with the new ones."""
    wanted = frozenset(names)
    changed = wanted ^ named()
    if not changed:
        return
    stub_named(wanted)
    for name in [
        name for name in sys.modules if any(name == n or name.startswith(n + ".") for n in changed)
    ]:
        del sys.modules[name]
    forget_imports(own)


def forget_imports(tops: set[str]) -> None:
    """Drop the modules under TOPS, half-imported or not, and every import failure seen."""
    for name in [name for name in sys.modules if name.split(".")[0] in tops]:
        del sys.modules[name]
    _FAILED_IMPORTS.clear()


def stubs_of(module: str, own: set[str]) -> list[str]:
    """The stubbed modules a model of MODULE was built with: those its code reaches through
    the globals of the repository's modules (OWN), and those its builds stubbed."""
    if not stubbed():
        return []
    imported = sys.modules.get(module)
    found = set(stubs_used(imported, own | tops([module]))) if imported is not None else set()
    return sorted((found | _STUBBED_FOR.get(module, set())) - named())

"""Fixtures of the runtime tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.runtime import imports
from auditor.runtime.stubs import FINDER


@pytest.fixture
def fresh_stubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` for test modules; the stubs installed, the modules imported
    and the import failures remembered meanwhile are undone afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    roots, named, meta_path = set(FINDER.roots), set(FINDER.named), list(sys.meta_path)
    failed, stubbed_for = dict(imports._FAILED_IMPORTS), dict(imports._STUBBED_FOR)
    try:
        yield tmp_path
    finally:
        gone = FINDER.roots - roots
        gone_named = FINDER.named - named
        FINDER.roots.clear()
        FINDER.roots.update(roots)
        FINDER.named = named
        sys.meta_path[:] = meta_path
        for name, found in list(sys.modules.items()):  # never torch's: it cannot load twice
            where = getattr(found, "__file__", None) or ""
            under = any(name == n or name.startswith(n + ".") for n in gone_named)
            if name.split(".")[0] in gone or under or where.startswith(str(tmp_path)):
                del sys.modules[name]
        imports._FAILED_IMPORTS.clear()
        imports._FAILED_IMPORTS.update(failed)
        imports._STUBBED_FOR.clear()
        imports._STUBBED_FOR.update(stubbed_for)

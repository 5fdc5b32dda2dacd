"""The checkpoint's revision: given, else its manifest's commit, else identified."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from auditor.errors import AuditError
from auditor.migrate import origin
from auditor.migrate.origin import Origin, checkpoint_origin
from auditor.runtime.profile import load_profile

PROFILE = load_profile("gpt-sovits")


def test_given_wins_without_reading_anything(tmp_path: Path) -> None:
    found = checkpoint_origin(tmp_path / "absent.pth", tmp_path, PROFILE, "v1.0")
    assert found == Origin("v1.0", "given", "--from")


def test_the_manifest_names_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = SimpleNamespace(repository=SimpleNamespace(commit="abc123"))
    monkeypatch.setattr(
        origin, "find_manifest", lambda path: (manifest, "s2G.pth.model-audit.json")
    )
    found = checkpoint_origin(tmp_path / "s2G.pth", tmp_path, PROFILE)
    assert found == Origin(
        "abc123", "manifest", "its provenance manifest (s2G.pth.model-audit.json)"
    )


def test_else_the_newest_release_that_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(origin, "find_manifest", lambda path: (None, None))
    release = SimpleNamespace(sha="def456", name="v2.0", status=SimpleNamespace(loads=True))
    found_one = SimpleNamespace(model=release, not_checked=None)
    monkeypatch.setattr(origin, "identify", lambda *args: found_one)
    found = checkpoint_origin(tmp_path / "s2G.pth", tmp_path, PROFILE)
    assert found == Origin("def456", "identify", "the newest release that loads it (v2.0)")
    monkeypatch.setattr(
        origin, "identify", lambda *args: SimpleNamespace(model=None, not_checked=None)
    )
    with pytest.raises(
        AuditError, match=r"cannot tell which revision .*no release loads it.*--from"
    ):
        checkpoint_origin(tmp_path / "s2G.pth", tmp_path, PROFILE)

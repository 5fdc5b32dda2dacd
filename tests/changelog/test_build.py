"""The changelog of a history whose audit is incomplete says so in every format."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

S2 = '{"model": {"gin_channels": %d}}\n'


@pytest.fixture
def broken_release(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2 % 512, "module/models.py": "X = 1\n"})
    repo.git("tag", "v1")
    repo.commit("half a class", {"module/models.py": "class A(:\n"})
    repo.git("tag", "v2")
    return repo


def test_markdown_and_json_say_the_audit_is_incomplete(
    broken_release: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["changelog", str(broken_release.path), "--no-cache", "--all-tags"]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "Checkpoints from v1 load into v2: yes (incomplete audit: 1 warning)" in out
    assert "> **Incomplete audit:** 1 warning" in out
    assert "module/models.py: cannot read: invalid Python at line 1" in out
    code, out, _ = run(capsys, *args, "--format", "json")
    document = json.loads(out)
    validate(document, "changelog")
    (v2, v1) = document["releases"]
    assert (v2["incomplete"], v1["incomplete"]) == (True, False)
    assert v2["warnings"][0]["file"] == "module/models.py"
    assert v2["verdict"] == "yes (incomplete audit: 1 warning)"

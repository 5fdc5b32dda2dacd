"""Bad input gives a clear warning naming commit and file, and the audit goes on."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from auditor.domain import Report
from auditor.pipeline import AuditOptions, scan
from tests.gitrepo import GitRepo

NO_CACHE = AuditOptions(use_cache=False)
GOOD = '{"model": {"gin_channels": 512, "hidden_channels": 192}}\n'
BROKEN = '{"model": {"gin_channels": 512 "hidden_channels": 192}}\n'


def keys(report: Report) -> list[tuple[str, object, object]]:
    return [(f.key, f.old, f.new) for f in report.findings]


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    made = make_repo()
    made.commit("root", {"configs/s2.json": GOOD, "README.md": "demo\n"})
    return made


def test_syntax_error_then_fix_warns_once_and_reports_nothing(repo: GitRepo) -> None:
    broken = repo.commit("break the config", {"configs/s2.json": BROKEN})
    repo.commit("fix the config", {"configs/s2.json": GOOD.replace("512", "512 ")})
    report = scan(repo.path, None, NO_CACHE)
    assert report.findings == ()
    [warning] = report.warnings
    assert (warning.commit, warning.file) == (broken, "configs/s2.json")
    assert "invalid JSON at line 1" in warning.message


def test_change_hidden_behind_a_broken_version_is_still_found(repo: GitRepo) -> None:
    repo.commit("break the config", {"configs/s2.json": BROKEN})
    fix = repo.commit("fix and grow", {"configs/s2.json": GOOD.replace("512", "1024")})
    report = scan(repo.path, None, NO_CACHE)
    assert keys(report) == [("model.gin_channels", 512, 1024)]
    assert report.findings[0].commit == fix


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"model": {"gin_channels": 5\xff12}}', "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_undecodable_configs_warn(repo: GitRepo, content: bytes, message: str) -> None:
    sha = repo.commit("odd bytes", {"configs/s2.json": content})
    report = scan(repo.path, None, NO_CACHE)
    assert report.findings == ()
    assert [(w.commit, w.file) for w in report.warnings] == [(sha, "configs/s2.json")]
    assert message in report.warnings[0].message


def test_fifty_megabyte_config_is_skipped_with_a_warning(repo: GitRepo) -> None:
    huge = '{"model": {"gin_channels": 512}, "pad": "' + "x" * (50 * 1024 * 1024) + '"}'
    sha = repo.commit("huge config", {"configs/huge.json": huge})
    report = scan(repo.path, None, NO_CACHE)
    assert [(w.commit, w.file) for w in report.warnings] == [(sha, "configs/huge.json")]
    assert "larger than" in report.warnings[0].message


def test_missing_blob_warns_and_the_walk_goes_on(repo: GitRepo) -> None:
    lost = repo.commit("grow", {"configs/s2.json": GOOD.replace("512", "768")})
    repo.commit("other config", {"configs/s1.json": '{"model": {"n_layer": 24}}'})
    last = repo.commit("grow more", {"configs/s1.json": '{"model": {"n_layer": 12}}'})
    repo.object_file(repo.blob(lost, "configs/s2.json")).unlink()
    report = scan(repo.path, None, NO_CACHE)
    assert [(w.commit, w.file) for w in report.warnings] == [(lost, "configs/s2.json")]
    assert "missing" in report.warnings[0].message
    assert [(f.commit, f.key) for f in report.findings if f.severity.value == "critical"] == [
        (last, "model.n_layer")
    ]


def test_shallow_clone_says_how_many_commits_and_how_to_fix(
    repo: GitRepo, make_repo: Callable[..., GitRepo]
) -> None:
    for size in (768, 1024, 2048):
        repo.commit(f"gin {size}", {"configs/s2.json": GOOD.replace("512", str(size))})
    clone = repo.path.parent / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone)],
        check=True,
        env=repo.env(),
    )
    report = scan(clone, None, NO_CACHE)
    assert report.commits_scanned == 2
    assert keys(report) == [("model.gin_channels", 1024, 2048)]
    [warning] = report.warnings
    assert "1 commit(s) could not be compared" in warning.message
    assert "git fetch --unshallow" in warning.message and "fetch-depth: 0" in warning.message


def test_bare_repository_and_renamed_config(repo: GitRepo) -> None:
    repo.commit("move configs", moves={"configs/s2.json": "GPT_SoVITS/configs/s2.json"})
    bare = repo.path.parent / "bare.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True, env=repo.env()
    )
    report = scan(bare, None, NO_CACHE)
    assert report.findings == () and report.warnings == ()
    assert report.commits_scanned == 2

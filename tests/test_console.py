"""console: progress on stderr (a live display at a terminal, else one plain line per stage),
``-q/--quiet`` on every command, and ``FORCE_COLOR`` honoured like ``NO_COLOR``."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from auditor import console
from auditor.console import activity
from auditor.extract.cache import DATABASE
from tests.gitrepo import GitRepo
from tests.test_cli import run
from tests.tiny_models import tiny_profile, tiny_repo

S2 = '{{"model": {{"gin_channels": {gin}}}}}\n'
ESCAPE = "\x1b["


@pytest.fixture(autouse=True)
def _no_colour_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def quiet() -> Iterator[None]:
    """A command context given ``--quiet``."""
    with click.Context(click.Command("test")) as context:
        console.set_quiet(context, True)
        yield


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """Three commits, the last two tagged v1 and v2; the fork-side branch ``fork`` and the
    upstream branch ``upstream`` each add one commit on v1."""
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2.format(gin=256)})
    repo.commit("wider", {"configs/s2.json": S2.format(gin=512)})
    repo.git("tag", "v1")
    repo.git("checkout", "-q", "-b", "upstream")
    repo.commit("upstream: README", {"README.md": "upstream\n"})
    repo.git("checkout", "-q", "-b", "fork", "v1")
    repo.commit("fork: notes", {"NOTES.md": "fork\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("widest", {"configs/s2.json": S2.format(gin=1024)})
    repo.git("tag", "v2")
    return repo


# -- the activity itself --------------------------------------------------------------------


def test_plain_lines_per_stage_when_stderr_is_no_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with activity() as doing:
        doing.stage("building models at v1")
        count = doing.counter("commit")
        for done in range(4):
            count(done, 3)
        doing.counter("fork")(0, 1)
        doing.log("checked abc1234 (base): loads, accepts")
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "model-audit: building models at v1…\n"
        "model-audit: auditing 3 commits…\n"
        "model-audit: auditing 1 fork…\n"
        "model-audit: checked abc1234 (base): loads, accepts\n"
    )


def test_a_live_display_at_a_terminal_leaves_only_the_logged_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with activity() as doing:
        doing.stage("building models at v1")
        doing.counter("commit")(2, 3)
        doing.log("checked abc1234 (base): loads, accepts")
    text = screen.getvalue()
    assert "checked abc1234 (base): loads, accepts" in text
    assert "model-audit: " not in text  # no plain lines at a terminal
    assert capsys.readouterr().out == ""


def test_a_quiet_command_says_nothing_but_its_errors(
    quiet: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with activity() as doing:
        doing.stage("building models at v1")
        doing.counter("commit")(0, 3)
        doing.log("checked")
    console.warn("the cache was rebuilt")
    console.inform("CHANGELOG.md: updated")
    console.notifier()("a notice")
    console.error("no such revision 'v9'")
    assert capsys.readouterr() == ("", "error: no such revision 'v9'\n")


def test_force_color_forces_a_terminal_console_and_an_empty_one_counts_as_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not console.console().is_terminal and not console.console(stderr=True).is_terminal
    assert console.terminal() is None
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert console.console().is_terminal and console.console(stderr=True).is_terminal
    assert console.terminal() is not None
    monkeypatch.setenv("FORCE_COLOR", "")
    assert not console.force_color() and not console.console().is_terminal
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert console.console().is_terminal  # empty: a terminal is still one


def test_force_color_colours_stderr_and_no_color_still_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    console.warn("plain")
    assert ESCAPE not in capsys.readouterr().err
    monkeypatch.setenv("FORCE_COLOR", "1")
    console.warn("coloured")
    err = capsys.readouterr().err
    assert ESCAPE in err and "coloured" in err
    monkeypatch.setenv("NO_COLOR", "1")
    console.warn("not coloured")
    assert capsys.readouterr().err == "warning: not coloured\n"


# -- every command --------------------------------------------------------------------------


def test_scan_says_how_many_commits_it_audits_and_keeps_stdout_the_report(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    args = ("scan", str(repo.path), "--no-cache", "--format", "json")
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "model-audit: auditing 3 commits…\n")
    assert json.loads(out)["commits_scanned"] == 3
    code, quiet_out, err = run(capsys, "-q", *args)
    assert (code, quiet_out, err) == (0, out, "")


def test_diff_says_what_it_compares(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    args = ("diff", "v1", "v2", str(repo.path), "--no-cache", "--format", "json")
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "model-audit: comparing v1 and v2…\n")
    assert json.loads(out)["range"] == "v1..v2"
    assert run(capsys, "-q", *args) == (0, out, "")


def test_changelog_says_how_many_commits_it_audits(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    args = ("changelog", str(repo.path), "--no-cache", "--all-tags")
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "model-audit: auditing 3 commits…\n")
    assert out.startswith("## ") or "model.gin_channels" in out
    assert "model-audit" not in out
    assert run(capsys, "-q", *args) == (0, out, "")


def test_changelog_update_is_told_unless_quiet(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    target = tmp_path / "CHANGELOG.md"
    args = ("changelog", str(repo.path), "--no-cache", "--update", str(target))
    code, out, err = run(capsys, *args)
    assert (code, out) == (0, "")
    assert err.endswith(f"{target}: updated\n")
    assert run(capsys, "-q", *args) == (0, "", "")


def test_fork_says_each_stage(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> None:
    args = ("fork", "upstream", f"{repo.path}@fork", "--no-cache", "--format", "json")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    base = repo.sha("v1")[:7]
    assert err.splitlines() == [
        f"model-audit: auditing the fork's 1 commit since the merge-base {base}…",
        "model-audit: auditing upstream's 1 commit since the merge-base…",
        "model-audit: comparing the tips of the fork and upstream…",
    ]
    assert json.loads(out)["merge_base"] == repo.sha("v1")
    assert run(capsys, "-q", *args) == (0, out, "")


def test_forks_says_how_many_forks_it_audits(
    capsys: pytest.CaptureFixture[str], repo: GitRepo
) -> None:
    args = ("forks", "upstream", f"{repo.path}@fork", "--no-cache", "--format", "json", "-j", "1")
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "model-audit: auditing 1 fork…\n")
    assert run(capsys, "-q", *args) == (0, out, "")


def test_quiet_drops_warnings_but_not_errors(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, tmp_path: Path
) -> None:
    args = ("scan", str(repo.path), "--format", "json", "--cache-dir")
    for name, flags in (("told", ()), ("quiet", ("-q",))):
        cache = tmp_path / name
        cache.mkdir()
        (cache / DATABASE).write_bytes(b"garbage " * 512)  # rebuilt, with a warning
        code, _, err = run(capsys, *flags, *args, str(cache))
        assert code == 0
        assert ("warning: " in err) is (name == "told")
    assert err == ""
    code, out, err = run(capsys, "-q", "scan", str(repo.path), "--range", "v9..v2")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "v9" in err and err.count("\n") == 1


def test_force_color_draws_the_table_in_colour_into_a_pipe(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("scan", str(repo.path), "--no-cache")
    _, plain, err = run(capsys, *args)
    assert ESCAPE not in plain + err
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, coloured, err = run(capsys, *args)
    assert ESCAPE in coloured and "gin_channels" in re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert err == "model-audit: auditing 3 commits…\n"  # colour: still no live display


@pytest.mark.torch
def test_runtime_says_what_it_builds(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    tiny = tiny_repo(make_repo)
    profile = tmp_path / "tiny.yaml"
    profile.write_text(tiny_profile("net:Net"), encoding="utf-8")
    args = ("runtime", "HEAD~1", "HEAD", str(tiny.path), "--profile", str(profile))
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 1, err
    assert err == "model-audit: building the tiny models at HEAD~1 and HEAD…\n"
    assert json.loads(out)["verdict"] == "breaks"
    quiet_code, quiet_out, quiet_err = run(capsys, "-q", *args, "--format", "json")
    # the same report, but for the measured times, which differ from one run to the next
    assert (quiet_code, _untimed(quiet_out), quiet_err) == (1, _untimed(out), "")


def _untimed(report: str) -> object:
    document = json.loads(report)
    for model in document["models"]:
        model.pop("timings", None)
    return document

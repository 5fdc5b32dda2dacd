"""``model-audit fork`` and ``forks`` on the command line: formats, exit codes, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import validate
from tests.fork.conftest import FORKS, TIP


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``model-audit ARGS``: (exit code, stdout, stderr)."""
    saved = sys.argv
    sys.argv = ["model-audit", *args]
    try:
        main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return code, out, err


def test_fork_json(
    capsys: pytest.CaptureFixture[str], forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    up = f"{upstream}@{TIP}"
    cache = ["--cache-dir", str(tmp_path / "cache")]
    code, out, err = run(
        capsys, "fork", up, str(forks["gin_submodule"]), "--format", "json", *cache
    )
    assert code == 0, err
    document = json.loads(out)
    validate(document, "fork")
    assert sorted(f["severity"] for f in document["net"]) == ["critical"] * 3 + ["medium"]
    assert [v["upstream_into_fork"] for v in document["verdicts"]] == ["no", "no", "yes"]
    code, out, _ = run(
        capsys, "fork", up, str(forks["gin_submodule"]), "--fail-on", "critical", *cache
    )
    assert code == 1
    assert "SoVITS generator" in out
    code, _, _ = run(capsys, "fork", up, str(forks["webui_only"]), "--fail-on", "low", *cache)
    assert code == 0


def test_fork_markdown_to_a_file_and_the_unrelated_warning(
    capsys: pytest.CaptureFixture[str], forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    target = tmp_path / "fork.md"
    code, out, err = run(
        capsys,
        "fork",
        f"{upstream}@{TIP}",
        str(forks["orphan_import"]),
        "--format",
        "markdown",
        "-o",
        str(target),
        "--no-cache",
    )
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8").startswith("## Fork audit:")
    assert "warning: the fork shares no history with upstream" in err


def test_fork_errors_exit_2(
    capsys: pytest.CaptureFixture[str], forks: dict[str, Path], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "fork", "nowhere/main", str(forks["webui_only"]), "--no-cache")
    assert (code, out) == (2, "")
    assert "error: upstream 'nowhere/main' is not a revision in" in err
    bad = tmp_path / "models.yaml"
    bad.write_text("models: []\n", encoding="utf-8")
    code, _, err = run(capsys, "fork", "HEAD", str(forks["webui_only"]), "--models", str(bad))
    assert code == 2
    assert "expected a mapping with `models` and `concerns`" in err


def test_forks_table_json_and_a_failing_fork(
    capsys: pytest.CaptureFixture[str], forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    up = f"{upstream}@{TIP}"
    paths = [str(forks[name]) for name in FORKS]
    cache = ["--cache-dir", str(tmp_path / "cache"), "--jobs", "1"]
    code, out, err = run(capsys, "forks", up, *paths, *cache)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"forks of {up}"
    assert sum("│ compatible" in line for line in lines) == 1
    assert sum("│ SoVITS generator: no / no; GPT stage: no / no" in line for line in lines) == 2
    code, out, err = run(
        capsys, "forks", up, *paths, str(tmp_path / "gone"), "--format", "json", *cache
    )
    assert code == 2
    document = json.loads(out)
    validate(document, "fork")
    assert [entry["error"] is None for entry in document["forks"]] == [True, True, True, False]
    assert f"error: {tmp_path / 'gone'}: fork" in err
    code, out, _ = run(
        capsys, "forks", up, *paths, "--format", "markdown", "--fail-on", "critical", *cache
    )
    assert code == 1
    assert out.startswith("## Forks of ")

"""A normal install works without the source tree: the wheel carries the JSON schemas, and a
scan with a configuration and an ignore file, ``rules --format json`` and ``runtime`` run
from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
S2 = '{"model": {"gin_channels": %d, "hidden_channels": 192}}\n'


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; the dependencies are those of
    the test environment (reached through a .pth file), never the source tree."""
    where = tmp_path_factory.mktemp("install")
    build = ["wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w"]
    subprocess.run(
        [sys.executable, "-m", "pip", *build, str(where / "dist")],
        check=True,
        capture_output=True,
    )
    (wheel,) = (where / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "auditor/schema_files/report.schema.json" in names
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [str(venv / "bin" / "model-audit"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_installed_package_is_not_the_source_tree(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import auditor; print(auditor.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and "site-packages" in where


def test_scan_with_a_config_and_an_ignore_file(
    installed: Path, make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2 % 512})
    repo.commit("wider", {"configs/s2.json": S2 % 1024})
    config = tmp_path / "audit.yaml"
    config.write_text("severity:\n  MA101: high\n", encoding="utf-8")
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - {rule: MA999, reason: not ours}\n", encoding="utf-8")
    done = _run(
        installed,
        tmp_path,
        *("scan", str(repo.path), "--no-cache", "--format", "json"),
        *("--config", str(config), "--ignore-file", str(ignore)),
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    validate(document, "report")
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("MA101", "high")]


def test_rules_json_and_a_bad_config_from_the_install(
    installed: Path, make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    done = _run(installed, tmp_path, "rules", "--format", "json")
    assert done.returncode == 0, done.stderr
    validate(json.loads(done.stdout), "rules")
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2 % 512})
    bad = tmp_path / "bad.yaml"
    bad.write_text("severity:\n  MA101: enormous\n", encoding="utf-8")
    refused = _run(installed, tmp_path, "scan", str(repo.path), "--no-cache", "--config", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ") and "bad.yaml" in refused.stderr
    assert "internal error" not in refused.stderr


@pytest.mark.torch
def test_runtime_from_the_install(
    installed: Path, sample_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    repo = sample_repo("mini_sovits")
    done = _run(
        installed,
        tmp_path,
        *("runtime", "v1.0", "v2.0", str(repo), "--format", "json", "--device", "cpu"),
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    validate(document, "runtime")
    assert any(m["outcome"] == "fails-to-load" for m in document["models"])

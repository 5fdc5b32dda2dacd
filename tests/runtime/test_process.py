"""Worker processes: the Python they run in, and what the worker imports there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.runtime.confirm import run_worker
from auditor.runtime.process import WorkerError, check_interpreter, worker_environment

#: Top-level modules of the auditor's own dependencies: none may reach the worker.
AUDITOR_DEPENDENCIES = {"jsonschema", "yaml", "click", "rich", "git", "libcst", "referencing"}


def script(path: Path, body: str) -> str:
    """An executable shell script at PATH; its path."""
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_the_worker_imports_only_the_standard_library_and_the_auditor() -> None:
    # -S: no site-packages at all; only the auditor's package, on PYTHONPATH as for a worker
    code = "import auditor.runtime.worker, json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env=worker_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tops = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert "auditor" in tops
    assert tops - set(sys.stdlib_module_names) - {"__main__"} == {"auditor"}
    assert not tops & (AUDITOR_DEPENDENCIES | {"torch"})  # torch too is imported when needed


def test_a_worker_without_torch_says_so_naming_its_python(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"device": "meta", "sys_path": [], "models": []}), "utf-8")
    done = subprocess.run(
        [sys.executable, "-S", "-m", "auditor.runtime.worker", str(request)],
        cwd=tmp_path,
        env=worker_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    fatal = json.loads(done.stdout)["fatal"]
    assert fatal.startswith(f"torch is not installed for {sys.executable}: ")
    assert "Traceback" not in done.stderr


@pytest.mark.torch
def test_a_worker_runs_in_the_python_given(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    log = tmp_path / "ran.log"
    python = script(tmp_path / "python", f'echo "$@" >> {log}\nexec {sys.executable} "$@"')
    request = {"device": "meta", "sys_path": [], "models": []}
    answer = run_worker(request, tmp_path, tmp_path / "request.json", 60, python=python)
    assert answer == {"device": "meta", "torch": str(torch.__version__), "models": {}}
    probe, worker = log.read_text("utf-8").splitlines()
    assert probe.startswith("-c import importlib.util") and worker == "-m auditor.runtime.worker"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f'exec {sys.executable} -S "$@"', "torch is not installed for {python}: install it"),
        ("echo not python", "{python} is not a Python interpreter the worker can use"),
        ("echo 'no such option' >&2; exit 2", "{python} is not a Python interpreter"),
        (
            'echo \'{"version": [3, 9, 18], "torch": true}\'',
            "{python} is Python 3.9.18; the runtime worker needs Python 3.10 or later",
        ),
    ],
)
def test_a_python_the_worker_cannot_use_is_named(tmp_path: Path, body: str, message: str) -> None:
    python = script(tmp_path / "python", body)
    with pytest.raises(WorkerError) as raised:
        check_interpreter(python)
    assert message.format(python=python) in str(raised.value)


def test_a_missing_python_cannot_run(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-python")
    with pytest.raises(WorkerError, match=f"cannot run the Python {missing}: "):
        check_interpreter(missing)

"""A worker process for one materialised revision, answering requests one after another.

The worker (:mod:`auditor.runtime.worker`) runs with the revision's tree as its working
folder and the auditor's package on ``PYTHONPATH``, in the auditor's own Python or in another
one (the audited project's environment, with the packages its code imports): the worker needs
only the standard library and torch there. Each request is written to a file whose
path goes on the worker's stdin; its answer is one JSON line on the worker's stdout. Keeping
the process for the meta build and the real build of a revision imports torch and the
repository's code once; two revisions' workers run side by side.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import auditor
from auditor.errors import AuditError
from auditor.interrupts import interrupts_held


class WorkerError(AuditError):
    """A worker could not run at all (no torch, no CUDA when asked for, no answer)."""


class WorkerStopped(WorkerError):
    """The worker ran past its timeout (``kind`` ``timeout``, and was ended) or died
    (``crashed``) while answering a request; ``why`` says which (``was killed by SIGKILL``).

    ``model`` is the model it was working on (None: before the first one), ``finished`` the
    results of the models it had finished, ``device`` the device it had picked, if it said.
    """

    def __init__(
        self,
        kind: str,
        why: str,
        model: str | None,
        finished: Mapping[str, Any],
        device: str | None,
    ) -> None:
        super().__init__(f"the runtime worker {why}")
        self.kind = kind
        self.why = why
        self.model = model
        self.finished = dict(finished)
        self.device = device


TIMEOUT = "timeout"
CRASHED = "crashed"


#: The oldest Python the worker's modules run on.
MIN_PYTHON = (3, 10)
#: What :func:`check_interpreter` asks another Python: its version, and whether torch is
#: there (found, not imported: importing torch takes seconds).
_PROBE = (
    "import importlib.util, json, sys; print(json.dumps({'version': list(sys.version_info[:3]),"
    " 'torch': importlib.util.find_spec('torch') is not None}))"
)


def worker_environment() -> dict[str, str]:
    """The environment of a worker: the auditor's package first on ``PYTHONPATH``, offline."""
    package_parent = str(Path(auditor.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    return env


@functools.lru_cache(maxsize=8)
def check_interpreter(python: str) -> None:
    """Raise :class:`WorkerError`, naming PYTHON, unless it is a Python the worker can run in:
    version 3.10 or later, with torch installed. Asked once per interpreter."""
    try:
        done = subprocess.run(
            [python, "-c", _PROBE],
            env=worker_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise WorkerError(f"cannot run the Python {python}: {error}") from None
    lines = done.stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except ValueError:
        found = None
    if not isinstance(found, dict) or not isinstance(found.get("version"), list):
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise WorkerError(f"{python} is not a Python interpreter the worker can use ({said})")
    version = tuple(int(part) for part in found["version"])
    if version < MIN_PYTHON:
        shown = ".".join(map(str, version))
        raise WorkerError(
            f"{python} is Python {shown}; the runtime worker needs Python "
            f"{'.'.join(map(str, MIN_PYTHON))} or later"
        )
    if not found.get("torch"):
        raise WorkerError(
            f"torch is not installed for {python}: install it in that environment "
            "(the CPU build is enough) or choose another Python"
        )


class WorkerProcess:
    """The worker of one revision: ``send`` a request, ``receive`` its answer, or ``ask``.

    PYTHON is the interpreter it runs in (default: the auditor's own); another one is
    checked first (:func:`check_interpreter`).
    """

    def __init__(
        self, root: Path, scratch: Path, label: str, timeout: float, python: str | None = None
    ) -> None:
        if python is not None:
            check_interpreter(python)
        self.timeout = timeout
        self._scratch = scratch
        self._label = label
        self._sent = 0
        self._stderr_path = scratch / f"{label}.stderr"
        self._stderr = self._stderr_path.open("wb")
        with interrupts_held():  # until the worker ignores SIGINT (Ctrl-C is ours to handle)
            self._process = subprocess.Popen(
                [python or sys.executable, "-m", "auditor.runtime.worker"],
                cwd=root,
                env=worker_environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        self._lines: queue.Queue[bytes] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(
            target=_pump, args=(self._process.stdout, self._lines), daemon=True
        ).start()

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:  # Ctrl-C or an error: the worker's answers are not wanted
            self._process.kill()
        self.close()

    def send(self, request: Mapping[str, Any]) -> None:
        """Hand REQUEST to the worker; :meth:`receive` waits for the answer."""
        self._sent += 1
        path = self._scratch / f"{self._label}-{self._sent}.json"
        path.write_text(json.dumps(request), encoding="utf-8")
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(f"{path}\n".encode())
            self._process.stdin.flush()
        except OSError:
            raise WorkerError(f"the runtime worker gave no answer: {self._why()}") from None

    def receive(self) -> dict[str, Any]:
        """The answer to the oldest request not yet received.

        :class:`WorkerStopped` when the worker runs past its timeout on one model (it is
        ended) or dies; :class:`WorkerError` when it cannot run at all.
        """
        model: str | None = None
        device: str | None = None
        finished: dict[str, Any] = {}
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                self._process.kill()
                self._process.wait()
                why = f"ran past its timeout of {self.timeout:g} s"
                raise WorkerStopped(TIMEOUT, why, model, finished, device) from None
            try:
                answer: dict[str, Any] = json.loads(line)
            except ValueError:
                raise WorkerStopped(CRASHED, self._death(), model, finished, device) from None
            if "starting" in answer:
                model, device = str(answer["starting"]), answer.get("device")
            elif "finished" in answer:
                finished[str(answer["finished"])] = answer["result"]
                model = None
            elif "fatal" in answer:
                raise WorkerError(str(answer["fatal"]))
            else:
                return answer

    def ask(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send REQUEST and wait for its answer."""
        self.send(request)
        return self.receive()

    def close(self) -> None:
        """End the worker (it stops at the end of its stdin) and close its files."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()

    def _death(self) -> str:
        """How the worker died: the signal that killed it, or its exit status."""
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            return "stopped answering"
        code = self._process.returncode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"was killed by {name}"
        return f"exited with status {code}"

    def _why(self) -> str:
        """The last line the worker wrote to stderr, or its exit status."""
        deadline = time.monotonic() + 5
        while self._process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stderr.flush()
        tail = self._stderr_path.read_bytes().decode("utf-8", "replace").strip().splitlines()
        return tail[-1] if tail else f"exit status {self._process.returncode}"


def _pump(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    """Move the worker's stdout lines to LINES; an empty line marks its end."""
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):  # the stream was closed under us: the worker is ending
        pass
    lines.put(b"")

"""A worker process for one materialised revision, answering requests one after another.

The worker (:mod:`auditor.runtime.worker`) runs with the revision's tree as its working
folder and the auditor's package on ``PYTHONPATH``. Each request is written to a file whose
path goes on the worker's stdin; its answer is one JSON line on the worker's stdout. Keeping
the process for the meta build and the real build of a revision imports torch and the
repository's code once; two revisions' workers run side by side.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
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


class WorkerError(AuditError):
    """A worker could not run at all (no torch, no CUDA when asked for, no answer)."""


class WorkerProcess:
    """The worker of one revision: ``send`` a request, ``receive`` its answer, or ``ask``."""

    def __init__(self, root: Path, scratch: Path, label: str, timeout: float) -> None:
        self.timeout = timeout
        self._scratch = scratch
        self._label = label
        self._sent = 0
        self._stderr_path = scratch / f"{label}.stderr"
        self._stderr = self._stderr_path.open("wb")
        package_parent = str(Path(auditor.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "auditor.runtime.worker"],
            cwd=root,
            env=env,
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
        """The answer to the oldest request not yet received, or :class:`WorkerError`."""
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            self._process.kill()
            raise WorkerError(
                f"the runtime worker ran past its timeout of {self.timeout:g} s"
            ) from None
        try:
            answer: dict[str, Any] = json.loads(line)
        except ValueError:
            raise WorkerError(f"the runtime worker gave no answer: {self._why()}") from None
        if "fatal" in answer:
            raise WorkerError(str(answer["fatal"]))
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

"""The worker of one revision, started again past a model that hangs or kills it.

A model whose code hangs, or kills its process (a signal, ``os._exit``, a crash in an
extension), must not cost the other models their results: the model the worker was on gets
an outcome of its own (``timeout`` or ``crashed``, its reason naming the model and the
revision), the results the worker had finished are kept, and a fresh worker takes the models
still to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.runtime.process import WorkerProcess, WorkerStopped


class RevisionWorker:
    """Answers requests about REVISION's models like :class:`WorkerProcess`, one model's
    timeout or crash becoming that model's result instead of an error.

    REVISION is how reasons name the revision (``old revision v1.0 (1a2b3c4)``).
    """

    def __init__(
        self,
        root: Path,
        scratch: Path,
        label: str,
        timeout: float,
        python: str | None,
        revision: str,
    ) -> None:
        self._args = (root, scratch, label, timeout, python)
        self._revision = revision
        self._worker: WorkerProcess | None = WorkerProcess(*self._args)
        self._request: Mapping[str, Any] | None = None

    def __enter__(self) -> RevisionWorker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.__exit__(kind, value, traceback)
            self._worker = None

    def send(self, request: Mapping[str, Any]) -> None:
        """Hand REQUEST to the worker (a fresh one when the last one stopped)."""
        if self._worker is None:
            self._worker = WorkerProcess(*self._args)
        self._request = request
        self._worker.send(request)

    def receive(self) -> dict[str, Any]:
        """The answer to the request sent, with a result for each of its models."""
        assert self._request is not None, "receive() before send()"
        request = self._request
        done: dict[str, Any] = {}
        device: str | None = None
        while True:
            assert self._worker is not None
            try:
                answer = self._worker.receive()
            except WorkerStopped as stop:
                self._worker.close()
                self._worker = None
                done.update(stop.finished)
                device = stop.device or device
                left = [str(m["name"]) for m in request["models"] if m["name"] not in done]
                # Stopped before its first model (importing torch, say): no model can run.
                for name in [stop.model] if stop.model in left else left:
                    done[name] = self._stopped(name, stop)
                remaining = [m for m in request["models"] if m["name"] not in done]
                if not remaining:
                    return {"device": device or _device(request), "models": done}
                request = {**request, "models": remaining}
                self.send(request)
                continue
            done.update(answer["models"])
            return {**answer, "models": done}

    def ask(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send REQUEST and wait for its answer."""
        self.send(request)
        return self.receive()

    def _stopped(self, name: str, stop: WorkerStopped) -> dict[str, Any]:
        """The result of model NAME, on which the worker stopped."""
        why = f"the runtime worker for {name} at {self._revision} {stop.why}"
        if stop.model != name:
            why += " before it started on any model"
        return {"built": False, "error": why, "stopped": stop.kind}


def revision_name(rev: str, sha: str) -> str:
    """How reasons name revision REV: ``v1.0 (1a2b3c4)``, or ``1a2b3c4`` when REV is a sha."""
    return sha[:7] if sha.startswith(rev) else f"{rev} ({sha[:7]})"


def _device(request: Mapping[str, Any]) -> str:
    """The device REQUEST asked for, when the worker never said which it picked."""
    device = str(request["device"])
    return "cpu" if device == "auto" else device

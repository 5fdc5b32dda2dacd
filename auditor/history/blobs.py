"""Reading blobs by sha through long-lived ``git cat-file`` processes."""

from __future__ import annotations

import re
import subprocess
from types import TracebackType

import git

from auditor.history._git import start_git, stop

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class BlobReader:
    """Reads objects by full sha for a whole audit, through two ``git cat-file`` processes.

    ``git cat-file --batch-check`` answers :meth:`size` and ``git cat-file --batch``
    answers :meth:`read`; each starts on first use and serves every later request. A
    missing object is reported as None and leaves the process in step; an object git fails
    on (a corrupt one) is reported as None too, and the process is started again for the
    next request. Not thread-safe. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        self._check: subprocess.Popen[bytes] | None = None
        self._batch: subprocess.Popen[bytes] | None = None

    def size(self, sha: str) -> int | None:
        """The size in bytes of object SHA, or None when the repository lacks it."""
        if self._check is None:
            self._check = start_git(self._repo, ["cat-file", "--batch-check"], stdin=True)
        header = self._ask(self._check, sha)
        if header is None:
            stop(self._check)
            self._check = None
            return None
        return header if header >= 0 else None

    def read(self, sha: str) -> bytes | None:
        """The content of object SHA, or None when the repository lacks it."""
        if self._batch is None:
            self._batch = start_git(self._repo, ["cat-file", "--batch"], stdin=True)
        size = self._ask(self._batch, sha)
        if size is None:
            stop(self._batch)
            self._batch = None
            return None
        if size < 0:
            return None
        assert self._batch.stdout is not None
        data = self._batch.stdout.read(size + 1)
        if len(data) != size + 1 or not data.endswith(b"\n"):
            stop(self._batch)
            self._batch = None
            return None
        return data[:-1]

    def close(self) -> None:
        """End the ``git cat-file`` processes; later requests start them again."""
        for proc in (self._check, self._batch):
            if proc is not None:
                _finish(proc)
        self._check = self._batch = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ask(self, proc: subprocess.Popen[bytes], sha: str) -> int | None:
        """Send SHA; its size, -1 when missing, or None when the process is out of step."""
        key = sha.strip().lower()
        if not _SHA.fullmatch(key):
            raise ValueError(f"not a full object id: {sha!r}")
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(key.encode("ascii") + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        parts = proc.stdout.readline().split()
        if parts == [key.encode("ascii"), b"missing"]:
            return -1
        if len(parts) != 3 or parts[0] != key.encode("ascii") or not parts[2].isdigit():
            return None
        return int(parts[2])


def _finish(proc: subprocess.Popen[bytes]) -> None:
    """Close PROC's stdin so it exits by itself; kill it if it lingers."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        pass
    stop(proc)

"""Small real git repositories with deterministic shas, built commit by commit in tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHOR = "Ada Tester"
EMAIL = "ada@example.com"
EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z


class GitRepo:
    """A work tree built commit by commit; every commit is one minute after the last."""

    def __init__(self, path: Path, *, bare: bool = False) -> None:
        self.path = path
        self.ticks = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("-c", "init.defaultBranch=main", "init", "-q", *(["--bare"] if bare else []))

    def env(self) -> dict[str, str]:
        date = f"@{EPOCH + 60 * self.ticks} +0000"
        return {
            **os.environ,
            "GIT_AUTHOR_NAME": AUTHOR,
            "GIT_AUTHOR_EMAIL": EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR,
            "GIT_COMMITTER_EMAIL": EMAIL,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }

    def git(self, *args: str, cwd: Path | None = None) -> str:
        """Run git in the work tree; its stdout, stripped."""
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.path,
            env=self.env(),
            check=True,
            capture_output=True,
        )
        return done.stdout.decode().strip()

    def write(self, rel: str, content: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data)

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes | None] | None = None,
        *,
        moves: dict[str, str] | None = None,
    ) -> str:
        """Write FILES (None deletes), ``git mv`` MOVES, commit everything; the new sha."""
        for old, new in (moves or {}).items():
            (self.path / new).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", old, new)
        for rel, content in (files or {}).items():
            if content is None:
                (self.path / rel).unlink()
            else:
                self.write(rel, content)
        self.git("add", "-A")
        self.ticks += 1
        self.git("commit", "-q", "--allow-empty", "--allow-empty-message", "-m", message)
        return self.sha("HEAD")

    def sha(self, rev: str) -> str:
        return self.git("rev-parse", rev)

    def blob(self, rev: str, path: str) -> str:
        return self.sha(f"{rev}:{path}")

    def object_file(self, sha: str) -> Path:
        """Where the loose object SHA lies."""
        return self.path / ".git" / "objects" / sha[:2] / sha[2:]

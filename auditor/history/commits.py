"""Small read-only questions about single revisions: counts, commit metadata, files at a tip."""

from __future__ import annotations

import git

from auditor.domain import Commit
from auditor.history._git import run_git
from auditor.history.repository import RevisionRange

_FORMAT = "%H%x00%P%x00%aI%x00%an%x00%B"


def count_commits(repo: git.Repo, rng: RevisionRange, *, first_parent: bool = False) -> int:
    """How many commits a walk of ``rng`` visits."""
    spec = f"{rng.base}..{rng.tip}" if rng.base else rng.tip
    args = ["rev-list", "--count", *(["--first-parent"] if first_parent else []), spec, "--"]
    return int(run_git(repo, args)[1].decode("ascii").strip() or 0)


def commit_at(repo: git.Repo, sha: str) -> Commit:
    """The metadata of one commit (``parent`` is its first parent)."""
    # `git log -1`, not `git show -s`: show reads objects a snapshot may lack (a missing blob
    # fails it on some commits), log reads only the commit
    args = ["log", "-1", "--no-walk", "--no-show-signature", f"--format={_FORMAT}", sha, "--"]
    raw = run_git(repo, args)[1]
    full, parents, date, author, message = raw.decode("utf-8", "replace").split("\0", 4)
    first_line = message.strip("\n").split("\n", 1)[0]
    return Commit(
        sha=full,
        parent=parents.split()[0] if parents.split() else None,
        date=date,
        author=author,
        subject=first_line,
    )


def file_at(repo: git.Repo, rev: str, path: str) -> bytes | None:
    """The content of ``path`` in the tree of ``rev``, or None when it is absent or unreadable."""
    rc, out = run_git(repo, ["cat-file", "blob", f"{rev}:{path}"], check=False)
    return out if rc == 0 else None


def files_in(repo: git.Repo, rev: str, folder: str) -> dict[str, str]:
    """The files directly in ``folder`` of the tree of ``rev``: ``{path: blob sha}``."""
    spec = f"{folder}/" if folder not in ("", ".") else "."
    return _ls_tree(repo, ["--full-tree", rev, "--", spec])


def files_at(repo: git.Repo, rev: str) -> dict[str, str]:
    """Every file of the tree of ``rev``: ``{path: blob sha}``."""
    return _ls_tree(repo, ["-r", "--full-tree", rev])


def _ls_tree(repo: git.Repo, args: list[str]) -> dict[str, str]:
    rc, out = run_git(repo, ["ls-tree", "-z", *args], check=False)
    if rc != 0:
        return {}
    found: dict[str, str] = {}
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            found[path] = parts[2]
    return found

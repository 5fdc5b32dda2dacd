"""Where a repository's remotes point: the URL of ``origin`` names the project's web home."""

from __future__ import annotations

import git

from auditor.history._git import run_git


def remote_url(repo: git.Repo, name: str = "origin") -> str | None:
    """The configured URL of remote NAME (``remote.<name>.url``), or None when there is none."""
    rc, out = run_git(repo, ["config", "--get", f"remote.{name}.url"], check=False)
    url = out.decode("utf-8", "replace").strip() if rc == 0 else ""
    return url or None

"""The web home of a repository, from its ``origin`` URL (GitHub or GitLab, https or ssh)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from auditor.changelog.contents import Forge

#: ``git@github.com:owner/repo.git`` (scp-like ssh syntax).
_SCP = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")


def forge_for(url: str | None) -> Forge | None:
    """The forge a remote URL points at, or None for other hosts and local paths.

    Credentials in the URL (``https://user:token@github.com/...``) are dropped, so links
    never carry them.
    """
    if not url:
        return None
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git", "git+ssh"):
            return None
        host, path = parts.hostname or "", parts.path
    else:
        match = _SCP.match(url)
        if match is None:
            return None
        host, path = match["host"], match["path"]
    host = host.lower()
    if host == "github.com" or host.endswith(".github.com"):
        kind = "github"
    elif "gitlab" in host.split("."):
        kind = "gitlab"
    else:
        return None
    path = path.strip("/").removesuffix(".git").strip("/")
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 2 or (kind == "github" and len(segments) != 2):
        return None
    web_host = "github.com" if kind == "github" else host
    return Forge(kind=kind, url=f"https://{web_host}/{'/'.join(segments)}")

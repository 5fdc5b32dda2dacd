"""Materialise the files a profile needs at one revision, from git objects, into a folder.

Nothing is checked out: blobs are read by sha. A blob the repository lacks (a partial clone,
a damaged snapshot) is reported and skipped; the worker may still manage without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from auditor.history import BlobReader


@dataclass(frozen=True)
class Materialised:
    """Files written under ``root`` (repository-relative POSIX paths) and those absent."""

    root: Path
    files: tuple[str, ...]
    missing: tuple[str, ...]


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a repository glob: ``**/`` spans folders, ``*`` and ``?`` stay in one."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def select(paths: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The PATHS that match any of PATTERNS, sorted."""
    regexes = [glob_regex(p) for p in patterns]
    return sorted(p for p in paths if any(r.fullmatch(p) for r in regexes))


def materialise(
    blobs: BlobReader, tree: dict[str, str], patterns: Iterable[str], dest: Path
) -> Materialised:
    """Write the files of TREE (``{path: blob}``) matching PATTERNS under DEST."""
    written: list[str] = []
    missing: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    for path in select(tree, patterns):
        parts = PurePosixPath(path).parts
        if any(part in ("", ".", "..") for part in parts) or path.startswith("/"):
            missing.append(path)
            continue
        data = blobs.read(tree[path])
        if data is None:
            missing.append(path)
            continue
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(path)
    return Materialised(root=dest, files=tuple(written), missing=tuple(missing))


class ConfigUnavailable(Exception):
    """No candidate config exists at a revision, or the one found cannot be parsed."""


def read_config(
    blobs: BlobReader, tree: dict[str, str], candidates: Iterable[str]
) -> tuple[str, dict[str, Any]]:
    """The first of CANDIDATES present in TREE, and its parsed content (JSON, JSONC or YAML)."""
    tried = list(candidates)
    for path in tried:
        if path not in tree:
            continue
        data = blobs.read(tree[path])
        if data is None:
            raise ConfigUnavailable(f"{path}: blob {tree[path][:12]} is missing")
        try:
            text = data.decode("utf-8-sig")
            if path.endswith((".yaml", ".yml")):
                parsed = yaml.safe_load(text)
            else:
                parsed = json.loads(_strip_line_comments(text))
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ConfigUnavailable(f"{path}: cannot parse: {first}") from None
        if not isinstance(parsed, dict):
            raise ConfigUnavailable(f"{path}: not a mapping")
        return path, parsed
    raise ConfigUnavailable(f"none of the config candidates exists: {', '.join(tried)}")


def _strip_line_comments(text: str) -> str:
    """JSON with whole-line ``//`` comments, as configs in these repositories often have."""
    return re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)

"""Which files of a tree are configs, and which extractor reads each one.

Patterns are gitignore-like globs over repo-relative POSIX paths: ``*`` and ``?`` stay within
one path segment, ``**`` spans any number of directories, and a pattern without ``/`` matches
the file name at any depth.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.domain import FileFacts
from auditor.extract.dependencies import (
    extract_environment_facts,
    extract_pyproject_facts,
    extract_requirements_facts,
)
from auditor.extract.jsonc import extract_json_facts
from auditor.extract.yaml_config import extract_yaml_facts

DEFAULT_INCLUDE: tuple[str, ...] = (
    "**/*.json",
    "**/*.yaml",
    "**/*.yml",
    "**/requirements*.txt",
    "**/*requirements*.txt",
    "**/*-req.txt",
    "**/environment*.yml",
    "**/environment*.yaml",
    "**/pyproject.toml",
)

DEFAULT_EXCLUDE: tuple[str, ...] = (
    # Translations, lockfiles and web tooling: never model configs.
    "**/i18n/**",
    "**/locale/**",
    "**/locales/**",
    "package-lock.json",
    "*.lock",
    "package.json",
    "tsconfig*.json",
    "jsconfig*.json",
    "composer.json",
    ".eslintrc*",
    ".prettierrc*",
    "**/node_modules/**",
    # Tokenizer vocabularies: huge, one fact per token.
    "tokenizer.json",
    "vocab.json",
    # CI, editors, containers and docs.
    "**/.github/**",
    "**/.circleci/**",
    ".gitlab-ci.yml",
    ".pre-commit-config.yaml",
    "azure-pipelines.yml",
    ".travis.yml",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose.yml",
    "compose.yaml",
    "**/.vscode/**",
    "**/.idea/**",
    "**/.devcontainer/**",
    "*.ipynb",
    "*.schema.json",
    "mkdocs.yml",
    ".readthedocs.yml",
    ".readthedocs.yaml",
    "codecov.yml",
    ".codecov.yml",
    # model-audit's own settings.
    ".model-audit.yaml",
    ".model-audit-ignore.yaml",
)


@dataclass(frozen=True)
class FileSelection:
    """Include and exclude globs: a path is selected when it matches an include and no exclude."""

    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE

    def selects(self, path: str) -> bool:
        """Whether the repo-relative POSIX ``path`` is a config file to audit."""
        path = path.lstrip("/")
        while path.startswith("./"):
            path = path[2:]
        return bool(_compile(self.include).match(path)) and not _compile(self.exclude).match(path)


@dataclass(frozen=True)
class Extractor:
    """A named fact extractor; bump ``version`` whenever its output changes (it keys caches)."""

    name: str
    version: int
    extract: Callable[[bytes], FileFacts]


JSON = Extractor("json", 1, extract_json_facts)
YAML = Extractor("yaml", 1, extract_yaml_facts)
REQUIREMENTS = Extractor("requirements", 1, extract_requirements_facts)
ENVIRONMENT = Extractor("environment", 1, extract_environment_facts)
PYPROJECT = Extractor("pyproject", 1, extract_pyproject_facts)

_BY_NAME: tuple[tuple[tuple[str, ...], Extractor], ...] = (
    (("pyproject.toml",), PYPROJECT),
    (("environment*.yml", "environment*.yaml"), ENVIRONMENT),
    (("*requirements*.txt", "*-req.txt"), REQUIREMENTS),
    (("*.json",), JSON),
    (("*.yaml", "*.yml"), YAML),
)


def extractor_for(path: str) -> Extractor | None:
    """The extractor for a file, chosen by its name (case-insensitive), or None."""
    name = posixpath.basename(path).lower()
    for patterns, extractor in _BY_NAME:
        if _compile(patterns).match(name):
            return extractor
    return None


def glob_problem(pattern: str, *, paths: bool = True) -> str | None:
    """Why PATTERN is no glob, or None: a ``[`` never closed, a class that is empty or holds
    a reversed range (``[z-a]``). A ``[`` never closes across a ``/`` in a glob over PATHS
    (without PATHS, over keys, ``/`` is a character)."""
    offset = 0
    for segment in pattern.split("/") if paths else [pattern]:
        start = 0
        while (start := segment.find("[", start)) >= 0:
            if "]" not in segment[start + 2 :]:
                return (
                    f"the '[' at column {offset + start + 1} is never closed "
                    "(a literal '[' is written '[[]')"
                )
            start = segment.index("]", start + 2) + 1
        offset += len(segment) + 1
    try:
        re.compile(_translate(pattern) if paths else _translate_segment(pattern))
    except re.error as error:
        if error.msg.startswith("bad character range"):
            return f"{error.msg} (a reversed range)"
        return "a '[...]' class is empty or never closed"
    return None


@functools.lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{_translate(p)})" for p in patterns))


def _translate(pattern: str) -> str:
    """A glob as a regex that must match the whole path."""
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    pattern = pattern.strip("/")
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        parts.append(_translate_segment(segment) + ("" if last else "/"))
    return "".join(parts) + r"\Z"


def _translate_segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in segment[i + 2 :]:
            end = segment.index("]", i + 2)
            body = segment[i + 1 : end]
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)

"""Fixtures of the git-layer tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import git
import pytest

from auditor.history import open_repository


@pytest.fixture
def opened() -> Iterator[Callable[[str | Path], git.Repo]]:
    """``opened(path)`` is ``open_repository(path)``, closed at the end of the test."""
    repos: list[git.Repo] = []

    def open_(path: str | Path) -> git.Repo:
        repo = open_repository(path)
        repos.append(repo)
        return repo

    yield open_
    for repo in repos:
        repo.close()

"""The GitHub Actions event that started a run: ``GITHUB_EVENT_NAME`` and its payload.

Only the fields that decide what to audit are read: the base and head of a pull request or
merge group, the ``before``/``after`` of a push, its ref, whether it created, deleted or
force-pushed the ref, and the repository's default branch. Everything else is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from auditor.errors import AuditError

#: The sha GitHub sends for "no commit": a created ref's ``before``, a deleted ref's ``after``.
ZERO_SHA = "0" * 40
TAG_PREFIX = "refs/tags/"
BRANCH_PREFIX = "refs/heads/"

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


class EventError(AuditError):
    """The event payload cannot be read, or lacks what the audit needs."""


class EventKind(str, Enum):
    """What an event asks to audit."""

    PULL_REQUEST = "pull_request"  # pull_request and pull_request_target
    MERGE_GROUP = "merge_group"
    PUSH = "push"  # a push to a branch
    TAG = "tag"  # a push of a tag
    OTHER = "other"  # workflow_dispatch, schedule and anything else


@dataclass(frozen=True)
class GitHubEvent:
    """The parts of an event that decide the audited range."""

    name: str
    kind: EventKind
    #: Pull request and merge group: the base sha; push: ``before`` (None for a new ref).
    base: str | None = None
    #: Pull request and merge group: the head sha; push: ``after`` (None for a deleted ref).
    head: str | None = None
    ref: str | None = None
    default_branch: str | None = None
    number: int | None = None
    forced: bool = False

    @property
    def tag(self) -> str | None:
        """The tag name of a tag push (``v2.0``)."""
        if self.ref is None or not self.ref.startswith(TAG_PREFIX):
            return None
        return self.ref.removeprefix(TAG_PREFIX)

    @property
    def branch(self) -> str | None:
        """The branch name of a branch push (``feature/x``)."""
        if self.ref is None or not self.ref.startswith(BRANCH_PREFIX):
            return None
        return self.ref.removeprefix(BRANCH_PREFIX)

    def describe(self) -> str:
        """The event in a few words: ``pull request #12``, ``push to main``, ``tag v2.0``."""
        if self.kind is EventKind.PULL_REQUEST and self.number is not None:
            return f"pull request #{self.number}"
        if self.kind is EventKind.TAG:
            return f"tag {self.tag}"
        if self.kind is EventKind.PUSH and self.branch:
            return f"push to {self.branch}"
        return self.name or "no GitHub event"

    @property
    def deleted(self) -> bool:
        """A push that deleted its ref: nothing to audit."""
        return self.kind in (EventKind.PUSH, EventKind.TAG) and self.head is None


def read_event(environ: Mapping[str, str]) -> GitHubEvent:
    """The event of this run, from ``GITHUB_EVENT_NAME`` and the JSON at ``GITHUB_EVENT_PATH``.

    Outside GitHub Actions (no event name) the event is ``OTHER``, whose payload is not read.
    An event that needs its payload (pull requests, pushes) but cannot read it raises
    :class:`EventError`.
    """
    name = environ.get("GITHUB_EVENT_NAME", "").strip()
    path = environ.get("GITHUB_EVENT_PATH", "").strip()
    if _kind_of(name) is EventKind.OTHER:
        return GitHubEvent(name=name, kind=EventKind.OTHER)
    if not path:
        raise EventError(f"GITHUB_EVENT_PATH is not set: cannot read the {name} event")
    try:
        with open(path, encoding="utf-8") as file:
            payload = json.load(file)
    except OSError as error:
        raise EventError(f"cannot read the event payload {path}: {error.strerror}") from None
    except ValueError as error:
        raise EventError(f"the event payload {path} is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise EventError(f"the event payload {path} is not a JSON object")
    return parse_event(name, payload)


def parse_event(name: str, payload: Mapping[str, Any]) -> GitHubEvent:
    """The event named NAME with its webhook PAYLOAD."""
    kind = _kind_of(name)
    default_branch = _text(payload, "repository", "default_branch")
    if kind is EventKind.PULL_REQUEST:
        number = _get(payload, "pull_request", "number")
        return GitHubEvent(
            name=name,
            kind=kind,
            base=_sha(payload, "pull_request", "base", "sha"),
            head=_sha(payload, "pull_request", "head", "sha"),
            default_branch=default_branch,
            number=number if isinstance(number, int) else None,
        )
    if kind is EventKind.MERGE_GROUP:
        return GitHubEvent(
            name=name,
            kind=kind,
            base=_sha(payload, "merge_group", "base_sha"),
            head=_sha(payload, "merge_group", "head_sha"),
            ref=_text(payload, "merge_group", "head_ref"),
            default_branch=default_branch,
        )
    if kind is EventKind.PUSH:
        ref = _text(payload, "ref")
        before = _sha(payload, "before")
        after = _sha(payload, "after")
        return GitHubEvent(
            name=name,
            kind=EventKind.TAG if ref and ref.startswith(TAG_PREFIX) else EventKind.PUSH,
            base=None if before == ZERO_SHA else before,
            head=None if after == ZERO_SHA else after,
            ref=ref,
            default_branch=default_branch,
            forced=_get(payload, "forced") is True,
        )
    return GitHubEvent(name=name, kind=kind, default_branch=default_branch)


def _kind_of(name: str) -> EventKind:
    if name in _PULL_REQUEST_EVENTS:
        return EventKind.PULL_REQUEST
    if name == "merge_group":
        return EventKind.MERGE_GROUP
    if name == "push":
        return EventKind.PUSH
    return EventKind.OTHER


def _get(payload: Mapping[str, Any], *keys: str) -> Any:
    value: Any = payload
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _text(payload: Mapping[str, Any], *keys: str) -> str | None:
    value = _get(payload, *keys)
    return value if isinstance(value, str) and value else None


def _sha(payload: Mapping[str, Any], *keys: str) -> str:
    value = _get(payload, *keys)
    if not isinstance(value, str) or not _SHA.fullmatch(value.strip().lower()):
        raise EventError(f"the event payload has no commit sha at {'.'.join(keys)}")
    return value.strip().lower()

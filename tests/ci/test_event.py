"""Reading GitHub Actions events: real-shaped payloads of every kind the action handles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.ci.event import ZERO_SHA, EventError, EventKind, GitHubEvent, parse_event, read_event
from tests.ci.conftest import pull_request, push

BASE = "1" * 40
HEAD = "2" * 40


def test_pull_request_takes_base_and_head_shas() -> None:
    event = parse_event("pull_request", pull_request(BASE, HEAD, number=12))
    assert event == GitHubEvent(
        name="pull_request",
        kind=EventKind.PULL_REQUEST,
        base=BASE,
        head=HEAD,
        default_branch="main",
        number=12,
    )
    assert event.describe() == "pull request #12"


def test_pull_request_target_reads_like_pull_request() -> None:
    event = parse_event("pull_request_target", pull_request(BASE, HEAD))
    assert (event.kind, event.base, event.head) == (EventKind.PULL_REQUEST, BASE, HEAD)


def test_push_takes_before_and_after() -> None:
    event = parse_event("push", push(BASE, HEAD, "refs/heads/dev"))
    assert (event.kind, event.base, event.head) == (EventKind.PUSH, BASE, HEAD)
    assert (event.branch, event.tag, event.forced, event.deleted) == ("dev", None, False, False)
    assert event.describe() == "push to dev"


def test_new_branch_has_no_base() -> None:
    event = parse_event("push", push(ZERO_SHA, HEAD, "refs/heads/feature/x"))
    assert (event.base, event.head, event.branch, event.default_branch) == (
        None,
        HEAD,
        "feature/x",
        "main",
    )


def test_deleted_branch_has_no_head() -> None:
    event = parse_event("push", push(BASE, ZERO_SHA, "refs/heads/old"))
    assert event.deleted
    assert event.head is None


def test_force_push_is_flagged() -> None:
    assert parse_event("push", push(BASE, HEAD, forced=True)).forced


def test_tag_push_is_a_tag_event() -> None:
    event = parse_event("push", push(ZERO_SHA, HEAD, "refs/tags/v2.0"))
    assert (event.kind, event.tag, event.head, event.branch) == (EventKind.TAG, "v2.0", HEAD, None)
    assert event.describe() == "tag v2.0"


def test_merge_group_takes_its_base_and_head() -> None:
    payload = {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": HEAD,
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-12-" + BASE,
            "base_sha": BASE,
            "base_ref": "refs/heads/main",
        },
        "repository": {"default_branch": "main"},
    }
    event = parse_event("merge_group", payload)
    assert (event.kind, event.base, event.head) == (EventKind.MERGE_GROUP, BASE, HEAD)


@pytest.mark.parametrize("name", ["workflow_dispatch", "schedule", "release", ""])
def test_other_events_need_no_payload(name: str) -> None:
    event = read_event({"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": "/nonexistent.json"})
    assert event.kind is EventKind.OTHER
    assert event.name == name


def test_read_event_reads_the_payload_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(pull_request(BASE, HEAD)), encoding="utf-8")
    event = read_event({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)})
    assert (event.base, event.head) == (BASE, HEAD)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the event payload"),
        ("{not json", "is not valid JSON"),
        ("[]", "is not a JSON object"),
        (json.dumps({"pull_request": {"base": {"sha": BASE}}}), "pull_request.head.sha"),
        (json.dumps(pull_request("main", HEAD)), "pull_request.base.sha"),
    ],
)
def test_unusable_payloads_are_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(EventError, match=message):
        read_event({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)})


def test_a_pull_request_without_its_payload_is_an_error() -> None:
    with pytest.raises(EventError, match="GITHUB_EVENT_PATH is not set"):
        read_event({"GITHUB_EVENT_NAME": "pull_request"})

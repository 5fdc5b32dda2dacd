"""From an event to the range to audit, in real repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from auditor.ci.derive import derive_range, latest_tag, range_from_spec
from auditor.ci.event import ZERO_SHA, parse_event
from auditor.ci.shallow import AuditRange, History, HistoryError
from auditor.errors import RepositoryError
from auditor.history import open_repository
from tests.ci.conftest import clone, pull_request, push, s2
from tests.gitrepo import GitRepo


@pytest.fixture
def tagged(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """c1 (v1) → c2 → c3 (v2, annotated) → c4 on main."""
    repo = make_repo()
    repo.commit("c1", {"configs/s2.json": s2(gin=256)})
    repo.git("tag", "v1")
    repo.commit("c2", {"configs/s2.json": s2(gin=512)})
    repo.commit("c3", {"configs/s2.json": s2(gin=768)})
    repo.git("tag", "-a", "v2", "-m", "release 2")
    repo.commit("c4", {"configs/s2.json": s2(gin=1024)})
    return repo


@pytest.fixture
def history(tagged: GitRepo) -> Iterator[History]:
    with closing(open_repository(tagged.path)) as repo:
        yield History(repo, fetch=False)


def test_pull_request_is_base_to_head(tagged: GitRepo, history: History) -> None:
    base, head = tagged.sha("HEAD~2"), tagged.sha("HEAD")
    rng = derive_range(parse_event("pull_request", pull_request(base, head)), history)
    assert rng == AuditRange(tip=head, base=base, label=f"{base[:7]}..{head[:7]}")


def test_push_is_before_to_after(tagged: GitRepo, history: History) -> None:
    before, after = tagged.sha("HEAD~1"), tagged.sha("HEAD")
    rng = derive_range(parse_event("push", push(before, after)), history)
    assert (rng.base, rng.tip, rng.single, rng.warnings) == (before, after, False, ())


def test_new_branch_is_what_the_default_branch_lacks(tagged: GitRepo, history: History) -> None:
    tagged.git("update-ref", "refs/remotes/origin/main", tagged.sha("HEAD~2"))
    after = tagged.sha("HEAD")
    event = parse_event("push", push(ZERO_SHA, after, "refs/heads/feature/sv"))
    rng = derive_range(event, history)
    assert (rng.base, rng.tip, rng.label) == (
        tagged.sha("HEAD~2"),
        after,
        f"origin/main..{after[:7]}",
    )


def test_new_branch_without_the_default_branch_is_its_tip_alone(
    tagged: GitRepo, history: History
) -> None:
    after = tagged.sha("HEAD")
    rng = derive_range(parse_event("push", push(ZERO_SHA, after, "refs/heads/x")), history)
    assert rng == AuditRange(tip=after, single=True, label=after[:7])


def test_a_push_that_moves_the_branch_back_has_nothing_to_audit(
    tagged: GitRepo, history: History
) -> None:
    before, after = tagged.sha("HEAD"), tagged.sha("HEAD~2")
    rng = derive_range(parse_event("push", push(before, after, forced=True)), history)
    assert (rng.empty, rng.base, rng.tip) == (True, None, after)
    assert rng.warnings == (
        f"the push moved main back from {before[:7]} to its ancestor {after[:7]}: "
        "no new commit to audit",
    )


def test_force_push_with_before_gone_audits_after_alone_with_a_warning(
    tagged: GitRepo, history: History
) -> None:
    gone, after = "f" * 40, tagged.sha("HEAD")
    rng = derive_range(parse_event("push", push(gone, after, forced=True)), history)
    assert (rng.tip, rng.single, rng.base) == (after, True, None)
    assert rng.warnings == (
        f"the push replaced fffffff, which is no longer in the repository (force-push): "
        f"auditing {after[:7]} alone against its parent",
    )


def test_a_push_on_a_shallow_clone_fetches_before(tagged: GitRepo, tmp_path: Path) -> None:
    path = clone(tagged, tmp_path / "checkout", "--depth", "1")
    before, after = tagged.sha("HEAD~2"), tagged.sha("HEAD")
    event = parse_event("push", push(before, after))
    with closing(open_repository(path)) as repo:
        with pytest.raises(
            HistoryError, match=r"not in the shallow clone \(fetching is turned off\)"
        ):
            derive_range(event, History(repo, fetch=False))
        rng = derive_range(event, History(repo, fetch=True))
    assert (rng.base, rng.tip, rng.warnings) == (before, after, ())


@pytest.mark.parametrize("ref", ["refs/heads/old", "refs/tags/v0"])
def test_deleted_refs_are_empty(history: History, ref: str) -> None:
    rng = derive_range(parse_event("push", push("1" * 40, ZERO_SHA, ref)), history)
    assert rng.empty
    assert rng.label == f"{ref} (deleted)"


def test_tag_push_is_previous_tag_to_tag(tagged: GitRepo, history: History) -> None:
    tag_object = tagged.sha("v2")  # an annotated tag: `after` names the tag object
    rng = derive_range(parse_event("push", push(ZERO_SHA, tag_object, "refs/tags/v2")), history)
    assert (rng.base, rng.tip, rng.label) == ("v1", tag_object, "v1..v2")
    assert history.commit(rng.tip) == tagged.sha("HEAD~1")


def test_a_tag_push_on_a_shallow_clone_fetches_history_and_tags(
    tagged: GitRepo, tmp_path: Path
) -> None:
    path = clone(tagged, tmp_path / "checkout", "--depth", "1", "--no-tags")
    event = parse_event("push", push(ZERO_SHA, tagged.sha("v2"), "refs/tags/v2"))
    with closing(open_repository(path)) as repo:
        history = History(repo, fetch=True)
        assert history.shallow()
        rng = derive_range(event, history)
        assert not history.shallow()
    assert (rng.base, rng.label) == ("v1", "v1..v2")


def test_first_tag_is_all_its_history(tagged: GitRepo, history: History) -> None:
    rng = derive_range(
        parse_event("push", push(ZERO_SHA, tagged.sha("v1"), "refs/tags/v1")), history
    )
    assert (rng.base, rng.label) == (None, "v1")


@pytest.mark.parametrize("name", ["workflow_dispatch", "schedule"])
def test_manual_runs_audit_since_the_latest_tag(history: History, name: str) -> None:
    rng = derive_range(parse_event(name, {}), history)
    assert (rng.base, rng.tip, rng.label) == ("v2", "HEAD", "v2..HEAD")


def test_manual_runs_without_tags_audit_all_history(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo("untagged")
    repo.commit("only", {"configs/s2.json": s2()})
    with closing(open_repository(repo.path)) as opened:
        rng = derive_range(parse_event("workflow_dispatch", {}), History(opened, fetch=False))
    assert (rng.base, rng.tip, rng.label) == (None, "HEAD", "HEAD")


def test_latest_tag_inclusive_and_not(tagged: GitRepo, history: History) -> None:
    assert latest_tag(history.repo, "v2", inclusive=True) == "v2"
    assert latest_tag(history.repo, "v2", inclusive=False) == "v1"
    assert latest_tag(history.repo, "v1", inclusive=False) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("v1..v2", AuditRange(tip="v2", base="v1", label="v1..v2")),
        ("v1..", AuditRange(tip="HEAD", base="v1", label="v1..")),
        ("v2", AuditRange(tip="v2", label="v2")),
    ],
)
def test_range_from_spec(spec: str, expected: AuditRange) -> None:
    assert range_from_spec(spec) == expected


def test_symmetric_ranges_are_refused() -> None:
    with pytest.raises(RepositoryError, match="symmetric range"):
        range_from_spec("v1...v2")

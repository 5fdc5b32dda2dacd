"""Which sections a changelog has: tags in topological order, members, unreleased work."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

import pytest

from auditor.changelog.releases import ReleasePlan, plan_all_tags, plan_range
from auditor.errors import RepositoryError
from auditor.history import open_repository
from tests.gitrepo import GitRepo

S2 = '{{"model": {{"gin_channels": {gin}}}}}\n'


@pytest.fixture
def tagged(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """root ─ a (v1.0) ─ b ─ c (v2.0, v2.0-rc) ─ d"""
    repo = make_repo()
    repo.commit("root", {"s2.json": S2.format(gin=256)})
    repo.commit("a", {"s2.json": S2.format(gin=512)})
    repo.git("tag", "v1.0")
    repo.commit("b", {"s2.json": S2.format(gin=768)})
    repo.commit("c", {"s2.json": S2.format(gin=1024)})
    repo.git("tag", "-a", "v2.0", "-m", "two")
    repo.git("tag", "v2.0-rc")
    repo.commit("d", {"s2.json": S2.format(gin=2048)})
    return repo


def _plan(repo: GitRepo, how: Callable[..., ReleasePlan], *args: str | None) -> ReleasePlan:
    with closing(open_repository(repo.path)) as opened:
        return how(opened, *args)


def test_all_tags_newest_first_with_unreleased_on_top(tagged: GitRepo) -> None:
    plan = _plan(tagged, plan_all_tags)
    assert [r.title for r in plan.releases] == ["Unreleased", "v2.0-rc", "v1.0"]
    unreleased, v2, v1 = plan.releases
    v2_commit = tagged.sha("v2.0^{commit}")
    assert (v2.previous, v2.base, v2.tip) == ("v1.0", tagged.sha("v1.0"), v2_commit)
    assert (v1.previous, v1.base, v1.root) == (None, None, tagged.sha("HEAD~4"))
    assert v1.baseline_label == f"the first commit ({tagged.sha('HEAD~4')[:7]})"
    assert (unreleased.previous, unreleased.date) == ("v2.0-rc", None)
    assert v2.date == "2023-11-14T22:17:20+00:00" and v2.day == "2023-11-14"
    assert plan.members == (
        frozenset({tagged.sha("HEAD")}),
        frozenset({tagged.sha("HEAD~1"), tagged.sha("HEAD~2")}),
        frozenset({tagged.sha("HEAD~3"), tagged.sha("HEAD~4")}),
    )
    assert plan.audit_range == tagged.sha("HEAD")


def test_no_unreleased_section_when_head_is_tagged(tagged: GitRepo) -> None:
    tagged.git("tag", "v3.0")
    assert [r.title for r in _plan(tagged, plan_all_tags).releases] == ["v3.0", "v2.0-rc", "v1.0"]


def test_without_tags_everything_is_unreleased(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("root", {"s2.json": S2.format(gin=1)})
    repo.commit("next", {"s2.json": S2.format(gin=2)})
    plan = _plan(repo, plan_all_tags)
    (release,) = plan.releases
    assert (release.version, release.previous, release.root) == (None, None, repo.sha("HEAD~1"))
    assert len(plan.members[0]) == 2


def test_a_commit_belongs_to_the_first_release_that_reaches_it(
    make_repo: Callable[..., GitRepo],
) -> None:
    """main: root ─ m1 ─ merge(v2) ; side: root ─ s1 (v1): s1 is in v1 only."""
    repo = make_repo()
    repo.commit("root", {"s2.json": S2.format(gin=1)})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("s1", {"side.json": "{}\n"})
    repo.git("tag", "v1")
    repo.git("checkout", "-q", "main")
    main = repo.commit("m1", {"s2.json": S2.format(gin=2)})
    repo.ticks += 1
    repo.git("merge", "-q", "--no-ff", "side", "-m", "merge")
    plan = _plan(repo, plan_all_tags)
    assert [r.title for r in plan.releases] == ["Unreleased", "v1"]
    assert side not in plan.members[0] and main in plan.members[0]
    assert plan.members[1] == frozenset({side, repo.sha("HEAD~1~1")})


def test_default_range_is_unreleased_since_the_latest_tag(tagged: GitRepo) -> None:
    plan = _plan(tagged, plan_range)
    (release,) = plan.releases
    assert (release.title, release.previous, release.base) == (
        "Unreleased",
        "v2.0-rc",
        tagged.sha("v2.0^{commit}"),
    )
    assert plan.audit_range == f"{tagged.sha('v2.0^{commit}')}..{tagged.sha('HEAD')}"
    assert _plan(tagged, plan_range, None, "HEAD") == plan


def test_to_a_tag_starts_at_the_tag_before_it(tagged: GitRepo) -> None:
    (release,) = _plan(tagged, plan_range, None, "v2.0").releases
    assert (release.version, release.previous, release.day) == ("v2.0", "v1.0", "2023-11-14")


def test_from_and_to(tagged: GitRepo) -> None:
    plan = _plan(tagged, plan_range, "v1.0", "HEAD")
    (release,) = plan.releases
    assert (release.version, release.previous) == (None, "v1.0")
    assert len(plan.members[0]) == 3


def test_to_the_first_tag_starts_at_the_root(tagged: GitRepo) -> None:
    (release,) = _plan(tagged, plan_range, None, "v1.0").releases
    assert (release.previous, release.base, release.root) == (None, None, tagged.sha("HEAD~4"))


@pytest.mark.parametrize(
    ("head", "old", "new", "message"),
    [
        (
            "main",
            "v2.0",
            "v1.0",
            "--from v2.0 --to v1.0: v1.0 is an ancestor of v2.0, so no commit lies between "
            "them; did you mean --from v1.0 --to v2.0?",
        ),
        (
            "v1.0",
            "v2.0",
            None,
            "--from v2.0 --to HEAD: HEAD is an ancestor of v2.0, so no commit lies between "
            "them; did you mean --from HEAD --to v2.0?",
        ),
    ],
)
def test_a_reversed_range_is_an_error_naming_both_ends(
    tagged: GitRepo, head: str, old: str, new: str | None, message: str
) -> None:
    tagged.git("checkout", "-q", head)
    with pytest.raises(RepositoryError) as raised:
        _plan(tagged, plan_range, old, new)
    assert str(raised.value) == message


def test_the_same_revision_at_both_ends_is_an_empty_section(tagged: GitRepo) -> None:
    plan = _plan(tagged, plan_range, "v1.0", "v1.0")
    assert plan.members == (frozenset(),)

from __future__ import annotations

import pytest

from auditor.errors import RepositoryError
from auditor.history import (
    RevisionRange,
    is_shallow,
    open_repository,
    resolve_range,
    resolve_revision,
    shallow_boundary,
    tags_by_commit,
)


@pytest.fixture
def linear(make_repo):
    repo = make_repo()
    shas = [repo.commit(f"c{i}", {"f.txt": f"v{i}\n"}) for i in range(4)]
    return repo, shas


def test_open_work_tree_dot_git_and_bare(linear, opened, tmp_path):
    repo, shas = linear
    assert resolve_revision(opened(repo.path), "HEAD") == shas[-1]
    assert resolve_revision(opened(repo.path / ".git"), "HEAD") == shas[-1]
    repo.git("clone", "-q", "--bare", str(repo.path), str(tmp_path / "bare.git"))
    assert resolve_revision(opened(tmp_path / "bare.git"), "main") == shas[-1]


def test_open_refuses_missing_path(tmp_path):
    with pytest.raises(RepositoryError, match="no such file or directory") as info:
        open_repository(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(info.value)


def test_open_refuses_plain_directory_and_file(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(RepositoryError) as info:
        open_repository(tmp_path / "plain")
    assert str(info.value) == f"{tmp_path / 'plain'} is not a git repository"
    with pytest.raises(RepositoryError, match="is not a git repository"):
        open_repository(tmp_path / "file.txt")


def test_open_refuses_subdirectory_and_names_root(make_repo):
    repo = make_repo()
    repo.commit("c", {"sub/f.txt": "x"})
    with pytest.raises(RepositoryError) as info:
        open_repository(repo.path / "sub")
    assert "is not the root of a git repository" in str(info.value)
    assert f"inside {repo.path};" in str(info.value)


def test_open_refuses_empty_repository(make_repo, tmp_path):
    make_repo("empty")
    with pytest.raises(RepositoryError) as info:
        open_repository(tmp_path / "empty")
    assert str(info.value) == f"{tmp_path / 'empty'} is an empty repository: nothing to audit"
    make_repo("empty.git", bare=True)
    with pytest.raises(RepositoryError, match="empty repository: nothing to audit"):
        open_repository(tmp_path / "empty.git")


def test_resolve_revision(linear, opened):
    repo, shas = linear
    repo.git("tag", "-a", "-m", "release", "v1", shas[1])
    repo.git("tag", "light", shas[2])
    git_repo = opened(repo.path)
    assert resolve_revision(git_repo, "v1") == shas[1]  # annotated tag peeled
    assert resolve_revision(git_repo, "light") == shas[2]
    assert resolve_revision(git_repo, shas[0][:8]) == shas[0]
    assert resolve_revision(git_repo, "main~1") == shas[2]


@pytest.mark.parametrize("rev", ["v9", "-n", "main..main", ""])
def test_resolve_revision_unknown(linear, opened, rev):
    repo, _ = linear
    with pytest.raises(RepositoryError) as info:
        resolve_revision(opened(repo.path), rev)
    assert str(info.value) == f"unknown revision {rev!r} in {repo.path}"


def test_resolve_revision_not_a_commit(linear, opened):
    repo, _ = linear
    with pytest.raises(RepositoryError, match="does not name a commit"):
        resolve_revision(opened(repo.path), "HEAD:f.txt")


def test_resolve_range(linear, opened):
    repo, shas = linear
    repo.git("tag", "-a", "-m", "release", "v1", shas[1])
    git_repo = opened(repo.path)
    assert resolve_range(git_repo, None) == RevisionRange(None, shas[3], "HEAD")
    assert resolve_range(git_repo, "v1..main") == RevisionRange(shas[1], shas[3], "v1..main")
    assert resolve_range(git_repo, "v1..") == RevisionRange(shas[1], shas[3], "v1..")
    assert resolve_range(git_repo, "main..main") == RevisionRange(shas[3], shas[3], "main..main")
    assert resolve_range(git_repo, "v1") == RevisionRange(None, shas[1], "v1")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "v2..v1",
            "'v2..v1' in {path}: v1 is an ancestor of v2, so the range holds no commit; "
            "did you mean v1..v2?",
        ),
        (
            "..v1",
            "'..v1' in {path}: v1 is an ancestor of HEAD, so the range holds no commit; "
            "did you mean v1..HEAD?",
        ),
    ],
)
def test_a_reversed_range_is_an_error_naming_both_ends(linear, opened, spec, message):
    repo, shas = linear
    repo.git("tag", "v1", shas[1])
    repo.git("tag", "-a", "-m", "release", "v2", shas[2])
    with pytest.raises(RepositoryError) as raised:
        resolve_range(opened(repo.path), spec)
    assert str(raised.value) == "reversed range " + message.format(path=repo.path)


def test_ranges_between_diverging_lines_are_not_reversed(linear, opened):
    repo, shas = linear
    repo.git("checkout", "-q", "-b", "side", shas[1])
    side = repo.commit("side", {"g.txt": "g\n"})
    rng = resolve_range(opened(repo.path), "main..side")
    assert rng == RevisionRange(shas[3], side, "main..side")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("v1...main", "symmetric range 'v1...main' is not supported"),
        ("..", "empty revision range"),
        ("", "empty revision range"),
        ("main..v9", "unknown revision 'v9'"),
    ],
)
def test_resolve_range_errors(linear, opened, spec, message):
    repo, _ = linear
    with pytest.raises(RepositoryError, match=message):
        resolve_range(opened(repo.path), spec)


def test_not_shallow(linear, opened):
    repo, _ = linear
    git_repo = opened(repo.path)
    assert not is_shallow(git_repo)
    assert shallow_boundary(git_repo) == frozenset()


@pytest.mark.parametrize("bare", [False, True])
def test_shallow_clone(linear, opened, tmp_path, bare):
    repo, shas = linear
    clone = tmp_path / "shallow"
    flags = ["--bare"] if bare else []
    repo.git("clone", "-q", *flags, "--depth", "2", f"file://{repo.path}", str(clone))
    git_repo = opened(clone)
    assert is_shallow(git_repo)
    assert shallow_boundary(git_repo) == frozenset({shas[2]})


def test_tags_by_commit(linear, opened):
    repo, shas = linear
    repo.git("tag", "v1.0", shas[1])
    repo.git("tag", "-a", "-m", "annotated", "release/2", shas[1])
    repo.git("tag", "-a", "-m", "annotated", "v3", shas[3])
    repo.git("tag", "-a", "-m", "tag of a tag", "v3-again", "v3")
    repo.git("tag", "tree-tag", "HEAD^{tree}")
    assert tags_by_commit(opened(repo.path)) == {
        shas[1]: ("release/2", "v1.0"),
        shas[3]: ("v3", "v3-again"),
    }


def test_tags_by_commit_none(linear, opened):
    repo, _ = linear
    assert tags_by_commit(opened(repo.path)) == {}

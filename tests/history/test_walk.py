from __future__ import annotations

import subprocess

import pytest

from auditor.domain import Commit
from auditor.errors import RepositoryError
from auditor.history import (
    CommitChanges,
    FileChange,
    RevisionRange,
    diff_trees,
    path_history,
    resolve_range,
    walk_commits,
)

AUTHOR = "Ada Tester"
SUBJECT = "中文コミット: \"quoted\" 'single' \t tab"
LONG = "".join(f"line {i}: some configuration text\n" for i in range(40))


def walk(git_repo, spec=None, **options):
    return list(walk_commits(git_repo, resolve_range(git_repo, spec), **options))


def shas(changes):
    return [c.commit.sha for c in changes]


@pytest.fixture
def linear(make_repo):
    repo = make_repo()
    c = [
        repo.commit("root\nsecond line\n\nbody", {"a.txt": "a0\n", "b.txt": "b0\n"}),
        repo.commit("add a spaced path", {"a.txt": "a1\n", "dir/c d.txt": "c0\n"}),
        repo.commit("delete b", {"b.txt": None}),
        repo.commit(""),
        repo.commit(SUBJECT, {"dir/c d.txt": "c1\n", "目录/文件 1.json": "{}\n"}),
        repo.commit("move a", moves={"a.txt": "moved/a.txt"}),
    ]
    return repo, c


def test_linear_history_exact(linear, opened):
    repo, c = linear
    changes = walk(opened(repo.path))
    assert shas(changes) == c
    assert changes[0] == CommitChanges(
        Commit(c[0], None, "2023-11-14T22:14:20+00:00", AUTHOR, "root"), (), False
    )
    assert changes[1] == CommitChanges(
        Commit(c[1], c[0], "2023-11-14T22:15:20+00:00", AUTHOR, "add a spaced path"),
        (
            FileChange("M", "a.txt", "a.txt", repo.blob(c[0], "a.txt"), repo.blob(c[1], "a.txt")),
            FileChange("A", None, "dir/c d.txt", None, repo.blob(c[1], "dir/c d.txt")),
        ),
        True,
    )
    assert changes[2].files == (FileChange("D", "b.txt", None, repo.blob(c[1], "b.txt"), None),)
    assert changes[3].commit.subject == ""
    assert changes[3].files == ()
    assert changes[3].comparable
    assert changes[4].commit.subject == SUBJECT
    assert [(f.status, f.path) for f in changes[4].files] == [
        ("M", "dir/c d.txt"),
        ("A", "目录/文件 1.json"),
    ]
    blob = repo.blob(c[4], "a.txt")
    assert changes[5].files == (FileChange("R", "a.txt", "moved/a.txt", blob, blob),)
    assert changes[5].files[0].path == "moved/a.txt"
    assert all(not change.shallow_boundary for change in changes)


def test_walk_is_deterministic_and_bare_clone_agrees(linear, opened, tmp_path):
    repo, _ = linear
    first = walk(opened(repo.path))
    assert walk(opened(repo.path)) == first
    repo.git("clone", "-q", "--bare", str(repo.path), str(tmp_path / "bare.git"))
    assert walk(opened(tmp_path / "bare.git")) == first


def test_inexact_rename(make_repo, opened):
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": LONG})
    c1 = repo.commit(
        "rename and edit", {"configs/s2.json": None, "configs/v2/s2.json": LONG + "x\n"}
    )
    (change,) = walk(opened(repo.path))[1].files
    assert (change.status, change.old_path, change.new_path) == (
        "R",
        "configs/s2.json",
        "configs/v2/s2.json",
    )
    assert change.new_blob == repo.blob(c1, "configs/v2/s2.json")


def test_paths_filter(linear, opened):
    repo, _ = linear
    changes = walk(opened(repo.path), paths_filter=lambda p: p.endswith(".json") or "moved" in p)
    assert [[f.path for f in c.files] for c in changes] == [
        [],
        [],
        [],
        [],
        ["目录/文件 1.json"],
        ["moved/a.txt"],  # kept: the new path passes though the old one does not
    ]


@pytest.fixture
def merged(make_repo):
    """main: m0 - m1 ------ M; side (from m0): s1 - s2, merged into main as M."""
    repo = make_repo()
    m0 = repo.commit("m0", {"base.txt": "0\n"})
    repo.git("checkout", "-q", "-b", "side")
    s1 = repo.commit("s1", {"side.txt": "1\n"})
    s2 = repo.commit("s2", {"side.txt": "2\n"})
    repo.git("checkout", "-q", "main")
    m1 = repo.commit("m1", {"base.txt": "1\n"})
    repo.ticks += 1
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
    return repo, {"m0": m0, "s1": s1, "s2": s2, "m1": m1, "M": repo.sha("HEAD")}


def test_merge_compared_with_first_parent(merged, opened):
    repo, c = merged
    changes = {ch.commit.sha: ch for ch in walk(opened(repo.path))}
    order = list(changes)
    assert set(order) == set(c.values())
    for child, parent in [("s1", "m0"), ("s2", "s1"), ("m1", "m0"), ("M", "m1"), ("M", "s2")]:
        assert order.index(c[parent]) < order.index(c[child])
    merge = changes[c["M"]]
    assert merge.commit.parent == c["m1"]
    assert merge.comparable
    assert merge.files == (FileChange("A", None, "side.txt", None, repo.blob("side", "side.txt")),)
    assert [(f.status, f.path) for f in changes[c["s1"]].files] == [("A", "side.txt")]
    assert [(f.status, f.path) for f in changes[c["s2"]].files] == [("M", "side.txt")]
    assert [(f.status, f.path) for f in changes[c["m1"]].files] == [("M", "base.txt")]


def test_first_parent_walks_mainline_only(merged, opened):
    repo, c = merged
    changes = walk(opened(repo.path), first_parent=True)
    assert shas(changes) == [c["m0"], c["m1"], c["M"]]
    assert [f.path for f in changes[2].files] == ["side.txt"]


def test_ranges(merged, opened):
    repo, c = merged
    git_repo = opened(repo.path)
    assert set(shas(walk(git_repo, f"{c['m1']}..main"))) == {c["s1"], c["s2"], c["M"]}
    assert shas(walk(git_repo, f"{c['m1']}..main", first_parent=True)) == [c["M"]]
    assert shas(walk(git_repo, "side")) == [c["m0"], c["s1"], c["s2"]]
    nothing = RevisionRange(c["M"], c["s2"], "main..side")  # resolve_range refuses it
    assert list(walk_commits(git_repo, nothing)) == []
    assert shas(walk(git_repo, f"{c['s1']}..side")) == [c["s2"]]


def test_shallow_clone_boundary_not_comparable(linear, opened, tmp_path):
    repo, c = linear
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone))
    changes = walk(opened(clone))
    assert shas(changes) == c[4:]
    assert changes[0].commit.parent is None
    assert (changes[0].comparable, changes[0].shallow_boundary, changes[0].files) == (
        False,
        True,
        (),
    )
    assert changes[1].comparable
    assert [f.status for f in changes[1].files] == ["R"]


def test_stopping_early_ends_git(linear, opened, monkeypatch):
    repo, _ = linear
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def spy(*args, **kwargs):
        proc = real(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(subprocess, "Popen", spy)
    iterator = walk_commits(opened(repo.path), resolve_range(opened(repo.path), None))
    next(iterator)
    (log,) = [proc for proc in started if "log" in proc.args]
    assert log.returncode is None  # still streaming
    iterator.close()
    assert log.returncode is not None


def test_walk_bad_range(linear, opened):
    repo, _ = linear
    with pytest.raises(RepositoryError, match=r"git log failed in .*bad object 0000"):
        list(walk_commits(opened(repo.path), RevisionRange(None, "0" * 40, "x")))


@pytest.fixture
def lacking_blob(make_repo):
    """An inexact rename whose old blob is gone, then a later inexact rename."""
    repo = make_repo()
    c0 = repo.commit("root", {"big.txt": LONG, "same.txt": "same\n", "other.txt": LONG + "o\n"})
    c1 = repo.commit(
        "renames",
        {"big.txt": None, "big2.txt": LONG + "changed\n", "same.txt": None, "same2.txt": "same\n"},
    )
    c2 = repo.commit("later", {"other.txt": None, "other2.txt": LONG + "o2\n"})
    missing = repo.blob(c0, "big.txt")
    repo.object_file(missing).unlink()
    return repo, [c0, c1, c2], missing


def test_walk_goes_on_when_rename_detection_lacks_a_blob(lacking_blob, opened):
    repo, c, missing = lacking_blob
    changes = walk(opened(repo.path))
    assert shas(changes) == c
    same = repo.blob(c[0], "same.txt")
    assert changes[1].files == (
        FileChange("D", "big.txt", None, missing, None),
        FileChange("A", None, "big2.txt", None, repo.blob(c[1], "big2.txt")),
        FileChange("R", "same.txt", "same2.txt", same, same),
    )
    assert [(f.status, f.old_path, f.new_path) for f in changes[2].files] == [
        ("R", "other.txt", "other2.txt")
    ]


def test_diff_trees(lacking_blob, linear, opened):
    repo, c = linear
    git_repo = opened(repo.path)
    assert [(f.status, f.old_path, f.new_path) for f in diff_trees(git_repo, c[1], c[5])] == [
        ("D", "b.txt", None),
        ("M", "dir/c d.txt", "dir/c d.txt"),
        ("R", "a.txt", "moved/a.txt"),
        ("A", None, "目录/文件 1.json"),
    ]
    assert diff_trees(git_repo, c[3], c[2]) == ()
    lacking, lc, _ = lacking_blob
    assert [f.status for f in diff_trees(opened(lacking.path), lc[0], lc[1])] == ["D", "A", "R"]
    with pytest.raises(RepositoryError):
        diff_trees(git_repo, c[0], "v9")


def test_path_history(make_repo, opened):
    repo = make_repo()
    p0 = repo.commit("p0", {"cfg.json": "0", "dir/cfg.json": "d"})
    p1 = repo.commit("p1", {"cfg.json": "1"})
    repo.commit("p2", {"other.txt": "x", "dir/cfg.json": "d2"})
    repo.commit("p3", {"cfg.json": None})
    p4 = repo.commit("p4", {"cfg.json": "4"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("s", {"cfg.json": "s"})
    repo.git("checkout", "-q", "main")
    repo.ticks += 1
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side")
    m5 = repo.sha("HEAD")
    p6 = repo.commit("p6", {"cfg.json": "6"})
    git_repo = opened(repo.path)
    assert list(path_history(git_repo, p6, "cfg.json")) == [
        (m5, repo.blob(m5, "cfg.json")),
        (p4, repo.blob(p4, "cfg.json")),
        (p1, repo.blob(p1, "cfg.json")),
        (p0, repo.blob(p0, "cfg.json")),
    ]
    older = path_history(git_repo, "main~1", "cfg.json")  # a revision, not a sha
    assert next(older) == (p4, repo.blob(p4, "cfg.json"))
    older.close()
    assert list(path_history(git_repo, p1, "cfg.json")) == [(p0, repo.blob(p0, "cfg.json"))]
    assert list(path_history(git_repo, p0, "cfg.json")) == []
    assert list(path_history(git_repo, p6, "*.json")) == []
    newest = path_history(git_repo, p6, "cfg.json")
    assert next(newest) == (m5, repo.blob(m5, "cfg.json"))
    newest.close()

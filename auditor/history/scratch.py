"""A temporary bare repository that reads other repositories' objects and writes its own.

Its ``objects/info/alternates`` lists their object directories (git follows their own
alternates too) and its shallow file keeps the shallow boundaries whose parents none of them
holds, so every commit they hold can be read there, while what git writes (trees, commits,
refs, fetched objects) lands in the temporary folder. The fork audit and the audit of the
staged changes work in one, so the user's repositories are only read; it is always removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import git

from auditor.errors import RepositoryError
from auditor.history._git import git_env, git_executable, run_git
from auditor.history.repository import shallow_boundary


@contextmanager
def scratch_repository(repos: Sequence[git.Repo], prefix: str) -> Iterator[Path]:
    """A bare repository under the system's temporary folder that sees the objects of REPOS;
    removed when the block ends, however it ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        _init_bare(path)
        _link_objects(path, repos)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _init_bare(path: Path) -> None:
    done = subprocess.run(
        [git_executable(), "init", "--bare", "--quiet", str(path)],
        env=git_env(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise RepositoryError(f"cannot create a temporary repository in {path}: {detail}")


def object_directory(repo: git.Repo) -> Path:
    """Where REPO keeps its objects (the common directory's, for a linked work tree)."""
    _, out = run_git(repo, ["rev-parse", "--git-path", "objects"])
    return Path(repo.git_dir, os.fsdecode(out.rstrip(b"\n"))).resolve()


def _link_objects(scratch: Path, repos: Sequence[git.Repo]) -> None:
    """List the repositories' object directories as alternates, and keep the shallow
    boundaries whose parents none of them has."""
    directories = list(dict.fromkeys(str(object_directory(repo)) for repo in repos))
    info = scratch / "objects" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "alternates").write_text("".join(d + "\n" for d in directories), encoding="utf-8")
    boundary = sorted(set().union(*(shallow_boundary(repo) for repo in repos)))
    if boundary:
        with closing(git.Repo(scratch)) as linked:
            cut = [sha for sha in boundary if not _parents_present(linked, sha)]
        if cut:
            (scratch / "shallow").write_text("".join(s + "\n" for s in cut), "ascii")


def _parents_present(repo: git.Repo, sha: str) -> bool:
    """Whether every parent of commit SHA is in REPO (a shallow clone's boundary commit
    whose parents another repository holds is not a boundary here)."""
    rc, raw = run_git(repo, ["cat-file", "commit", sha], check=False)
    if rc != 0:
        return False
    header = raw.split(b"\n\n", 1)[0].decode("ascii", "replace").splitlines()
    parents = [line.split()[1] for line in header if line.startswith("parent ")]
    return all(
        run_git(repo, ["cat-file", "-e", f"{parent}^{{commit}}"], check=False)[0] == 0
        for parent in parents
    )

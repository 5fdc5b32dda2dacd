"""Build a sample repository from ``sample_repos/<name>/``, identically on every run.

A sample folder holds ``tree/`` (the files of the root commit) and ``history.yaml``: a list
of steps, each a mapping with exactly one of these keys::

    - commit:                           # a commit on the current branch
        subject: Widen the text encoder # required, any Unicode (the message's first line)
        body: optional further paragraphs
        author: "Name <email>"          # optional; DEFAULT_AUTHOR otherwise
        rename: {old/path: new/path}    # operations run in this order: rename, delete,
        delete: [path]                  #   write, write_bytes, replace
        write: {path: text}             # create or overwrite a file with UTF-8 text
        write_bytes: {path: base64}     # create or overwrite a file with raw bytes
        replace:                        # exact-text edits of an existing file
          - {path: p, old: text, new: text, count: 1}
    - tag: v1.0                         # a lightweight tag at HEAD
    - tag: {name: v1.0, message: text}  # an annotated tag at HEAD
    - branch: feature/x                 # create a branch at HEAD and switch to it
    - checkout: main                    # switch to an existing branch
    - merge: {branch: feature/x, subject: "Merge branch 'feature/x'"}   # a --no-ff merge
                                        # commit; body and author as for a commit

The first step must be a commit: ``tree/`` is copied into the empty repository first, so
that commit is the root. ``replace`` fails unless ``old`` occurs exactly ``count`` times
(default 1); a commit that changes nothing fails too, so a history cannot drift silently.
Commit number n (merges included, from 0) is dated ``EPOCH + n days`` and an annotated tag
takes its commit's date; names, emails, git settings and file modes (0644) are fixed and the
user's git configuration is ignored, so every build gives the same shas.

A fork of a sample (``sample_repos/forks/<name>.yaml``) is built on a sample repository
already built (:func:`build_fork`)::

    upstream: mini_sovits               # the sample it forks (informative)
    from: v3.1                          # the upstream revision it starts from
    orphan: true                        # optional: import from's files without history
    steps: [...]                        # steps as above

A fork is a clone of the upstream repository (``origin`` points at it) whose ``main`` is
reset to ``from``; an orphan fork is a new repository that starts from the files of
``from``, so its first step must be a commit. Fork commits are dated after ``from``.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

SAMPLES_DIR = Path(__file__).resolve().parent
FORKS_DIR = SAMPLES_DIR / "forks"
EPOCH = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
DEFAULT_AUTHOR = "Mini SoVITS Maintainer <maintainer@example.com>"
COMMITTER = {"GIT_COMMITTER_NAME": "Sample Builder", "GIT_COMMITTER_EMAIL": "builder@example.com"}
_GIT_SETTINGS = "init.defaultBranch=main commit.gpgsign=false tag.gpgsign=false core.autocrlf=false"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")
_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")
_COMMIT_KEYS = {"subject", "body", "author", "rename", "delete", "write", "write_bytes", "replace"}


class SampleError(Exception):
    """A sample cannot be built: a malformed step, or one that no longer fits the tree."""


class _Repository:
    """A git repository being built, with a pinned environment and a commit counter."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.commits = 0
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
        self.env.update(COMMITTER, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", TZ="UTC")

    def git(self, *args: str, extra_env: Mapping[str, str] | None = None) -> str:
        settings = [part for setting in _GIT_SETTINGS.split() for part in ("-c", setting)]
        env = {**self.env, "LC_ALL": "C", **(extra_env or {})}
        run = subprocess.run(["git", *settings, *args], cwd=self.path, env=env, capture_output=True)
        if run.returncode != 0:
            error = run.stderr.decode("utf-8", "replace").strip()
            raise SampleError(f"git {' '.join(args)} failed: {error}")
        return run.stdout.decode("utf-8")

    def git_bytes(self, *args: str) -> bytes:
        """Run git like :meth:`git`; its raw stdout (archives, blobs)."""
        settings = [part for setting in _GIT_SETTINGS.split() for part in ("-c", setting)]
        env = {**self.env, "LC_ALL": "C"}
        run = subprocess.run(["git", *settings, *args], cwd=self.path, env=env, capture_output=True)
        if run.returncode != 0:
            error = run.stderr.decode("utf-8", "replace").strip()
            raise SampleError(f"git {' '.join(args)} failed: {error}")
        return run.stdout

    def date(self) -> str:
        """The date of the latest commit (commit n is dated EPOCH + n days)."""
        return (EPOCH + timedelta(days=self.commits - 1)).isoformat()

    def next_commit(self, author: str | None = None) -> dict[str, str]:
        """The author and dates of the next commit; advances the counter."""
        self.commits += 1
        match = _AUTHOR.match(author or DEFAULT_AUTHOR)
        if match is None:
            raise SampleError(f"author must read 'Name <email>', not {author!r}")
        name, email, date = match["name"], match["email"], self.date()
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }

    def file(self, path: object) -> Path:
        """The absolute path of a repository-relative POSIX path, refusing escapes."""
        if not isinstance(path, str) or not path:
            raise SampleError(f"a path must be a non-empty string, not {path!r}")
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or pure.parts[:1] == (".git",):
            raise SampleError(f"path {path!r} leaves the repository")
        return self.path.joinpath(*pure.parts)


def build_sample(name: str, dest: Path) -> Path:
    """Build sample ``name`` into a fresh git repository at ``dest`` and return ``dest``."""
    sample = SAMPLES_DIR / name
    history_file = sample / "history.yaml"
    if not (sample / "tree").is_dir() or not history_file.is_file():
        raise SampleError(f"no sample {name!r}: expected {sample}/tree and history.yaml")
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise SampleError(f"destination {dest} exists and is not an empty folder")
    try:
        steps = yaml.safe_load(history_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SampleError(f"{history_file}: not valid YAML: {exc}") from None
    if not isinstance(steps, list) or not steps or "commit" not in _as_step(steps[0]):
        raise SampleError(f"{history_file}: must be a list of steps starting with a commit")
    shutil.copytree(sample / "tree", dest, dirs_exist_ok=True, ignore=_IGNORED)
    for file in dest.rglob("*"):
        if file.is_file():
            file.chmod(0o644)  # the modes of a checkout vary; the sample's must not
    repo = _Repository(dest)
    repo.git("init", "--quiet")
    for number, step in enumerate(steps, start=1):
        try:
            _run_step(repo, _as_step(step))
        except SampleError as exc:
            raise SampleError(f"{history_file}, step {number}: {exc}") from None
    return dest


def build_fork(name: str, upstream: Path, dest: Path) -> Path:
    """Build fork ``name`` (``sample_repos/forks/<name>.yaml``) of the repository at
    ``upstream`` into a fresh git repository at ``dest`` and return ``dest``."""
    spec_file = FORKS_DIR / f"{name}.yaml"
    if not spec_file.is_file():
        raise SampleError(f"no fork {name!r}: expected {spec_file}")
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SampleError(f"{spec_file}: not valid YAML: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("from"), str):
        raise SampleError(f"{spec_file}: must be a mapping with a `from` revision and `steps`")
    steps = spec.get("steps")
    if not isinstance(steps, list) or not steps:
        raise SampleError(f"{spec_file}: `steps` must be a non-empty list")
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise SampleError(f"destination {dest} exists and is not an empty folder")
    source = _Repository(Path(upstream))
    start = source.git("rev-parse", "--verify", f"{spec['from']}^{{commit}}").strip()
    dest.mkdir(parents=True, exist_ok=True)
    repo = _Repository(dest)
    if spec.get("orphan", False):
        if "commit" not in _as_step(steps[0]):
            raise SampleError(f"{spec_file}: an orphan fork's first step must be a commit")
        repo.git("init", "--quiet")
        archive = source.git_bytes("archive", "--format=tar", start)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            for member in tar.getmembers():
                data = tar.extractfile(member) if member.isfile() else None
                if data is not None:
                    target = repo.file(member.name)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data.read())
                    target.chmod(0o644)
    else:
        repo.git("clone", "--quiet", "--no-hardlinks", str(Path(upstream).resolve()), ".")
        repo.git("checkout", "--quiet", "-B", "main", start)
    repo.commits = int(source.git("rev-list", "--count", start).strip())
    for number, step in enumerate(steps, start=1):
        try:
            _run_step(repo, _as_step(step))
        except SampleError as exc:
            raise SampleError(f"{spec_file}, step {number}: {exc}") from None
    return dest


def _as_step(step: object) -> dict[str, Any]:
    if not isinstance(step, dict) or len(step) != 1:
        raise SampleError(f"a step must be a mapping with exactly one key, not {step!r}")
    return step


def _run_step(repo: _Repository, step: dict[str, Any]) -> None:
    ((kind, value),) = step.items()
    if kind == "commit":
        _commit(repo, _mapping(value, "commit"))
    elif kind == "tag":
        tag = value if isinstance(value, dict) else {"name": value}
        if not tag.get("name"):
            raise SampleError(f"a tag needs a name, not {value!r}")
        if "message" in tag:
            dates = {"GIT_COMMITTER_DATE": repo.date()}
            repo.git("tag", "-a", str(tag["name"]), "-m", str(tag["message"]), extra_env=dates)
        else:
            repo.git("tag", str(tag["name"]))
    elif kind == "branch":
        repo.git("checkout", "--quiet", "-b", str(value))
    elif kind == "checkout":
        repo.git("checkout", "--quiet", str(value))
    elif kind == "merge":
        merge = _mapping(value, "merge")
        if not {"branch", "subject"} <= set(merge):
            raise SampleError(f"a merge needs a branch and a subject, not {value!r}")
        message = ["-m", str(merge["subject"])] + (
            ["-m", str(merge["body"])] if "body" in merge else []
        )
        author = repo.next_commit(merge.get("author"))
        repo.git("merge", "--no-ff", "--quiet", *message, str(merge["branch"]), extra_env=author)
    else:
        raise SampleError(f"unknown step kind {kind!r}")


def _commit(repo: _Repository, spec: dict[str, Any]) -> None:
    unknown = set(spec) - _COMMIT_KEYS
    if unknown or not isinstance(spec.get("subject"), str):
        raise SampleError(f"a commit needs a string subject and only {sorted(_COMMIT_KEYS)}")
    where = f"commit {spec['subject']!r}"
    for old, new in _mapping(spec.get("rename", {}), where).items():
        source, target = repo.file(old), repo.file(new)
        if not source.exists():
            raise SampleError(f"{where}: cannot rename missing {old!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
    for path in spec.get("delete", []):
        target = repo.file(path)
        if not target.exists():
            raise SampleError(f"{where}: cannot delete missing {path!r}")
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    contents = {
        path: str(text).encode("utf-8")
        for path, text in _mapping(spec.get("write", {}), where).items()
    }
    for path, encoded in _mapping(spec.get("write_bytes", {}), where).items():
        contents[path] = base64.b64decode(str(encoded), validate=True)
    for path, data in contents.items():
        target = repo.file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for edit in spec.get("replace", []):
        _replace(repo, _mapping(edit, where), where)
    repo.git("add", "--all")
    if not repo.git("status", "--porcelain").strip():
        raise SampleError(f"{where}: changes nothing")
    message = ["-m", spec["subject"]] + (["-m", str(spec["body"])] if "body" in spec else [])
    repo.git("commit", "--quiet", *message, extra_env=repo.next_commit(spec.get("author")))


def _replace(repo: _Repository, edit: dict[str, Any], where: str) -> None:
    target = repo.file(edit.get("path"))
    old, new, count = edit.get("old"), edit.get("new"), edit.get("count", 1)
    if not (isinstance(old, str) and old and isinstance(new, str) and isinstance(count, int)):
        raise SampleError(f"{where}: replace needs path, non-empty old, new and an integer count")
    if not target.is_file():
        raise SampleError(f"{where}: cannot edit missing {edit['path']!r}")
    text = target.read_bytes().decode("utf-8")
    found = text.count(old)
    if found != count:
        raise SampleError(f"{where}: {old!r} occurs {found} times in {edit['path']}, not {count}")
    target.write_bytes(text.replace(old, new).encode("utf-8"))


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SampleError(f"{where}: expected a mapping, not {value!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_repos.build", description="Build a sample git repository."
    )
    parser.add_argument("name", help="sample folder name, e.g. mini_sovits")
    parser.add_argument("dest", type=Path, help="where to create the repository (absent or empty)")
    parser.add_argument(
        "--upstream",
        type=Path,
        help="build fork NAME (sample_repos/forks/NAME.yaml) of the repository at this path",
    )
    args = parser.parse_args(argv)
    try:
        if args.upstream is not None:
            path = build_fork(args.name, args.upstream, args.dest)
        else:
            path = build_sample(args.name, args.dest)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

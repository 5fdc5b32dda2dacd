"""Walking history: each commit with the files it changed against its first parent.

A walk is one ``git log`` process whose output is parsed as it streams, so memory stays
flat on long histories; closing the iterator early ends the process.

Rename detection reads the blobs of added and deleted files. In a snapshot that lacks some
blobs (a partial clone, a damaged pack) git stops at the first commit that needs one; the
walk then goes on from that commit: that commit is compared without inexact rename
detection (renames of identical content are still paired), the rest as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import git

from auditor.domain import Commit
from auditor.errors import RepositoryError
from auditor.history._git import git_tokens, run_git
from auditor.history._raw import ABSENT_MODE, GITLINK, RawEntry, raw_entries, records
from auditor.history.repository import RevisionRange, resolve_revision, shallow_boundary

_FORMAT = "--format=%x01%H%x00%P%x00%aI%x00%an%x00%B"
_FORMAT_FIELDS = 4  # after the sha: parents, author date, author name, message
_FULL_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_UNREADABLE = re.compile(r"unable to read|is corrupt|unable to unpack")

#: Overrides that keep user configuration from changing what the commands print.
_CONFIG = (
    "log.showSignature=false",
    "log.follow=false",
    "log.showRoot=false",
    "diff.relative=false",
)
_LISTED = ("--no-walk=unsorted", "--stdin")  # the commits given on stdin, in that order
_DIFF = ("--raw", "-z", "--no-abbrev", "--no-color", "--no-ext-diff", "--no-textconv")


@dataclass(frozen=True)
class FileChange:
    """One file a commit added (``A``), modified (``M``), deleted (``D``) or renamed (``R``).

    Copies count as additions and type changes as modifications. The old side is None for
    ``A`` and the new side for ``D``. Submodule entries (gitlinks) are not files: a side
    that is one counts as absent, and entries with no file side are left out.
    """

    status: str
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None

    @property
    def path(self) -> str:
        """The path after the change (before it, for a deletion)."""
        path = self.new_path or self.old_path
        assert path is not None
        return path


@dataclass(frozen=True)
class CommitChanges:
    """A commit and the files it changed against its first parent.

    ``comparable`` is False for a root commit and for a commit on the boundary of a
    shallow clone (``shallow_boundary`` is then True): it has no parent to compare with,
    is the baseline of the audit, and its ``files`` is empty. A comparable commit that
    changed nothing (or nothing the path filter kept) has empty ``files`` too.
    """

    commit: Commit
    files: tuple[FileChange, ...]
    comparable: bool
    shallow_boundary: bool = False
    #: False when git could not read an object needed for rename detection (a partial
    #: clone or a snapshot lacking blobs); the commit was then compared without it.
    renames_detected: bool = True


PathFilter = Callable[[str], bool]


def walk_commits(
    repo: git.Repo,
    rng: RevisionRange,
    *,
    first_parent: bool = False,
    paths_filter: PathFilter | None = None,
) -> Iterator[CommitChanges]:
    """Yield the commits of RNG oldest first (parents before children), with their changes.

    Every commit, merges included, is compared with its own first parent, with rename
    detection. FIRST_PARENT walks only the mainline. PATHS_FILTER, when given, drops the
    changes whose old and new paths it both rejects. The order is deterministic
    (``--topo-order``); files within a commit are sorted by ``path``.
    """
    walk = ["--reverse", "--topo-order", *(["--first-parent"] if first_parent else [])]
    walk += ["--end-of-options", rng.tip, *([f"^{rng.base}"] if rng.base else []), "--"]
    boundary = shallow_boundary(repo)
    done = 0
    try:
        for changes in _log(repo, walk, boundary, paths_filter):
            yield changes
            done += 1
        return
    except RepositoryError as exc:
        if not _UNREADABLE.search(str(exc)):
            raise
    _, out = run_git(repo, ["rev-list", *walk])
    pending = out.decode("ascii").split()[done:]
    while pending:
        # pending[0] is the commit git could not diff: compare it without rename detection
        one = ["--no-walk", "--no-renames", "--end-of-options", pending[0], "--"]
        yield from _log(repo, one, boundary, paths_filter)
        pending, done = pending[1:], 0
        stdin = "".join(f"{sha}\n" for sha in pending).encode("ascii")
        try:
            for changes in _log(repo, _LISTED, boundary, paths_filter, stdin):
                yield changes
                done += 1
            return
        except RepositoryError as exc:
            if not _UNREADABLE.search(str(exc)) or done >= len(pending):
                raise
        pending = pending[done:]


def _log(
    repo: git.Repo,
    walk: Sequence[str],
    boundary: frozenset[str],
    keep: PathFilter | None,
    stdin: bytes = b"",
) -> Iterator[CommitChanges]:
    renames = "--no-renames" not in walk
    args = ["log", "--encoding=UTF-8", _FORMAT, *_DIFF, "--diff-merges=first-parent"]
    args += [*(["-M"] if renames else []), *walk]
    with git_tokens(repo, args, config=_CONFIG, input=stdin) as tokens:
        for header, entries in records(tokens, _FORMAT_FIELDS):
            sha, parents, date, author, message = (f.decode("utf-8", "replace") for f in header)
            subject = message.lstrip("\r\n").split("\n", 1)[0].strip()
            commit = Commit(sha, parents.split()[0] if parents else None, date, author, subject)
            if commit.parent is None:
                yield CommitChanges(commit, (), False, sha in boundary)
                continue
            files = _changes(entries)
            kept = _sorted(files if renames else _pair(files), keep)
            yield CommitChanges(commit, kept, True, renames_detected=renames)


def diff_trees(repo: git.Repo, old: str, new: str) -> tuple[FileChange, ...]:
    """The changes from tree-ish OLD to tree-ish NEW, with rename detection, sorted by path.

    Without rename detection (but with identical content paired) when a blob is missing.
    """
    args = ["diff-tree", "-r", *_DIFF, "--end-of-options", old, new, "--"]
    try:
        with git_tokens(repo, [*args[:2], "-M", *args[2:]], config=_CONFIG) as tokens:
            return _sorted(_changes(raw_entries(tokens)), None)
    except RepositoryError as exc:
        if not _UNREADABLE.search(str(exc)):
            raise
    with git_tokens(repo, [*args[:2], "--no-renames", *args[2:]], config=_CONFIG) as tokens:
        return _sorted(_pair(_changes(raw_entries(tokens))), None)


def path_history(repo: git.Repo, before_commit: str, path: str) -> Iterator[tuple[str, str]]:
    """Yield ``(commit sha, blob sha)`` for the earlier versions of PATH, newest first.

    Only the first-parent history strictly before BEFORE_COMMIT is searched, without
    following renames; commits that deleted PATH are skipped. Lazy: stop early freely.
    """
    if not _FULL_SHA.fullmatch(before_commit):
        before_commit = resolve_revision(repo, before_commit)
    args = ["--literal-pathspecs", "log", "--first-parent", "--no-renames", "--root"]
    args += ["--diff-merges=first-parent", "--format=%x01%H%x00", *_DIFF]
    args += ["--end-of-options", before_commit, "--", path]
    config = [item for item in _CONFIG if not item.startswith("log.showRoot")]
    with git_tokens(repo, args, config=config) as tokens:
        for header, entries in records(tokens, 0):
            sha = header[0].decode("ascii")
            if sha == before_commit:
                continue
            for change in _changes(entries):
                if change.new_path == path and change.new_blob is not None:
                    yield sha, change.new_blob
                    break


def _changes(entries: Iterable[RawEntry]) -> list[FileChange]:
    return [change for entry in entries if (change := _file_change(entry)) is not None]


def _file_change(entry: RawEntry) -> FileChange | None:
    """The FileChange of one raw entry; None when no side of it is a file."""
    status = entry.status
    old_path: str | None = _path(entry.first)
    new_path: str | None = _path(entry.second) if entry.second is not None else old_path
    if status == b"C":
        status, old_path = b"A", None
    elif status == b"T":
        status = b"M"
    elif status not in (b"A", b"D", b"M", b"R"):
        return None
    if status == b"A" or entry.old_mode in (ABSENT_MODE, GITLINK):
        old_path = None
    if status == b"D" or entry.new_mode in (ABSENT_MODE, GITLINK):
        new_path = None
    if old_path is None and new_path is None:
        return None
    if old_path is None:
        status = b"A"
    elif new_path is None:
        status = b"D"
    return FileChange(
        status=status.decode("ascii"),
        old_path=old_path,
        new_path=new_path,
        old_blob=entry.old_sha.decode("ascii") if old_path is not None else None,
        new_blob=entry.new_sha.decode("ascii") if new_path is not None else None,
    )


def _path(raw: bytes) -> str:
    # Paths are bytes in git; undecodable ones round-trip to git via surrogateescape.
    return raw.decode("utf-8", "surrogateescape")


def _pair(changes: list[FileChange]) -> list[FileChange]:
    """Turn deletions and additions of identical blobs into renames, in path order."""
    added: dict[str | None, list[FileChange]] = {}
    for change in sorted(changes, key=lambda c: c.path):
        if change.status == "A":
            added.setdefault(change.new_blob, []).append(change)
    paired: list[FileChange] = []
    used: set[int] = set()
    for change in sorted(changes, key=lambda c: c.path):
        if change.status == "D" and added.get(change.old_blob):
            new = added[change.old_blob].pop(0)
            used.add(id(new))
            paired.append(replace(new, status="R", old_path=change.path, old_blob=change.old_blob))
        elif change.status != "A":
            paired.append(change)
    paired += [c for c in changes if c.status == "A" and id(c) not in used]
    return paired


def _sorted(changes: Iterable[FileChange], keep: PathFilter | None) -> tuple[FileChange, ...]:
    kept = [
        change
        for change in changes
        if keep is None
        or (change.old_path is not None and keep(change.old_path))
        or (change.new_path is not None and keep(change.new_path))
    ]
    kept.sort(key=lambda change: (change.path, change.old_path or ""))
    return tuple(kept)

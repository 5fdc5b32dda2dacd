"""Compare the two versions of one changed file: the facts that changed, or nothing.

A version that cannot be read (missing blob, parse error) is skipped: the new side gets a
warning, and the old side falls back to the last earlier version that parsed, so a broken
commit followed by its fix does not flood the report.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import git

from auditor.diff.facts import diff_facts, file_change
from auditor.diff.siblings import sibling_of
from auditor.domain import Change, ChangeKind, FileFacts
from auditor.extract.blob_facts import FactReader, MissingBlob
from auditor.history import FileChange, files_in, path_history

#: Records a warning: (message, commit, file).
Warn = Callable[[str, str | None, str | None], None]

#: How far back to look for a version of a file that parses.
LOOKBACK = 50


class FileComparer:
    """Turns a changed file into fact changes."""

    def __init__(self, repo: git.Repo, reader: FactReader, warn: Warn) -> None:
        self._repo = repo
        self._reader = reader
        self._warn = warn

    def _new_side(self, path: str, blob: str, commit: str) -> FileFacts | None:
        try:
            facts = self._reader.read(path, blob)
        except MissingBlob:
            self._warn(
                f"object {blob} is missing (partial clone or snapshot); "
                "file not compared at this commit",
                commit,
                path,
            )
            return None
        if not facts.parsed:
            self._warn(
                f"cannot read: {facts.error}; the next change is compared with the "
                "last version that parsed",
                commit,
                path,
            )
            return None
        return facts

    def _old_side(self, path: str, blob: str, commit: str) -> FileFacts | None:
        versions = itertools.chain([(commit, blob)], path_history(self._repo, commit, path))
        for attempt, (_, candidate) in enumerate(versions):
            if attempt > LOOKBACK:
                break
            try:
                facts = self._reader.read(path, candidate)
            except MissingBlob:
                continue
            if facts.parsed:
                return facts
        self._warn("no earlier version of this file could be read; not compared", commit, path)
        return None

    def changes(self, change: FileChange, commit: str, parent: str | None) -> list[Change]:
        """The fact changes of one changed file (nothing if it is not a config).

        A new file that is a variant of a file of ``parent`` (``s2v2Pro.json`` beside
        ``s2.json``) also yields its differences from that sibling.
        """
        old_path = (
            change.old_path if change.old_blob and self._reader.reads(change.old_path) else None
        )
        new_path = (
            change.new_path if change.new_blob and self._reader.reads(change.new_path) else None
        )
        new = old = None
        if new_path is not None:
            assert change.new_blob is not None
            new = self._new_side(new_path, change.new_blob, commit)
            if new is None:
                return []
        if old_path is not None:
            assert change.old_blob is not None
            old = self._old_side(old_path, change.old_blob, commit)
            if old is None:
                return []
        # An empty file is a placeholder (configs generated at run time): filling or emptying
        # it reads as adding or removing the file, not as one change per key.
        if new is not None and new_path is not None and new.facts:
            if old is None or not old.facts:
                added = file_change(ChangeKind.FILE_ADDED, new_path, new.facts)
                return [added, *self._variant_changes(new_path, new, parent)]
            return diff_facts(old.facts, new.facts, file=new_path, old_file=old_path)
        if old is not None and old_path is not None and old.facts:
            return [file_change(ChangeKind.FILE_REMOVED, old_path, old.facts)]
        return []

    def _variant_changes(self, path: str, new: FileFacts, parent: str | None) -> list[Change]:
        if parent is None:
            return []
        folder = path.rpartition("/")[0]
        existing = files_in(self._repo, parent, folder)
        sibling = sibling_of(path, (p for p in existing if self._reader.reads(p)))
        if sibling is None:
            return []
        try:
            old = self._reader.read(sibling, existing[sibling])
        except MissingBlob:
            return []
        if not old.parsed:
            return []
        return [
            replace(change, variant_of=sibling, old_file=sibling)
            for change in diff_facts(old.facts, new.facts, file=path)
        ]

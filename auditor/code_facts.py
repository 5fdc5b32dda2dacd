"""Python facts along a walk: each commit's Python tree, module summaries, resolved facts.

Unlike a config, a Python file's facts depend on other files of the same snapshot
(``nn.Embedding(len(symbols), …)`` with ``symbols`` built in ``text/symbols.py``). So each
commit's Python files are tracked as a tree of ``{path: blob}``; summaries are cached per
blob; a file's facts are resolved against the tree and memoised on the blobs the resolution
actually consulted, so a commit only re-resolves what its changes can affect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import git

from auditor.cache import FactCache
from auditor.diff import diff_facts, file_change
from auditor.extract.python import (
    EXTRACTOR_VERSION,
    ModuleSummary,
    PythonParseError,
    SnapshotFacts,
    may_hold_facts,
    summarise_module,
)
from auditor.extract.selection import FileSelection
from auditor.history import BlobReader, CommitChanges, FileChange, files_at
from auditor.models import Change, ChangeKind, Commit, Fact, FactKind
from auditor.rules.code import FINGERPRINT
from auditor.siblings import sibling_of

PythonTree = dict[str, str]
Warn = Callable[[str, str | None, str | None], None]

PYTHON_INCLUDE = ("**/*.py",)
PYTHON_EXCLUDE = (
    "**/test/**",
    "**/tests/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "docs/**",
    "**/setup.py",
)
_NAMESPACE = "python"
_NOTHING = ""  # cached payload of a blob that holds no facts (the text pre-check failed)
_ERROR = "!"  # prefix of the cached payload of a blob that does not parse
_MEMO_PER_FILE = 8  # resolutions kept per file: enough for a parent, a child and branches
_PARALLEL_FROM = 16  # fewer files than this are not worth starting processes for


def python_selection(excludes: tuple[str, ...]) -> FileSelection:
    """Which Python files are read: every ``*.py`` but tests, docs and ``excludes``."""
    return FileSelection(PYTHON_INCLUDE, PYTHON_EXCLUDE + excludes)


class SummaryStore:
    """Module summaries per blob: cached on disk, parsed only when the text may hold facts."""

    def __init__(self, blobs: BlobReader, cache: FactCache, max_file_bytes: int) -> None:
        self._blobs = blobs
        self._cache = cache
        self._max_file_bytes = max_file_bytes
        self._memory: dict[str, ModuleSummary | str | None] = {}

    def summary(self, blob: str) -> ModuleSummary | str | None:
        """The summary of ``blob``; None when it holds no facts; an error message as str."""
        if blob in self._memory:
            return self._memory[blob]
        payload = self._cache.get_text(_NAMESPACE, EXTRACTOR_VERSION, blob)
        if payload is None:
            payload = self._summarise(blob)
            if payload is None:
                self._memory[blob] = "object is missing (partial clone or snapshot)"
                return self._memory[blob]
            self._cache.put_text(_NAMESPACE, EXTRACTOR_VERSION, blob, payload)
        found: ModuleSummary | str | None
        if payload == _NOTHING:
            found = None
        elif payload.startswith(_ERROR):
            found = payload[len(_ERROR) :]
        else:
            found = ModuleSummary.from_json(payload)
        self._memory[blob] = found
        return found

    def _read(self, blob: str) -> bytes | str | None:
        """The blob's bytes, a ready payload (too large), or None when it is missing."""
        size = self._blobs.size(blob)
        if size is None:
            return None
        if size > self._max_file_bytes:
            return f"{_ERROR}{size} bytes, larger than the {self._max_file_bytes}-byte limit"
        return self._blobs.read(blob)

    def _summarise(self, blob: str) -> str | None:
        data = self._read(blob)
        return data if data is None or isinstance(data, str) else summary_payload(data)

    def prefetch(self, blobs: Iterable[str], workers: int) -> None:
        """Summarise the uncached ``blobs`` on ``workers`` processes (parsing is CPU-bound)."""
        todo: list[tuple[str, bytes]] = []
        for blob in dict.fromkeys(blobs):
            if (
                blob in self._memory
                or self._cache.get_text(_NAMESPACE, EXTRACTOR_VERSION, blob) is not None
            ):
                continue
            data = self._read(blob)
            if isinstance(data, bytes) and may_hold_facts(data):
                todo.append((blob, data))
        if workers < 2 or len(todo) < _PARALLEL_FROM:
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            payloads = pool.map(summary_payload, [data for _, data in todo], chunksize=4)
            for (blob, _), payload in zip(todo, payloads, strict=True):
                self._cache.put_text(_NAMESPACE, EXTRACTOR_VERSION, blob, payload)


def summary_payload(data: bytes) -> str:
    """The cache payload of one Python file: its summary, nothing, or its parse error."""
    if not may_hold_facts(data):
        return _NOTHING
    try:
        return summarise_module(data).to_json()
    except PythonParseError as error:
        return f"{_ERROR}{error}"


class _Modules(Mapping[str, ModuleSummary]):
    """A tree's parsed modules, recording which paths the resolver consulted."""

    def __init__(self, tree: PythonTree, store: SummaryStore) -> None:
        self._tree = tree
        self._store = store
        self.consulted: dict[str, str | None] = {}
        self.everything = False

    def _get(self, path: str) -> ModuleSummary | None:
        blob = self._tree.get(path)
        self.consulted[path] = blob
        found = self._store.summary(blob) if blob is not None else None
        return found if isinstance(found, ModuleSummary) else None

    def __getitem__(self, path: str) -> ModuleSummary:
        found = self._get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._get(path) is not None

    def __iter__(self) -> Iterator[str]:
        self.everything = True
        return (
            p
            for p in sorted(self._tree)
            if isinstance(self._store.summary(self._tree[p]), ModuleSummary)
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class _Resolved:
    consulted: tuple[tuple[str, str | None], ...]
    tree_id: int | None  # set when the resolution looked at every module of one tree
    facts: tuple[Fact, ...]

    def valid_for(self, tree: PythonTree) -> bool:
        if self.tree_id is not None:
            return self.tree_id == id(tree)
        return all(tree.get(path) == blob for path, blob in self.consulted)


class CodeFacts:
    """Tracks Python trees along a walk and turns each commit's changes into fact changes."""

    def __init__(
        self, repo: git.Repo, store: SummaryStore, selection: FileSelection, warn: Warn
    ) -> None:
        self._repo = repo
        self._store = store
        self._selection = selection
        self._warn = warn
        self._trees: dict[str, PythonTree] = {}
        self._memo: dict[str, list[_Resolved]] = {}
        self._whole_tree: set[str] = set()
        self._resolvers: dict[int, SnapshotFacts] = {}

    def reads(self, path: str | None) -> bool:
        """Whether ``path`` is a Python file this audit reads."""
        return path is not None and path.endswith(".py") and self._selection.selects(path)

    def tree(self, sha: str) -> PythonTree:
        """The Python files of commit ``sha`` (listed from git when not yet walked)."""
        if sha not in self._trees:
            listed = files_at(self._repo, sha)
            self._trees[sha] = {p: b for p, b in listed.items() if self.reads(p)}
        return self._trees[sha]

    def blobs_of(self, steps: Iterable[CommitChanges]) -> Iterator[str]:
        """Every Python blob a walk over ``steps`` will need, starting trees included."""
        walked: set[str] = set()
        for step in steps:
            walked.add(step.commit.sha)
            parent = step.commit.parent
            if step.comparable and parent is not None and parent not in walked:
                yield from self.tree(parent).values()
            for change in step.files:
                if change.new_blob is not None and self.reads(change.new_path):
                    yield change.new_blob

    def facts(self, path: str, tree: PythonTree) -> tuple[Fact, ...]:
        """The resolved facts of ``path`` in ``tree`` (memoised on what was consulted)."""
        for entry in self._memo.get(path, ()):
            if entry.valid_for(tree):
                return entry.facts
        if path in self._whole_tree:
            # It reads every module (to learn which sequences others measure with len()):
            # resolve it with the tree's shared resolver, which does that work once per tree.
            facts = self._shared(tree).facts(path)
            entry = _Resolved(consulted=(), tree_id=id(tree), facts=facts)
        else:
            modules = _Modules(tree, self._store)
            facts = SnapshotFacts(modules).facts(path) if path in modules else ()
            if modules.everything:
                self._whole_tree.add(path)
            entry = _Resolved(
                consulted=tuple(sorted(modules.consulted.items())),
                tree_id=id(tree) if modules.everything else None,
                facts=facts,
            )
        entries = self._memo.setdefault(path, [])
        entries.append(entry)
        del entries[:-_MEMO_PER_FILE]
        return facts

    def _shared(self, tree: PythonTree) -> SnapshotFacts:
        key = id(tree)
        if key not in self._resolvers:
            if len(self._resolvers) > 2:
                self._resolvers.clear()
            self._resolvers[key] = SnapshotFacts(_Modules(tree, self._store))
        return self._resolvers[key]

    def advance(
        self, commit: Commit, files: tuple[FileChange, ...]
    ) -> tuple[PythonTree, PythonTree]:
        """The Python trees of ``commit``'s parent and of ``commit`` itself."""
        assert commit.parent is not None
        old = self.tree(commit.parent)
        touched = [f for f in files if self.reads(f.old_path) or self.reads(f.new_path)]
        if not touched:
            self._trees[commit.sha] = old
            return old, old
        new = dict(old)
        for change in touched:
            if change.old_path is not None and self.reads(change.old_path):
                new.pop(change.old_path, None)
            if (
                change.new_path is None
                or change.new_blob is None
                or not self.reads(change.new_path)
            ):
                continue
            summary = self._store.summary(change.new_blob)
            if isinstance(summary, str):
                self._warn(
                    f"cannot read: {summary}; the next change is compared with the last "
                    "version that parsed",
                    commit.sha,
                    change.new_path,
                )
                kept = old.get(change.old_path or change.new_path)
                if kept is not None:
                    new[change.new_path] = kept
                continue
            new[change.new_path] = change.new_blob
        self._trees[commit.sha] = new
        return old, new

    def changes(self, commit: Commit, files: tuple[FileChange, ...]) -> list[Change]:
        """The Python fact changes of one commit against its first parent."""
        old_tree, new_tree = self.advance(commit, files)
        if old_tree is new_tree:
            return []
        return self._between(old_tree, new_tree, files)

    def compare(self, old: str, new: str, files: tuple[FileChange, ...]) -> list[Change]:
        """The Python fact changes between the trees of revisions ``old`` and ``new``."""
        return self._between(self.tree(old), self.tree(new), files)

    def _between(
        self, old_tree: PythonTree, new_tree: PythonTree, files: tuple[FileChange, ...]
    ) -> list[Change]:
        renamed = {f.new_path: f.old_path for f in files if f.status == "R" and f.new_path}
        moved_away = set(renamed.values())
        found: list[Change] = []
        for path in sorted(old_tree.keys() | new_tree.keys()):
            old_path = renamed.get(path) or path
            before = self.facts(old_path, old_tree) if old_path in old_tree else ()
            after = self.facts(path, new_tree) if path in new_tree else ()
            if before == after:
                continue
            if not before:
                found.append(file_change(ChangeKind.FILE_ADDED, path, after))
                found += self._variant(path, after, old_tree)
            elif not after:
                if path not in moved_away:
                    found.append(file_change(ChangeKind.FILE_REMOVED, path, before))
            else:
                found += diff_facts(
                    before, after, file=path, old_file=old_path if old_path != path else None
                )
        return _cancel_moves(_drop_implied(found))

    def _variant(self, path: str, facts: tuple[Fact, ...], old_tree: PythonTree) -> list[Change]:
        """A new module beside the one it is a variant of (``symbols2.py``) is compared."""
        sibling = sibling_of(path, old_tree)
        if sibling is None:
            return []
        sibling_facts = self.facts(sibling, old_tree)
        if not sibling_facts:
            return []
        return [
            replace(change, variant_of=sibling, old_file=sibling)
            for change in diff_facts(sibling_facts, facts, file=path)
        ]


def _drop_implied(changes: list[Change]) -> list[Change]:
    """Changes that another change of the same commit implies are left out: the content of a
    table whose length changed, and the arguments of a submodule added or removed whole."""
    resized = {(c.file, c.key) for c in changes if c.fact_kind is FactKind.SYMBOL_TABLE}
    whole = {
        (c.file, c.key)
        for c in changes
        if c.fact_kind is FactKind.SUBMODULE and c.kind is not ChangeKind.MODIFIED
    }

    def implied(change: Change) -> bool:
        if change.key.endswith(FINGERPRINT):
            return (change.file, change.key[: -len(FINGERPRINT)]) in resized
        if change.fact_kind is FactKind.CONSTRUCTOR_ARG:
            return (change.file, change.key.rpartition(".")[0]) in whole
        return False

    return [c for c in changes if not implied(c)]


def _cancel_moves(changes: list[Change]) -> list[Change]:
    """Code moved between files is no change: drop a removal and an addition of equal facts."""

    def signature(change: Change) -> tuple[object, ...]:
        if change.kind in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
            return ("file", tuple((f.key, f.value) for f in change.facts))
        return (change.key, change.old if change.kind is ChangeKind.REMOVED else change.new)

    removed = {
        signature(c) for c in changes if c.kind in (ChangeKind.REMOVED, ChangeKind.FILE_REMOVED)
    }
    added = {signature(c) for c in changes if c.kind in (ChangeKind.ADDED, ChangeKind.FILE_ADDED)}
    moved = removed & added
    return [c for c in changes if c.kind is ChangeKind.MODIFIED or signature(c) not in moved]


__all__ = ["CodeFacts", "SummaryStore", "python_selection"]

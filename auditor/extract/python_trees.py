"""Python facts along a walk: each commit's Python tree, module summaries, resolved facts.

Unlike a config, a Python file's facts depend on other files of the same snapshot
(``nn.Embedding(len(symbols), …)`` with ``symbols`` built in ``text/symbols.py``). So each
commit's Python files are tracked as a tree of ``{path: blob}``; summaries are cached per
blob; a file's facts are resolved against the tree and memoised on the blobs the resolution
actually consulted, so a commit only re-resolves what its changes can affect.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import git

from auditor.domain import Commit, Fact, class_of
from auditor.extract.python import (
    ModuleSummary,
    SnapshotFacts,
    measured_origins,
    needs_measured,
)
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.values import Unresolved
from auditor.extract.resolved_store import KEPT_PER_FILE, Resolved, ResolvedStore
from auditor.extract.selection import FileSelection
from auditor.extract.summary_store import SummaryStore
from auditor.history import CommitChanges, FileChange, files_at

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
_LEN = '"builtins.len"'  # how a len() call reads in a cached summary


def python_selection(excludes: tuple[str, ...]) -> FileSelection:
    """Which Python files are read: every ``*.py`` but tests, docs and ``excludes``."""
    return FileSelection(PYTHON_INCLUDE, PYTHON_EXCLUDE + excludes)


class _Parsed(Mapping[str, ModuleSummary]):
    """A tree's parsed modules (files that do not parse or hold no facts are absent)."""

    def __init__(self, tree: PythonTree, store: SummaryStore) -> None:
        self._tree = tree
        self._store = store

    def _get(self, path: str) -> ModuleSummary | None:
        blob = self._tree.get(path)
        found = self._store.summary(blob) if blob is not None else None
        return found if isinstance(found, ModuleSummary) else None

    def __getitem__(self, path: str) -> ModuleSummary:
        found = self._get(path)
        if found is None:
            raise KeyError(path)
        return found

    def _present(self, path: str) -> bool:
        blob = self._tree.get(path)
        return blob is not None and self._store.holds_facts(blob)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._present(path)

    def __iter__(self) -> Iterator[str]:
        return (p for p in sorted(self._tree) if self._present(p))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Modules(_Parsed):
    """A tree's parsed modules, recording which paths the resolver consulted."""

    def __init__(self, tree: PythonTree, store: SummaryStore) -> None:
        super().__init__(tree, store)
        self.consulted: dict[str, str | None] = {}
        self.everything = False

    def _get(self, path: str) -> ModuleSummary | None:
        self.consulted[path] = self._tree.get(path)
        return super()._get(path)

    def _present(self, path: str) -> bool:
        self.consulted[path] = self._tree.get(path)
        return super()._present(path)

    def __iter__(self) -> Iterator[str]:
        self.everything = True
        return (p for p in sorted(self._tree) if _Parsed._present(self, p))


class PythonFacts:
    """Tracks Python trees along a walk and resolves each file's facts against its tree."""

    def __init__(
        self,
        repo: git.Repo,
        store: SummaryStore,
        resolved: ResolvedStore,
        selection: FileSelection,
        warn: Warn,
    ) -> None:
        self._repo = repo
        self._store = store
        self._resolved = resolved
        self._loaded: set[tuple[str, str]] = set()
        self._selection = selection
        self._warn = warn
        self._trees: dict[str, PythonTree] = {}
        self._memo: dict[str, list[Resolved]] = {}
        self._whole_tree: set[str] = set()
        self._measured_by_tree: dict[int, frozenset[tuple[str, str]]] = {}
        #: per tree, what each of its files that calls len() measures
        self._measuring_by_tree: dict[int, dict[str, frozenset[tuple[str, str]]]] = {}
        self._measures: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
        #: path -> the files whose resolution looked it up (present or absent).
        self._dependents: dict[str, set[str]] = {}
        self._primed = False

    def reads(self, path: str | None) -> bool:
        """Whether ``path`` is a Python file this audit reads."""
        return path is not None and path.endswith(".py") and self._selection.selects(path)

    def tree(self, sha: str) -> PythonTree:
        """The Python files of commit ``sha`` (listed from git when not yet walked)."""
        if sha not in self._trees:
            listed = files_at(self._repo, sha)
            self._trees[sha] = {p: b for p, b in listed.items() if self.reads(p)}
        return self._trees[sha]

    def modules(self, sha: str) -> Mapping[str, ModuleSummary]:
        """The parsed Python modules of commit ``sha`` (path → summary), read lazily."""
        return _Parsed(self.tree(sha), self._store)

    def blobs_of(self, steps: Sequence[CommitChanges]) -> Iterator[str]:
        """Every Python blob a walk over ``steps`` will need, starting trees included; none
        when no step changes a Python file this audit reads (then no Python is read at all:
        a commit that only bumps ``requirements.txt`` costs no parse)."""
        if not any(
            self.reads(f.old_path) or self.reads(f.new_path)
            for step in steps
            if step.comparable
            for f in step.files
        ):
            return
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
        known = self._known(path, tree)
        if known is not None:
            return known.facts
        modules = _Modules(tree, self._store)
        if path not in self._whole_tree:
            summary = modules.get(path)
            if summary is not None and needs_measured(summary):
                # what other files measure with len() is computed once per tree, reading only
                # the files that call len(), and handed in
                self._whole_tree.add(path)
        whole = path in self._whole_tree
        measured = self._measured(tree) if whole else None
        resolver = SnapshotFacts(
            modules,
            measured=None if measured is None else set(measured),
            components=self._store.components,
        )
        facts = resolver.facts(path) if path in modules else ()
        if modules.everything and not whole:
            # It asked which sequences other files measure with len(): from now on that is
            # computed once per tree and handed in, so the file's own lookups can be memoised.
            self._whole_tree.add(path)
            return self.facts(path, tree)
        entry = Resolved(
            path=path,
            consulted=tuple(sorted(modules.consulted.items())),
            measured=None if measured is None else self._measured_in(path, tree),
            facts=facts,
        )
        self._remember(entry)
        blob = tree[path]
        own = [e for e in self._memo[path] if (path, blob) in e.consulted]
        self._resolved.keep(path, blob, own)
        return facts

    def _known(self, path: str, tree: PythonTree) -> Resolved | None:
        """A resolution of ``path`` that holds in ``tree``, from this run or an earlier one."""
        for entry in self._memo.get(path, ()):
            if entry.valid_for(tree, self._measured_in):
                return entry
        blob = tree.get(path)
        if blob is None or (path, blob) in self._loaded:
            return None
        self._loaded.add((path, blob))
        stored = self._resolved.resolutions(path, blob)
        for entry in stored:
            self._remember(entry)
        return next((e for e in stored if e.valid_for(tree, self._measured_in)), None)

    def _remember(self, entry: Resolved) -> None:
        if entry.measured is not None:
            self._whole_tree.add(entry.path)
        for consulted, _ in entry.consulted:
            self._dependents.setdefault(consulted, set()).add(entry.path)
        entries = self._memo.setdefault(entry.path, [])
        entries.append(entry)
        del entries[:-KEPT_PER_FILE]

    def _measured(
        self, tree: PythonTree, base: PythonTree | None = None, changed: Iterable[str] = ()
    ) -> frozenset[tuple[str, str]]:
        """The bindings files of TREE measure with ``len()``. Given the tree it was derived
        from (BASE) and the paths that differ (CHANGED), only those are looked at again."""
        key = id(tree)
        if key not in self._measured_by_tree:
            known = None if base is None else self._measuring_by_tree.get(id(base))
            if known is None:
                measuring = {
                    path: self._measures_of(path, blob, tree)
                    for path, blob in tree.items()
                    if self._store.mentions(blob, _LEN, b"len")
                }
            else:
                measuring = dict(known)
                for path in changed:
                    measuring.pop(path, None)
                    blob = tree.get(path)
                    if blob is not None and self._store.mentions(blob, _LEN, b"len"):
                        measuring[path] = self._measures_of(path, blob, tree)
            while len(self._measured_by_tree) > KEPT_PER_FILE:
                oldest = next(iter(self._measured_by_tree))
                del self._measured_by_tree[oldest], self._measuring_by_tree[oldest]
            self._measuring_by_tree[key] = measuring
            self._measured_by_tree[key] = frozenset().union(*measuring.values())
        return self._measured_by_tree[key]

    def _measures_of(self, path: str, blob: str, tree: PythonTree) -> frozenset[tuple[str, str]]:
        """What one file measures with len(), kept per blob: a change elsewhere that moves
        the binding it measures is rare, and only decides whether an unnamed sequence counts
        as a symbol table."""
        found = self._measures.get((path, blob))
        if found is None:
            found = self._resolved.measures(path, blob)
            if found is None:
                found = measured_origins(_Parsed(tree, self._store), candidates=[path])
                self._resolved.keep_measures(path, blob, found)
            self._measures[(path, blob)] = found
        return found

    def _measured_in(self, path: str, tree: PythonTree) -> frozenset[tuple[str, str]]:
        """The bindings of ``path`` that files of ``tree`` measure with ``len()``."""
        return frozenset(origin for origin in self._measured(tree) if origin[0] == path)

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
            error = self._store.error(change.new_blob)
            if error is not None:
                self._warn(
                    f"cannot read: {error}; the next change is compared with the last "
                    "version that parsed",
                    commit.sha,
                    change.new_path,
                )
                kept = old.get(change.old_path or change.new_path)
                if kept is not None:
                    new[change.new_path] = kept
                continue
            for note in self._store.notes(change.new_blob):
                self._warn(f"{note}; read with those bytes replaced", commit.sha, change.new_path)
            new[change.new_path] = change.new_blob
        self._trees[commit.sha] = new
        return old, new

    def affected(
        self,
        old_tree: PythonTree,
        new_tree: PythonTree,
        renamed: dict[str, str | None],
        changed: Iterable[str],
    ) -> set[str]:
        """The files whose facts may differ between the trees: the CHANGED ones (whose blobs
        differ), the files whose resolution looked them up, and files whose sequences are
        measured otherwise. The first time, every file (which also records who looks up what).

        Nothing here walks the whole tree after the first time: a history of many commits over
        a large tree costs what its changes cost.
        """
        if not self._primed:
            self._primed = True
            return set(old_tree.keys() | new_tree.keys())
        changed = set(changed)
        affected = changed | {p for p in renamed if p is not None}
        for path in changed:
            affected |= self._dependents.get(path, set())
        present = [p for p in self._whole_tree if p in old_tree or p in new_tree]
        if present:
            before = self._measured(old_tree)
            after = self._measured(new_tree, base=old_tree, changed=changed)
            if before != after:
                for path in present:
                    if self._measured_in(path, old_tree) != self._measured_in(path, new_tree):
                        affected.add(path)
        return {p for p in affected if p in old_tree or p in new_tree}

    def neighbour_facts(self, path: str, tree: PythonTree) -> Iterator[Fact]:
        """The facts of the files of ``tree`` a new file ``path`` may copy: the other files of
        its folder, and the files of its name elsewhere (``oldVersion/V101/models.py`` keeps
        a copy of ``models.py``)."""
        folder, name = posixpath.split(path)
        for other in sorted(tree):
            if other == path:
                continue
            there, its_name = posixpath.split(other)
            if there == folder or (its_name == name and name != "__init__.py"):
                yield from self.facts(other, tree)

    def importers(
        self, tree: PythonTree, target: str, candidates: Iterable[str]
    ) -> tuple[str, ...]:
        """The files among ``candidates`` whose imports or calls name the module ``target``
        of ``tree`` (resolved as the import system of :class:`PythonSnapshot` does)."""
        modules = _Parsed(tree, self._store)
        snapshot = PythonSnapshot(modules)
        stem = posixpath.basename(target).removesuffix(".py")
        if stem == "__init__":
            stem = posixpath.basename(posixpath.dirname(target))
        found: list[str] = []
        for path in sorted(set(candidates)):
            if path == target or path not in modules:
                continue
            for callee in modules[path].callees:
                if stem not in callee.split("."):
                    continue
                try:
                    value = snapshot.qualified(path, callee)
                except (Unresolved, RecursionError):
                    continue
                if getattr(value, "path", None) == target:
                    found.append(path)
                    break
        return tuple(found)

    def same_named_classes(
        self, path: str, tree: PythonTree, name: str
    ) -> Iterator[tuple[str, tuple[Fact, ...]]]:
        """The facts of class ``name`` in each other file of ``path``'s folder in ``tree``
        that defines a class of that name (files that cannot are skipped unparsed)."""
        folder = posixpath.dirname(path)
        for other in sorted(tree):
            if other == path or posixpath.dirname(other) != folder:
                continue
            # How a class of this name reads in a cached summary: no summary is decoded.
            if not self._store.mentions(tree[other], f'"name":{json.dumps(name)}'):
                continue
            yield other, tuple(f for f in self.facts(other, tree) if class_of(f.key) == name)


__all__ = ["PythonFacts", "PythonTree", "python_selection"]

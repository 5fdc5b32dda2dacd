"""The Python fact changes between two trees: files added, removed and changed, new classes
compared with what they copy, new modules with the module they are a variant of."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial

from auditor.diff.class_copies import class_variants, copy_drift
from auditor.diff.code_changes import refine_code_changes
from auditor.diff.components import components_added, with_users
from auditor.diff.facts import diff_facts, file_change
from auditor.diff.siblings import sibling_of
from auditor.domain import Change, ChangeKind, Commit, Fact, class_of
from auditor.extract.python_trees import PythonFacts, PythonTree
from auditor.history import FileChange

#: ``[version=v2Pro]`` after ``__init__``: the branch a model built with that value takes.
_QUALIFIER = re.compile(r"(?<=\.__init__)\[[^\]]*\]")


def _branches_against_default(
    changes: list[Change], after: tuple[Fact, ...], path: str
) -> list[Change]:
    """A branch that appears (``Net.__init__[mode=b].self.proj.in_features``: what a model
    built with another version or environment value has) is compared with the default
    branch's value of the same key, as a new variant is with its sibling: models built
    with the defaults are unchanged."""
    plain = {f.key: f for f in after}
    found: list[Change] = []
    for change in changes:
        qualifier = _QUALIFIER.search(change.key)
        default = plain.get(_QUALIFIER.sub("", change.key, count=1)) if qualifier else None
        if change.kind is ChangeKind.ADDED and qualifier is not None and default is not None:
            prefix = change.key[: qualifier.start()]
            change = replace(
                change,
                kind=ChangeKind.MODIFIED,
                old=default.value,
                variant_of=f"{path}:{prefix}",
                old_file=path,
            )
        found.append(change)
    return found


def _changed_paths(
    old_tree: PythonTree, new_tree: PythonTree, files: tuple[FileChange, ...]
) -> list[str]:
    """The paths whose blobs differ between the trees, in order. FILES are every change
    between them, so only the paths they name are looked at, never the whole tree."""
    named = {p for f in files for p in (f.old_path, f.new_path) if p is not None}
    return sorted(p for p in named if old_tree.get(p) != new_tree.get(p))


class CodeDiffer:
    """Compares the Python trees that :class:`PythonFacts` tracks along a walk."""

    def __init__(self, facts: PythonFacts) -> None:
        self._facts = facts

    def changes(self, commit: Commit, files: tuple[FileChange, ...]) -> list[Change]:
        """The Python fact changes of one commit against its first parent."""
        old_tree, new_tree = self._facts.advance(commit, files)
        if old_tree is new_tree:
            return []
        return self.between(old_tree, new_tree, files)

    def compare(self, old: str, new: str, files: tuple[FileChange, ...]) -> list[Change]:
        """The Python fact changes between the trees of revisions ``old`` and ``new``."""
        return self.between(self._facts.tree(old), self._facts.tree(new), files)

    def between(
        self, old_tree: PythonTree, new_tree: PythonTree, files: tuple[FileChange, ...]
    ) -> list[Change]:
        """The Python fact changes from ``old_tree`` to ``new_tree`` (``files`` name renames)."""
        facts = self._facts
        renamed = {f.new_path: f.old_path for f in files if f.status == "R" and f.new_path}
        moved_away = set(renamed.values())
        changed = _changed_paths(old_tree, new_tree, files)
        found: list[Change] = []
        for path in sorted(facts.affected(old_tree, new_tree, renamed, changed)):
            old_path = renamed.get(path) or path
            before = facts.facts(old_path, old_tree) if old_path in old_tree else ()
            after = facts.facts(path, new_tree) if path in new_tree else ()
            if before == after:
                continue
            if not before and old_path not in old_tree:
                added = file_change(ChangeKind.FILE_ADDED, path, after)
                found.append(added)
                found += self._variant(path, after, old_tree)
                found += components_added(added, facts.neighbour_facts(path, old_tree))
            elif not after and path not in new_tree:
                if path not in moved_away:
                    found.append(file_change(ChangeKind.FILE_REMOVED, path, before))
            else:
                changes = _branches_against_default(
                    diff_facts(
                        before, after, file=path, old_file=old_path if old_path != path else None
                    ),
                    after,
                    path,
                )
                copies = partial(self.copied_class, path, old_tree)
                found += class_variants(path, before, after, changes, copies)
        return with_users(
            refine_code_changes(found),
            partial(facts.importers, new_tree, candidates=[p for p in changed if p in new_tree]),
            partial(self._components_of, old_tree),
        )

    def _components_of(self, tree: PythonTree, path: str, key: str) -> frozenset[str]:
        """The names the component fact KEY of PATH lists in TREE."""
        facts = self._facts.facts(path, tree) if path in tree else ()
        value = next((f.value for f in facts if f.key == key), None)
        return frozenset(str(v) for v in value) if isinstance(value, tuple) else frozenset()

    def copied_class(
        self, path: str, tree: PythonTree, name: str, mine: tuple[Fact, ...]
    ) -> tuple[str, tuple[Fact, ...]] | None:
        """Class ``name`` as another file of ``path``'s folder in ``tree`` defines it, when
        that is what ``mine`` copies (``models.py`` for a class copied into ``models_onnx.py``):
        of the classes of that name, the one sharing most fact keys, if at least half."""
        keys = {f.key for f in mine}
        best: tuple[float, str, tuple[Fact, ...]] | None = None
        for other, facts in self._facts.same_named_classes(path, tree, name):
            theirs = {f.key for f in facts}
            shared = len(keys & theirs) / max(len(keys | theirs), 1)
            if shared >= 0.5 and (best is None or shared > best[0]):
                best = (shared, other, facts)
        return None if best is None else (best[1], best[2])

    def copies_at(
        self, sha: str, is_copy: Callable[[str], bool]
    ) -> Iterator[tuple[str, str, str, tuple[Change, ...]]]:
        """In the tree of commit SHA, each class of a file IS_COPY selects (an export copy
        such as ``models_onnx.py``) that copies a class of another file of its folder:
        ``(copy file, original file, class, changes from the original to the copy)``."""
        tree = self._facts.tree(sha)
        for path in sorted(p for p in tree if is_copy(p)):
            facts = self._facts.facts(path, tree)
            for name in sorted({class_of(f.key) for f in facts}):
                mine = tuple(f for f in facts if class_of(f.key) == name)
                if not any(f.key.startswith(f"{name}.__init__") for f in mine):
                    continue
                copied = self.copied_class(path, tree, name, mine)
                if copied is not None:
                    original, theirs = copied
                    yield path, original, name, tuple(copy_drift(path, theirs, mine))

    def _variant(self, path: str, facts: tuple[Fact, ...], old_tree: PythonTree) -> list[Change]:
        """A new module beside the one it is a variant of (``symbols2.py``) is compared."""
        sibling = sibling_of(path, old_tree)
        if sibling is None:
            return []
        sibling_facts = self._facts.facts(sibling, old_tree)
        if not sibling_facts:
            return []
        return [
            replace(change, variant_of=sibling, old_file=sibling)
            for change in diff_facts(sibling_facts, facts, file=path)
        ]


__all__ = ["CodeDiffer"]

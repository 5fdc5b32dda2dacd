"""Which generations of a model a component feeds, read from a release's tree.

An encoder or vocoder added (a ``component.<role>`` entry) changes what a model is fed only
where the code that runs hands it to the model. Its files are followed to the files that
import them (:mod:`auditor.changelog.guards` says under which versions each uses what it
imports): a use under a version test (``if model_version in {"v2Pro", "v2ProPlus"}``)
feeds those variants alone; an unguarded use passes the component on to that file's own
importers. A file that nobody imports is where code starts: it feeds every variant when
it, or what it imports, names the model's classes (an inference script), and none when it
never builds the model (a dataset-preparation script, a backbone no file uses). The
model's own code is judged by its version-conditioned keys, not here: a component its
files build feeds every variant.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence

from auditor.changelog.contents import Entry
from auditor.changelog.generations import Generation, ReadFile, variant_values
from auditor.changelog.guards import Values, use_conditions
from auditor.classify.concerns import ModelMap

#: The key prefix of the entries of a component a file started to build or import.
_COMPONENT = "component."


def component_feeds(
    entries: Iterable[Entry],
    generations: Sequence[Generation],
    mapping: ModelMap,
    files: Mapping[str, str],
    read: ReadFile,
) -> dict[tuple[str, ...], frozenset[str]]:
    """For each component entry of ENTRIES that the release's tree (FILES, READ) hands
    to only some variants of its model, those variants' values, by the entry's
    ``finding_ids``; an entry that feeds every variant is not listed."""
    found: dict[tuple[str, ...], frozenset[str]] = {}
    tree = _Tree(files, read)
    for entry in entries:
        if not entry.key.startswith(_COMPONENT):
            continue
        for model in entry.models:
            own = [g for g in generations if g.model == model]
            universe = frozenset().union(*(variant_values(g) for g in own))
            if not universe or any(not variant_values(g) for g in own):
                continue
            starts = [
                loc.file
                for loc in entry.locations
                if loc.file in files and model in mapping.concerns(loc.file, entry.key, (model,))
            ]
            classes = frozenset(g.class_name for g in own)
            values = _feeds(tree, starts, universe, classes)
            if values is not None and values != universe:
                found[entry.finding_ids] = values
    return found


def _feeds(
    tree: _Tree, starts: Sequence[str], universe: frozenset[str], classes: frozenset[str]
) -> Values:
    # files no code imports (a backbone kept beside the one in use, a script run apart) do
    # not decide where a component others import runs; if none is imported, nothing does
    wired = [s for s in dict.fromkeys(starts) if tree.importers(s) or tree.names_model(s, classes)]
    if not wired:
        return None
    found: frozenset[str] = frozenset()
    for start in wired:
        values = _through(tree, start, universe, classes, frozenset())
        if values is None:
            return None
        found |= values
    return found


def _through(
    tree: _Tree, path: str, universe: frozenset[str], classes: frozenset[str], seen: frozenset[str]
) -> Values:
    """The values under which the code that runs reaches PATH's definitions."""
    if tree.names_model(path, classes):
        return None
    users = tree.importers(path)
    if not users:
        return None if tree.reaches_model(path, classes) else frozenset()
    found: frozenset[str] = frozenset()
    for user, names in users.items():
        if user in seen:
            continue
        module = tree.parsed(user)
        values = None
        if module is not None and names is not None:
            values = use_conditions(module, names, universe)
        onward = _through(tree, user, universe, classes, seen | {path})
        reached = onward if values is None else (values if onward is None else values & onward)
        if reached is None:
            return None
        found |= reached
    return found


class _Tree:
    """The Python files of a release's tree, parsed once, with who imports what."""

    def __init__(self, files: Mapping[str, str], read: ReadFile) -> None:
        self.files = files
        self.read = read
        self.python = sorted(p for p in files if p.endswith(".py"))
        self._texts: dict[str, str | None] = {}
        self._trees: dict[str, ast.Module | None] = {}
        self._importers: dict[str, dict[str, frozenset[str] | None]] = {}

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            data = self.read(path)
            self._texts[path] = None if data is None else data.decode("utf-8", "replace")
        return self._texts[path]

    def parsed(self, path: str) -> ast.Module | None:
        if path not in self._trees:
            text = self.text(path)
            try:
                self._trees[path] = None if text is None else ast.parse(text)
            except (SyntaxError, ValueError):
                self._trees[path] = None
        return self._trees[path]

    def importers(self, target: str) -> dict[str, frozenset[str] | None]:
        """The files that import TARGET, each with the names it binds from it (None: all,
        ``from x import *``)."""
        if target not in self._importers:
            stem = posixpath.basename(target).removesuffix(".py")
            if stem == "__init__":
                stem = posixpath.basename(posixpath.dirname(target))
            found: dict[str, frozenset[str] | None] = {}
            for path in self.python:
                if path == target:
                    continue
                text = self.text(path)
                if text is None or stem not in text:
                    continue
                names = self._bound(path, lambda module: _names_file(module, target))
                if names is not None and (names.bound or names.star):
                    found[path] = None if names.star else frozenset(names.bound)
            self._importers[target] = found
        return self._importers[target]

    def names_model(self, path: str, classes: frozenset[str]) -> bool:
        """Whether PATH defines or names one of the model's CLASSES."""
        tree = self.parsed(path)
        if tree is None:
            return False
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef | ast.Name) and _named(node) in classes:
                return True
            if isinstance(node, ast.Attribute) and node.attr in classes:
                return True
        return False

    def reaches_model(self, path: str, classes: frozenset[str]) -> bool:
        """Whether PATH or a file it imports (and so on) names one of CLASSES."""
        todo, seen = [path], {path}
        while todo:
            current = todo.pop()
            if self.names_model(current, classes):
                return True
            for imported in self._imports(current):
                if imported not in seen:
                    seen.add(imported)
                    todo.append(imported)
        return False

    def _imports(self, path: str) -> list[str]:
        tree = self.parsed(path)
        if tree is None:
            return []
        found: list[str] = []
        for module in _imported_modules(tree, path):
            found += [p for p in self.python if _names_file(module, p)]
        return found

    def _bound(self, path: str, matches: Callable[[str], bool]) -> _Bound | None:
        tree = self.parsed(path)
        if tree is None:
            return None
        bound = _Bound()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if matches(alias.name):
                        bound.bound.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, path)
                for alias in node.names:
                    if alias.name == "*":
                        bound.star = bound.star or matches(base)
                    elif matches(base) or matches(f"{base}.{alias.name}".lstrip(".")):
                        bound.bound.add(alias.asname or alias.name)
        return bound


class _Bound:
    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.star = False


def _named(node: ast.ClassDef | ast.Name) -> str:
    return node.name if isinstance(node, ast.ClassDef) else node.id


def _absolute(node: ast.ImportFrom, path: str) -> str:
    """The dotted module an ``import from`` reads (a relative one from PATH's folder)."""
    module = node.module or ""
    if not node.level:
        return module
    folder = posixpath.dirname(path)
    for _ in range(node.level - 1):
        folder = posixpath.dirname(folder)
    prefix = folder.replace("/", ".")
    return ".".join(part for part in (prefix, module) if part)


def _imported_modules(tree: ast.Module, path: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, path)
            found += [base] + [f"{base}.{alias.name}".lstrip(".") for alias in node.names]
    return found


def _names_file(module: str, path: str) -> bool:
    """Whether the dotted MODULE can be the file PATH: projects put their own folders on
    ``sys.path``, so ``sv`` is ``GPT_SoVITS/sv.py`` and ``module.models`` is
    ``GPT_SoVITS/module/models.py``."""
    if not module:
        return False
    stem = module.replace(".", "/")
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if path == candidate or path.endswith("/" + candidate):
            return True
    return False

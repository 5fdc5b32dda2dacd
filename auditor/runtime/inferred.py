"""A runtime profile inferred from a repository's own code, for a layout no profile fits.

At one revision: the model roots (:mod:`auditor.runtime.roots`), each built the way its
first script builds it (training scripts first) in profile terms
(:mod:`auditor.runtime.translate`), from a config the script names
(:mod:`auditor.runtime.config_choice`, which also gives the variants), with the script's
``sys.path`` (:mod:`auditor.runtime.script_setup`). Packages
that import a compiled extension (a ``.pyx`` beside them) that is never committed get it
stubbed.

The profile is written as YAML that :func:`auditor.runtime.profile.parse_profile` reads back
(and that is what is used), with comments saying where each model comes from; a root whose
construction cannot be translated is left out, its file:line and expression said in the
comments and in :attr:`InferredProfile.left_out`. No inference inputs are written: the
models are compared by their weights (maps and loading), not their outputs, until someone
adds ``inputs``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from auditor.extract.python import ModuleSummary, PythonParseError, summarise_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.values import ClassRef
from auditor.extract.python_trees import python_selection
from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.config_choice import ConfigChooser
from auditor.runtime.profile import Profile, ProfileError, parse_profile
from auditor.runtime.roots import Root, find_roots, training_first
from auditor.runtime.script_setup import named_configs, sys_path_of
from auditor.runtime.scripts import Script, read_script
from auditor.runtime.translate import Untranslatable, translate

PROFILE_NAME = "inferred"
_SOURCE = "inferred from "
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class InferredProfile:
    """The profile, its YAML text, and the roots left out (``file:line expression: why``)."""

    profile: Profile
    text: str
    left_out: tuple[str, ...]


def is_inferred(profile: Profile) -> bool:
    """Whether PROFILE was inferred from the code (its source says where)."""
    return profile.source.startswith(_SOURCE)


def infer_profile(path: str | os.PathLike[str], revision: str) -> InferredProfile:
    """The profile the code of the repository at PATH says, at REVISION.

    :class:`ProfileError` when no model root can be built from it (the reasons included).
    """
    repo = open_repository(path)
    try:
        sha = resolve_revision(repo, revision)
        tree = files_at(repo, sha)
        with BlobReader(repo) as blobs:
            return _Inference(tree, blobs, revision).profile()
    finally:
        repo.close()


class _Summaries(Mapping[str, ModuleSummary]):
    """The Python files of a tree, summarised when first looked up (one that does not parse
    is an empty module)."""

    def __init__(self, files: Mapping[str, str], read: Any) -> None:
        self._files = files
        self._read = read
        self._done: dict[str, ModuleSummary] = {}

    def __getitem__(self, path: str) -> ModuleSummary:
        if path not in self._files:
            raise KeyError(path)
        if path not in self._done:
            try:
                self._done[path] = summarise_module(self._read(path) or b"")
            except PythonParseError:
                self._done[path] = ModuleSummary()
        return self._done[path]

    def __contains__(self, path: object) -> bool:
        return path in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._files))

    def __len__(self) -> int:
        return len(self._files)


class _Inference:
    def __init__(self, tree: Mapping[str, str], blobs: BlobReader, revision: str) -> None:
        self.tree = tree
        self.blobs = blobs
        self.revision = revision
        selection = python_selection(())  # the Python files the static audit reads
        python = {p: b for p, b in tree.items() if selection.selects(p)}
        self.snapshot = PythonSnapshot(_Summaries(python, self.read))
        self.python = python
        self.left_out: list[str] = []
        self.comments: list[str] = []
        self.sites: list[str] = []
        self.configs = ConfigChooser(tree, blobs)

    def read(self, path: str) -> bytes | None:
        blob = self.tree.get(path)
        return None if blob is None else self.blobs.read(blob)

    def profile(self) -> InferredProfile:
        scripts = [s for p in sorted(self.python) if (s := self._script(p)) is not None]
        roots = training_first(find_roots(self.snapshot, scripts))
        by_class: dict[ClassRef, list[Root]] = {}
        for root in roots:
            by_class.setdefault(root.cls, []).append(root)
        models: list[dict[str, Any]] = []
        sys_path: list[str] = []
        names: set[str] = set()
        for sites in by_class.values():
            model = self._first_model(sites, sys_path, names)
            if model is not None:
                models.append(model)
        if not models:
            why = (
                "; ".join(self.left_out)
                or "no script builds an nn.Module whose weights it saves or loads"
            )
            raise ProfileError(
                f"no profile can be inferred from the code at {self.revision}: {why}"
            )
        document: dict[str, Any] = {
            "name": PROFILE_NAME,
            "description": f"inferred by model-audit from the code at {self.revision}",
            "files": ["**/*.py", *sorted({c for m in models for c in _configs_of(m)})],
            "sys_path": sys_path,
        }
        stubs = self._extension_stubs(sys_path)
        if stubs:
            document["stub_modules"] = stubs
        document["models"] = models
        text = self._text(document)
        source = f"{_SOURCE}{self.sites[0]}"
        return InferredProfile(parse_profile(text, source), text, tuple(self.left_out))

    def _script(self, path: str) -> Script | None:
        data = self.read(path)
        return None if data is None else read_script(path, data)

    def _first_model(
        self, sites: list[Root], sys_path: list[str], names: set[str]
    ) -> dict[str, Any] | None:
        """The model as the first of SITES (one class's roots) that can be written says it;
        the sites tried before it are said in its comments, all of them when none can."""
        failed: list[str] = []
        for root in sites:
            model = self._model(root, sites, failed, sys_path, names)
            if model is not None:
                return model
        self.left_out.extend(failed)
        return None

    def _model(
        self,
        root: Root,
        sites: list[Root],
        failed: list[str],
        sys_path: list[str],
        names: set[str],
    ) -> dict[str, Any] | None:
        built = root.built
        where = f"{root.site} {built.call.callee.rsplit('.', 1)[-1]}(...)"
        try:
            construction = translate(
                built.call,
                self.snapshot,
                root.script.path,
                root.script.assignments.get(built.scope, ()),
                built.line,
            )
        except Untranslatable as error:
            failed.append(f"{where}: {error.expression}: {error.why}")
            return None
        named = named_configs(root.script, self.snapshot, self.tree, self.read)
        choice = self.configs.choose(named, construction.reads)
        if choice.config is None:
            failed.append(f"{where}: {choice.notes[-1]}")
            return None
        entries, module, path_notes = self._import_of(root)
        if module is None:
            failed.append(f"{where}: {root.cls.path} cannot be imported from {', '.join(entries)}")
            return None
        for entry in entries:
            if entry not in sys_path:
                sys_path.append(entry)
        name = _unique(root.cls.name, names)
        model: dict[str, Any] = {
            "name": name,
            "module": module,
            "class": root.cls.name,
            "config": choice.config,
        }
        if construction.args:
            model["args"] = list(construction.args)
        if construction.kwargs:
            model["kwargs"] = dict(construction.kwargs)
        if construction.splat:
            model["splat"] = list(construction.splat)
        if choice.variants:
            taken = {name}
            model["variants"] = [
                {"name": _unique(_stem(v), taken), "config": v} for v in choice.variants
            ]
        self.sites.append(root.site)
        self.comments.append(f"{name}: {root.cls.name} of {root.cls.path}, built at {root.site}:")
        self.comments.append(f"  weights: {'; '.join(root.weights[:3])}")
        self.comments.extend(
            f"  {note}" for note in (*choice.notes, *construction.notes, *path_notes)
        )
        self.comments.extend(f"  passed over: {line}" for line in failed)
        calls = list(dict.fromkeys(c for r in sites for c in r.calls))
        if calls:
            self.comments.append(f"  runs: {'; '.join(calls[:3])}")
            self.comments.append(
                "  (no inputs written: their shapes come from the data the scripts read)"
            )
        others = [r.site for r in sites if r is not root]
        if others:
            self.comments.append(f"  also built at {', '.join(others[:5])}")
        return model

    def _import_of(self, root: Root) -> tuple[tuple[str, ...], str | None, tuple[str, ...]]:
        """The folders the worker imports from for ROOT, the module to import its class
        from, and notes on the ``sys.path`` entries not read.

        The folders are the script's, less its own folder when that is a package and the
        script imports relatively (it is then a module of the package, run with ``-m``).
        The module is the name the script imports the class by when that names its file
        from one of them; else the top of the class's package chain is added and the name
        is taken from there.
        """
        entries, notes = sys_path_of(root.script)
        folder = posixpath.dirname(root.script.path)
        imports = self.snapshot.summary(root.script.path).imports
        if posixpath.join(folder, "__init__.py") in self.tree and any(i.level for i in imports):
            entries = tuple(e for e in entries if e != folder)
        imported = root.built.call.callee.rpartition(".")[0]
        if imported and not imported.startswith(".") and _imports(imported, root.cls.path, entries):
            return entries, imported, notes
        dotted = self.snapshot.dotted_name(root.cls.path).split(".")
        cut = len(dotted) + (1 if root.cls.path.endswith("/__init__.py") else 0)
        top = "/".join(root.cls.path.split("/")[:-cut]) or "."
        entries = tuple(dict.fromkeys([*(e for e in entries if e != "."), top, "."]))
        return entries, _module_name(root.cls.path, entries), notes

    def _extension_stubs(self, sys_path: list[str]) -> list[str]:
        """Modules a package imports from a compiled extension (a ``.pyx`` in the tree) that
        is not committed: the shortest missing prefix of each, as the worker imports it."""
        stubs: list[str] = []
        for pyx in sorted(p for p in self.tree if p.endswith(".pyx")):
            init = posixpath.join(posixpath.dirname(pyx), "__init__.py")
            if init not in self.python:
                continue
            package = _module_name(init, sys_path)
            for item in self.snapshot.summary(init).imports:
                if not item.level or not item.module:
                    continue
                if self.snapshot.find_module(init, item.module, item.level) is not None:
                    continue
                if package is None or item.level != 1:
                    continue
                parts = item.module.split(".")
                for cut in range(1, len(parts) + 1):
                    folder = posixpath.join(posixpath.dirname(init), *parts[:cut])
                    if f"{folder}.py" not in self.tree and f"{folder}/__init__.py" not in self.tree:
                        stubs.append(".".join([package, *parts[:cut]]))
                        break
        return list(dict.fromkeys(stubs))

    def _text(self, document: dict[str, Any]) -> str:
        header = [
            f"Inferred by model-audit from the code at {self.revision}. Check it, add `inputs:`",
            "to compare outputs (without, models are compared by their weights only), and",
            "commit it as .model-audit-profile.yaml.",
            "",
            *self.comments,
        ]
        if self.left_out:
            header += ["", "Left out (their construction cannot be written as profile terms):"]
            header += [f"  {line}" for line in self.left_out]
        comment = "".join(f"# {line}".rstrip() + "\n" for line in header)
        body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        return comment + body


def _configs_of(model: Mapping[str, Any]) -> list[str]:
    return [model["config"], *(v["config"] for v in model.get("variants", ()))]


def _module_name(path: str, entries: list[str] | tuple[str, ...]) -> str | None:
    """The import name of PATH from the first of ENTRIES (sys.path folders) it is under."""
    for entry in entries:
        prefix = "" if entry == "." else entry.rstrip("/") + "/"
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return None


def _imports(module: str, path: str, entries: tuple[str, ...]) -> bool:
    """Whether importing MODULE from one of ENTRIES finds the file PATH."""
    stem = module.replace(".", "/")
    for entry in entries:
        prefix = "" if entry == "." else entry.rstrip("/") + "/"
        if path in (f"{prefix}{stem}.py", f"{prefix}{stem}/__init__.py"):
            return True
    return False


def _stem(path: str) -> str:
    return _NOT_NAME.sub("-", posixpath.splitext(posixpath.basename(path))[0]) or "config"


def _unique(name: str, taken: set[str]) -> str:
    """NAME, or NAME-2, NAME-3... when taken; added to TAKEN."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate)
    return candidate

"""How a script sets itself up: the config files it loads and the folders it imports from.

Config files are named by string literals: a path passed to a loader
(``utils.get_hparams_from_file("configs/base.json")``), an argparse ``default=``, a literal
bound to a name. The script's own literals come first, then those of the modules of the
config loaders it calls (``utils.get_hparams()`` reads ``-c`` with its default in
``utils.py``). A literal is a path from the repository root (scripts are run from there) or
from the script's folder.

``sys.path``: the script's folder (Python puts it first), each folder it appends or inserts
(a literal, ``os.getcwd()``, ``os.path.dirname(os.path.abspath(__file__))``, a
``os.path.join`` of those, a module-level name bound to one of these), and the root.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Container
from dataclasses import dataclass

from auditor.extract.python.expressions import Attr, Call, Expr, Lit, Name
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import FunctionRef, Unresolved
from auditor.runtime.scripts import CONFIG_SUFFIXES, Script

#: A string literal naming a config file, in a module that is not read whole.
_CONFIG_LITERAL = re.compile(r"""["']([^"'\n]+\.(?:json|ya?ml))["']""", re.IGNORECASE)
_PASS_THROUGH = frozenset({"os.path.abspath", "os.path.realpath", "str", "pathlib.Path"})
_DEPTH = 4


@dataclass(frozen=True)
class NamedConfig:
    """A config file a script names: its path in the tree, and where it is named."""

    path: str
    named_at: str


@dataclass(frozen=True)
class ConfigNames:
    """The config files a script names that exist (in order), and the paths named that do
    not (``./configs/base.json``, a file each user writes), by their repository path."""

    present: tuple[NamedConfig, ...]
    absent: tuple[str, ...]


def named_configs(
    script: Script,
    snapshot: PythonSnapshot,
    tree: Container[str],
    read: Callable[[str], bytes | None],
) -> ConfigNames:
    """The config files SCRIPT names, itself or through the config loaders it calls (READ
    gives a repository file's bytes)."""
    named: list[tuple[str, str]] = [
        (lit.value, f"{script.path}:{lit.line}") for lit in script.config_paths
    ]
    for loader in script.config_loaders:
        try:
            value = snapshot.qualified(script.path, loader)
        except (Unresolved, RecursionError):
            continue
        if not isinstance(value, FunctionRef) or value.path == script.path:
            continue
        data = read(value.path) or b""
        text = data.decode("utf-8", "replace")
        for found in _CONFIG_LITERAL.finditer(text):
            line = text.count("\n", 0, found.start()) + 1
            named.append((found.group(1), f"{value.path}:{line} ({value.name})"))
    present: dict[str, NamedConfig] = {}
    absent: dict[str, None] = {}
    folder = posixpath.dirname(script.path)
    for literal, where in named:
        options = [_normal(literal), _normal(posixpath.join(folder, literal))]
        path = next((p for p in options if p is not None and p in tree), None)
        if path is not None:
            present.setdefault(path, NamedConfig(path, where))
        elif options[0] is not None:
            absent[options[0]] = None
    return ConfigNames(tuple(present.values()), tuple(p for p in absent if p not in present))


def _normal(path: str) -> str | None:
    """A repository path from a literal; None for one outside the repository or absolute."""
    if path.startswith("/") or "\\" in path or "{" in path:
        return None
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        return None
    return normal


def is_config_path(path: str) -> bool:
    """Whether PATH names a config file by its suffix."""
    return path.lower().endswith(CONFIG_SUFFIXES)


def sys_path_of(script: Script) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The folders SCRIPT imports from (repository paths, ``.`` the root), and notes on the
    ``sys.path`` entries it adds that could not be read."""
    folder = posixpath.dirname(script.path) or "."
    entries = [folder]
    notes: list[str] = []
    module = {a.target: a.value for a in script.assignments.get("<module>", ())}
    for expr, line in script.sys_path:
        found = _folder(expr, script.path, module, 0)
        if found is None:
            notes.append(f"sys.path entry {unparse(expr)} at {script.path}:{line} not read")
        else:
            entries.append(found)
    entries.append(".")
    return tuple(dict.fromkeys(entries)), tuple(notes)


def _folder(expr: Expr, path: str, module: dict[str, Expr], depth: int) -> str | None:
    """The repository folder EXPR names, in the script PATH; None when unknown."""
    if depth > _DEPTH:
        return None
    if isinstance(expr, Lit) and isinstance(expr.value, str):
        return _normal(expr.value or ".")
    if isinstance(expr, Name):
        if expr.id == "__file__":
            return path
        if expr.id in module:
            return _folder(module[expr.id], path, module, depth + 1)
        return None
    if isinstance(expr, Attr) and expr.attr == "parent":
        inner = _folder(expr.value, path, module, depth + 1)
        return None if inner is None else _normal(posixpath.dirname(inner) or ".")
    if not isinstance(expr, Call) or any(a.star or a.keyword for a in expr.args):
        return None
    parts = [_folder(a.value, path, module, depth + 1) for a in expr.args]
    if expr.callee == "os.getcwd" and not parts:
        return "."
    if None in parts or not parts:
        return None
    known = [p for p in parts if p is not None]
    if expr.callee == "os.path.dirname" and len(known) == 1:
        return posixpath.dirname(known[0]) or "."
    if expr.callee in _PASS_THROUGH and len(known) == 1:
        return known[0]
    if expr.callee == "os.path.join":
        return _normal(posixpath.join(*known))
    return None

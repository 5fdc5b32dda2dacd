"""Model roots: the ``nn.Module`` classes scripts build outside any module and whose weights
they save or load.

A class is a module when a chain of its bases, resolved through the repository
(:class:`~auditor.extract.python.snapshot.PythonSnapshot`), reaches ``torch.nn`` (or a
Lightning module). A construction counts when the same holder (a local of the same scope, or
``self.x`` of the same class) has its weights handled: ``net.state_dict()``,
``net.load_state_dict(...)``, ``load_checkpoint(path, net, ...)``. What a module builds
inside itself is a submodule, not a root.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.values import ClassRef, ExternalRef, ModuleRef, Unresolved, Value
from auditor.runtime.scripts import Built, Script

#: Script names that train (their roots are what checkpoints hold).
_TRAINING = re.compile(r"(?i)train|fine_?tun")
#: External bases that make a class a module.
_MODULE_PREFIXES = ("torch.nn.",)
_MODULE_SUFFIXES = ("LightningModule",)


@dataclass(frozen=True)
class Root:
    """A model root: the class, where a script builds it, what handles its weights and the
    inference methods the script calls on it."""

    cls: ClassRef
    script: Script
    built: Built
    weights: tuple[str, ...]
    calls: tuple[str, ...] = ()

    @property
    def site(self) -> str:
        """``scripts/train.py:12``."""
        return f"{self.script.path}:{self.built.line}"


def is_module(
    snapshot: PythonSnapshot, value: Value, seen: frozenset[ClassRef] = frozenset()
) -> bool:
    """Whether VALUE is ``torch.nn.Module`` or a class of the snapshot derived from it."""
    if isinstance(value, ExternalRef):
        return value.name.startswith(_MODULE_PREFIXES) or value.name.endswith(_MODULE_SUFFIXES)
    if not isinstance(value, ClassRef) or value in seen:
        return False
    return any(is_module(snapshot, base, seen | {value}) for base in snapshot.bases(value))


def _resolve(snapshot: PythonSnapshot, path: str, qualified: str) -> Value | None:
    """What QUALIFIED names in PATH. A name under a namespace package the script imports
    (``import rvc.lib.zluda`` binds ``rvc``, a folder without ``__init__.py``, which the
    snapshot takes for an external module) is looked up again by its modules."""
    try:
        value = snapshot.qualified(path, qualified)
    except (Unresolved, RecursionError):
        return None
    if not (isinstance(value, ExternalRef) and value.name == qualified):
        return value
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = snapshot.find_module(path, ".".join(parts[:cut]), 0)
        if module is None:
            continue
        found: Value = ModuleRef(module)
        try:
            for attr in parts[cut:]:
                found = snapshot.member(found, attr)
        except (Unresolved, RecursionError):
            return value
        return found
    return value


def find_roots(snapshot: PythonSnapshot, scripts: Iterable[Script]) -> list[Root]:
    """The model roots SCRIPTS build, in script order then line order."""
    found: list[Root] = []
    for script in scripts:
        for built in script.built:
            weights = script.weights.get(script.holder(built))
            if not weights:
                continue
            if built.owner_bases and any(
                is_module(snapshot, value)
                for base in built.owner_bases
                if (value := _resolve(snapshot, script.path, base)) is not None
            ):
                continue  # a module building a submodule
            cls = _resolve(snapshot, script.path, built.call.callee)
            if isinstance(cls, ClassRef) and is_module(snapshot, cls):
                calls = script.calls.get(script.holder(built), ())
                found.append(Root(cls, script, built, weights, calls))
    return found


def training_first(roots: Iterable[Root]) -> list[Root]:
    """ROOTS with those of training scripts first (they build what checkpoints hold), then
    by path and line: the first root of each class is how the profile builds it."""
    return sorted(
        roots,
        key=lambda r: (
            not _TRAINING.search(r.script.path.rsplit("/", 1)[-1]),
            r.script.path,
            r.built.line,
        ),
    )

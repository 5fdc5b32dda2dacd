"""What ``torch.load(weights_only=True)`` refuses in a checkpoint, and the allow-list that
loads it.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``: it unpickles only tensors,
plain containers and an allow-list of torch's own globals. A checkpoint that pickles anything
else (GPT-SoVITS saves its training hps as ``utils.HParams``; others ``argparse.Namespace``
or numpy scalars) fails with ``Unsupported global``, until the caller allows those classes
with ``torch.serialization.add_safe_globals([...])`` (torch 2.4+) or, for one call, ``with
torch.serialization.safe_globals([...])`` (2.5+). The globals are read from the pickle's
opcodes (:mod:`pickletools`): nothing is unpickled or imported, torch included.

A zip whose first two bytes are a version tag (GPT-SoVITS's ``05``) is no zip to
``torch.load`` at all, whatever it allows: its ``PK`` must be put back first.
"""

from __future__ import annotations

import pickletools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from auditor.checkpoints import CheckpointError, ContainerFormat
from auditor.checkpoints.formats import LEGACY_MAGIC, PatchedHead, detect_format

#: torch's own ``_get_allowed_globals()`` (torch 2.6), besides the families matched below.
TORCH_ALLOWED = frozenset(
    {
        "collections.OrderedDict",
        "collections.Counter",
        "torch.nn.parameter.Parameter",
        "torch.serialization._get_layout",
        "torch.Size",
        "torch.Tensor",
        "torch.device",
        "_codecs.encode",
        "builtins.bytearray",
        "builtins.set",
        "builtins.complex",
        "torch._tensor._rebuild_from_type_v2",
    }
)
#: Rebuild functions, storage and tensor classes, dtypes and quantisation schemes of torch.
TORCH_FAMILIES = re.compile(
    r"torch\._utils\._rebuild_\w+|torch\.\w*Storage|torch\.\w*Tensor|torch\.per_\w+"
    r"|torch\.(?:u?int\d+|float\d*(?:_\w+)?|bfloat16|half|double|long|short|int|bool|uint8"
    r"|complex\d*|cfloat|cdouble|chalf|bits\w*|quint\w+|qint\w+)"
)
#: Modules whose globals can run code: never to be allowed.
CODE_MODULES = re.compile(
    r"(?:os|posix|nt|subprocess|sys|shutil|runpy|importlib|socket|pickle|marshal|ctypes"
    r"|webbrowser|code|pty|multiprocessing|threading|asyncio|types|functools|operator"
    r"|pdb|commands|popen2|platform|http|urllib|requests)(?:\..*)?"
)
CODE_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "getattr",
        "setattr",
        "delattr",
        "__import__",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "apply",
        "execfile",
        "exit",
        "quit",
    }
)
#: The module of a global whose name the opcodes do not spell out.
UNKNOWN = "?"
#: How many pickles of a legacy torch file precede its storages: magic, protocol, system, root.
LEGACY_PICKLES = 4
_STRINGS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)


@dataclass(frozen=True)
class PickledGlobal:
    """A global the pickle names: allowed by torch by default, refused, or code."""

    module: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def allowed(self) -> bool:
        """Whether ``torch.load(weights_only=True)`` accepts it with no allow-list."""
        return self.qualified in TORCH_ALLOWED or bool(TORCH_FAMILIES.fullmatch(self.qualified))

    @property
    def runs_code(self) -> bool:
        """Whether loading it can run code: it must never be allowed."""
        if self.module == "builtins":
            return self.name in CODE_BUILTINS
        if self.module == UNKNOWN:
            return True  # named by strings computed at load time: assume the worst
        return bool(CODE_MODULES.fullmatch(self.module)) or self.module == "__builtin__"


@dataclass(frozen=True)
class WeightsOnly:
    """What ``torch.load(..., weights_only=True)`` does with the checkpoint.

    ``pickled`` is False for safetensors (no pickle: ``safetensors.torch.load_file`` reads
    it); ``tagged`` when a version tag hides its zip. ``refused`` are the globals it needs
    beyond torch's default allow-list; ``allow_list`` the Python that loads it.
    """

    pickled: bool
    tagged: str | None
    globals: tuple[PickledGlobal, ...]
    allow_list: tuple[str, ...]

    @property
    def refused(self) -> tuple[PickledGlobal, ...]:
        return tuple(g for g in self.globals if not g.allowed)

    @property
    def loads_as_is(self) -> bool:
        """Whether plain ``torch.load(path, weights_only=True)`` loads it."""
        return self.pickled and self.tagged is None and not self.refused

    @property
    def summary(self) -> str:
        """One sentence: whether ``weights_only`` loads it, and what it needs otherwise."""
        if not self.pickled:
            return "no pickle: safetensors.torch.load_file reads it, torch.load does not apply"
        parts = []
        if self.tagged is not None:
            parts.append(
                f"torch.load cannot open it: its first bytes are the version tag "
                f"{self.tagged!r}, not the zip's 'PK' (restore them first)"
            )
        code = [g.qualified for g in self.refused if g.runs_code]
        data = [g.qualified for g in self.refused if not g.runs_code]
        if code:
            parts.append(f"it asks for {', '.join(code)}, which can run code: never allow it")
        if data:
            parts.append(
                f"weights_only=True refuses {', '.join(data)}: allow "
                f"{'it' if len(data) == 1 else 'them'} with the allow-list below"
            )
        if not parts:
            return "torch.load(weights_only=True) loads it as is: tensors and plain containers"
        return "; ".join(parts)


def weights_only(path: Path) -> WeightsOnly:
    """What ``torch.load(PATH, weights_only=True)`` refuses, read from the pickle's opcodes.

    Raises :class:`CheckpointError` for a file that is no checkpoint or a corrupt pickle.
    """
    detected = detect_format(path)
    if detected.format is ContainerFormat.SAFETENSORS:
        return WeightsOnly(False, None, (), ())
    found = tuple(dict.fromkeys(_pickled_globals(path, detected.format)))
    tag = detected.version_tag
    return WeightsOnly(True, tag, found, allow_list(path, tag, found))


def allow_list(path: Path, tag: str | None, found: tuple[PickledGlobal, ...]) -> tuple[str, ...]:
    """The Python lines that load the checkpoint at PATH with ``weights_only=True``: import
    and allow each refused global that runs no code, restore a tagged zip's ``PK``. None
    when a global it asks for can run code: such a file is not to be loaded at all."""
    refused = [g for g in found if not g.allowed]
    if any(g.runs_code for g in refused) or (not refused and tag is None):
        return ()
    lines = ["import torch"]
    names = []
    for item in refused:
        alias = item.name
        if alias in names:
            alias = f"{item.module.replace('.', '_')}_{item.name}"
        imported = item.name if alias == item.name else f"{item.name} as {alias}"
        lines.append(f"from {item.module} import {imported}")
        names.append(alias)
    if names:
        lines.append(f"torch.serialization.add_safe_globals([{', '.join(names)}])")
    source = repr(str(path))
    if tag is not None:
        lines.insert(0, "import io")
        lines.append(f"data = open({source}, 'rb').read()")
        source = "io.BytesIO(b'PK' + data[2:])"
    lines.append(f"checkpoint = torch.load({source}, map_location='cpu', weights_only=True)")
    return tuple(lines)


def _pickled_globals(path: Path, container: ContainerFormat) -> Iterator[PickledGlobal]:
    try:
        if container is ContainerFormat.TORCH_ZIP:
            with path.open("rb") as raw, zipfile.ZipFile(PatchedHead(raw)) as archive:
                names = archive.namelist()
                pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
                for name in pickles:
                    with archive.open(name) as stream:
                        yield from _globals(stream)
            return
        with path.open("rb") as stream:
            if container is ContainerFormat.TORCH_LEGACY:
                stream.seek(len(LEGACY_MAGIC) + 1)
                for _ in range(LEGACY_PICKLES - 1):
                    yield from _globals(stream)
            else:
                yield from _globals(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise CheckpointError(f"cannot read the pickle of {path}: {error}") from None


def _globals(stream: IO[bytes]) -> Iterator[PickledGlobal]:
    """The globals one pickle names (GLOBAL, INST, STACK_GLOBAL), read without running it."""
    memo: dict[Any, Any] = {}
    pushed: list[Any] = []
    try:
        for opcode, arg, _ in pickletools.genops(stream):
            name = opcode.name
            if name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                yield PickledGlobal(module, attr)
                pushed.append(None)
            elif name == "STACK_GLOBAL":
                named = pushed[-2:]
                if len(named) == 2 and all(isinstance(part, str) for part in named):
                    yield PickledGlobal(named[0], named[1])
                else:
                    yield PickledGlobal(UNKNOWN, "a global named by computed strings")
                pushed.append(None)
            elif name in _STRINGS:
                pushed.append(arg if isinstance(arg, str) else None)
            elif name == "MEMOIZE":
                memo[len(memo)] = pushed[-1] if pushed else None
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = pushed[-1] if pushed else None
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                pushed.append(memo.get(arg))
            else:
                pushed.append(None)
    except (ValueError, EOFError) as error:
        raise CheckpointError(f"corrupt pickle: {error}") from None

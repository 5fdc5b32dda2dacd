"""Stand-ins for the third-party modules a repository imports but its models do not need.

Model modules often import ``numpy``, ``faiss``, ``librosa`` or ``gradio`` at the top of a
utility module without needing them to build the model. When such a module is not installed
where the worker runs, the worker installs a stub for it (:func:`install`) and imports the
model's module again. A stub module answers every attribute (PEP 562 ``__getattr__``) and
every submodule (``__path__ = []``) with a stub: a class whose metaclass is
:class:`StubbedImport`, so that what module top-level code does with it works: attribute
chains, subclassing, decorators (``@numba.jit(nopython=True)`` gives the function back),
default arguments, annotations, ``isinstance``.

While a module is being imported, calling a stub (or doing arithmetic, indexing, ``with``)
gives another stub. Afterwards, while the model is built or run, it raises
:class:`StubCalled`, whose message starts with :data:`UNAVAILABLE`: the model needs the module
after all, and the check is unavailable here, not failed.

A profile can also name modules of the repository itself to stub (:func:`stub_named`,
``stub_modules``: a compiled extension that is never committed, a module that reads files or
exits when imported); those may be dotted (``monotonic_align.monotonic_align``: the package
stays real, the extension under it is stubbed).

Like the worker, this module runs in the audited project's Python: standard library only.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType, TracebackType
from typing import Any

#: The first words of the error of a model that needs a module that is not installed.
UNAVAILABLE = "runtime check unavailable"
#: What ``__version__`` of a stub module says.
STUB_VERSION = "0+stubbed"
#: How importlib's own frames are named: a stub used under one is used at import time.
_IMPORT_FRAMES = "<frozen importlib."


class StubCalled(Exception):
    """A stub was used after its module's import: the model needs the missing module."""


def importing() -> bool:
    """Whether a module is being imported (importlib's frames are on the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_IMPORT_FRAMES):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class StubbedImport(type):
    """The metaclass of every stub: a class standing for a missing module's attribute.

    A stub's name is its dotted path (``numpy.random.rand``); a class of the repository that
    subclasses a stub is a :class:`StubbedImport` too, but not a stub itself.
    """

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):  # typing, abc and copy probe these; a stub has none
            raise AttributeError(name)
        return stub(f"{_stub_name(cls)}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        own = cls.__dict__.get("_stub_name")
        if own is None:  # a repository's class that subclasses a stub
            if not importing():
                base = _stub_name(cls)
                raise StubCalled(
                    f"{UNAVAILABLE}: {cls.__qualname__} was instantiated, but its base "
                    f"{base} is stubbed ({_why(base)})"
                )
            return super().__call__(*args, **kwargs)
        if not importing():
            raise StubCalled(f"{UNAVAILABLE}: {own} was called, but {_stubbed(own)}")
        # ``@numba.jit`` or ``@numba.jit(...)``: the decorated function itself, not a stub
        if len(args) == 1 and not kwargs and _decoratable(args[0]):
            return args[0]
        return stub(f"{own}()")

    def __repr__(cls) -> str:
        return f"<stub {_stub_name(cls)}>"

    def __getitem__(cls, key: Any) -> Any:
        return stub(f"{_stub_name(cls)}[…]")  # ``NDArray[np.float32]``: a type, even later

    def __iter__(cls) -> Iterator[Any]:
        _used(cls, "iterated over")
        return iter(())

    def __enter__(cls) -> Any:
        return _used(cls, "entered")

    def __exit__(
        cls,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def __arithmetic(cls, *other: Any) -> Any:
        return _used(cls, "used in arithmetic")

    # ``|`` is left alone: ``numpy.ndarray | None`` must stay a union of types
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __arithmetic
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __arithmetic
    __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __arithmetic
    __neg__ = __pos__ = __abs__ = __invert__ = __arithmetic


def _stub_name(cls: type) -> str:
    """The dotted name of stub CLS, or of the stub a repository's class CLS subclasses."""
    return str(next(b.__dict__["_stub_name"] for b in cls.__mro__ if "_stub_name" in b.__dict__))


def _stubbed(name: str) -> str:
    """``numpy is stubbed (not installed)``: which stubbed module NAME is under, and why."""
    root = FINDER.root_of(name) or name.split(".")[0]
    why = "the profile stubs it" if root in FINDER.named else "not installed"
    return f"{root} is stubbed ({why})"


def _why(name: str) -> str:
    """``numpy is not installed``: why NAME, a stub's name, is stubbed."""
    root = FINDER.root_of(name) or name.split(".")[0]
    return f"the profile stubs {root}" if root in FINDER.named else f"{root} is not installed"


def _decoratable(value: Any) -> bool:
    return callable(value) and not isinstance(value, StubbedImport)


def _used(cls: type, how: str) -> Any:
    """A stub standing for CLS used HOW at import time; afterwards, :class:`StubCalled`."""
    name = _stub_name(cls)
    if not importing():
        raise StubCalled(f"{UNAVAILABLE}: {name} was {how}, but {_stubbed(name)}")
    return stub(f"{name}(…)")


class _StubBase:
    """What a stub class holds: instances (of a repository's subclass, built at import time)
    take any arguments and answer any public attribute with a stub."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return stub(f"{_stub_name(type(self))}().{name}")


def stub(name: str) -> type:
    """A stub class standing for the dotted NAME of a missing module."""
    module = name.split("(")[0].rpartition(".")[0] or name
    namespace = {"_stub_name": name, "__module__": module, "__qualname__": name}
    return StubbedImport(name.rsplit(".", 1)[-1], (_StubBase,), namespace)


def _module_getattr(module: str) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"stub module {module!r} has no attribute {name!r}")
        return stub(f"{module}.{name}")

    return __getattr__


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a stub module for each module under one of ``roots`` (top-level names of
    third-party modules that are not installed) or ``named`` (modules the profile stubs,
    dotted names allowed)."""

    def __init__(self) -> None:
        self.roots: set[str] = set()
        self.named: set[str] = set()

    def root_of(self, fullname: str) -> str | None:
        """The stubbed module FULLNAME is, or is under (the longest); None if none."""
        found = [
            root
            for root in (*self.roots, *self.named)
            if fullname == root or fullname.startswith(root + ".")
        ]
        return max(found, key=len) if found else None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if self.root_of(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__path__ = []
        module.__version__ = STUB_VERSION  # type: ignore[attr-defined]
        module.__getattr__ = _module_getattr(module.__name__)  # type: ignore[method-assign]


#: The one finder of the worker process.
FINDER = StubFinder()


def install(root: str) -> None:
    """Stub the top-level module ROOT and its submodules from now on in this process."""
    if FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)
    FINDER.roots.add(root)


def stubbed() -> frozenset[str]:
    """The top-level modules stubbed in this process because they are not installed."""
    return frozenset(FINDER.roots)


def stub_named(names: Iterable[str]) -> None:
    """Stub the modules NAMES (and their submodules) from now on, in place of those named
    before: the modules the profile stubs for the model about to be built."""
    FINDER.named = set(names)
    if FINDER.named and FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)


def named() -> frozenset[str]:
    """The modules the profile stubs now."""
    return frozenset(FINDER.named)


def stubbable(name: str | None, own: set[str]) -> bool:
    """Whether module NAME, which failed to import, may be stubbed: a third-party module, not
    one of the repository's own (OWN, top-level names), not torch, not the standard library,
    and not a submodule of a package that is installed."""
    if not name:
        return False
    root = name.split(".")[0]
    if root in own or root == "torch" or root in sys.stdlib_module_names:
        return False
    if root in sys.modules and not stub_root(sys.modules[root]):
        return False  # an installed package without this submodule
    return root not in FINDER.roots


def stub_root(value: Any) -> str | None:
    """The stubbed module VALUE comes from (a top-level name, or a module the profile stubs):
    a stub module, a stub, or a class that subclasses one; None for anything else."""
    if isinstance(value, ModuleType):
        spec = getattr(value, "__spec__", None)
        if getattr(spec, "loader", None) is not FINDER:
            return None
        return FINDER.root_of(value.__name__) or value.__name__.split(".")[0]
    if isinstance(value, StubbedImport):
        name = _stub_name(value)
        return FINDER.root_of(name) or name.split(".")[0]
    return None


def stubs_used(module: ModuleType, own: set[str]) -> list[str]:
    """The stubbed modules MODULE's code reaches: through its globals and those of the
    repository's modules (OWN: top-level names) they lead to, sorted."""
    roots: set[str] = set()
    seen: set[str] = set()
    pending = [module]
    while pending:
        current = pending.pop()
        if current.__name__ in seen:
            continue
        seen.add(current.__name__)
        for value in list(vars(current).values()):
            root = stub_root(value)
            if root is not None:
                roots.add(root)
                continue
            name = _module_of(value)
            if name is not None and name.split(".")[0] in own and name not in seen:
                found = sys.modules.get(name)
                if isinstance(found, ModuleType):
                    pending.append(found)
    return sorted(roots)


def _module_of(value: Any) -> str | None:
    """The name of the module VALUE is, or was defined in."""
    if isinstance(value, ModuleType):
        return value.__name__
    try:
        name = getattr(value, "__module__", None)
    except Exception:  # an object whose attributes do more than answer
        return None
    return name if isinstance(name, str) else None


def stub_failure(error: BaseException) -> str | None:
    """Why ERROR is a stub's doing, as an :data:`UNAVAILABLE` message; None when it is not.

    It is when a :class:`StubCalled` is among its causes, or when its message names a stub's
    type (a stub handed to code that needs the real object: ``not StubbedImport``).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StubCalled):
            return str(current)
        if StubbedImport.__name__ in str(current):
            kinds = [("not installed", FINDER.roots), ("by the profile", FINDER.named)]
            said = "; ".join(f"{why}: {', '.join(sorted(r))}" for why, r in kinds if r)
            return f"{UNAVAILABLE}: {_last_line(current)} (stubbed, {said})"
        current = current.__cause__ or current.__context__
    return None


def _last_line(error: BaseException) -> str:
    return traceback.format_exception_only(type(error), error)[-1].strip()


def import_failure(error: BaseException, module: str) -> str | None:
    """Why importing MODULE failed with stubs in the way, as an :data:`UNAVAILABLE` message;
    None when no stub was reachable where ERROR was raised.

    Without the stubs the import would have failed for want of the modules they stand for;
    with them it failed some other way, in a module that holds a stub. A module that fails
    on its own (``from torch.nn.functional import *`` no longer binding ``Tuple``) fails
    the build, even when a module importing it holds stubs.
    """
    if isinstance(error, SyntaxError):
        return None
    found = stub_failure(error)
    if found is not None:
        return found
    frame = error.__traceback__
    if frame is None:
        return None
    while frame.tb_next is not None:
        frame = frame.tb_next
    roots: set[str] = set()
    for value in list(frame.tb_frame.f_globals.values()):
        root = stub_root(value)
        if root is not None:
            roots.add(root)
    if not roots:
        return None
    stubs = ", ".join(sorted(roots))
    return f"{UNAVAILABLE}: importing {module} with {stubs} stubbed failed: {_last_line(error)}"

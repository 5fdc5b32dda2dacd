"""How the worker builds one model: its module (the first candidate that exists), its class,
on a device; and what to say when the build fails.

A revision with none of a model's candidate modules, or a variant whose class or constructor
parameter is absent there, does not have the model (:class:`NotApplicable`). On the ``meta``
device nothing is allocated and random initialisation is skipped. Like the worker, this module
runs in the audited project's Python: standard library and torch only.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from auditor.runtime.imports import import_model_module
from auditor.runtime.inference import last_line
from auditor.runtime.stubs import UNAVAILABLE, stub_failure


class NotApplicable(Exception):
    """A model does not exist at this revision (none of its modules; for a variant, its class
    or a parameter it needs)."""


def parameters(factory: Any) -> set[str]:
    """The named parameters FACTORY's constructor takes (``**kwargs`` names none)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return set()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in signature.parameters.values() if p.kind in kinds}


def candidates(spec: Mapping[str, Any]) -> list[str]:
    """The modules SPEC may be built from, in order."""
    return [str(name) for name in spec["modules"]]


def build(spec: Mapping[str, Any], device: str, imported: list[str] | None = None) -> Any:
    """``module.class(*args, **kwargs)`` of SPEC, on DEVICE (meta: under ``torch.device``),
    from the first of its candidate modules that exists (appended to IMPORTED)."""
    import torch

    name, module = import_candidate(candidates(spec))
    if imported is not None:
        imported.append(name)
    factory = getattr(module, spec["class"], None)
    if factory is None and spec.get("variant"):
        raise NotApplicable(f"{name} has no {spec['class']} at this revision")
    if factory is None:
        raise AttributeError(f"module {name!r} has no attribute {spec['class']!r}")
    absent = [param for param in spec.get("requires", ()) if param not in parameters(factory)]
    if absent:
        raise NotApplicable(f"{spec['class']} takes no {', '.join(absent)} at this revision")
    torch.manual_seed(0)
    if device == "meta":
        with torch.device("meta"), _no_random_init_on_meta():
            return factory(*spec["args"], **spec["kwargs"])
    return factory(*spec["args"], **spec["kwargs"]).to(device)


def import_candidate(names: list[str]) -> tuple[str, Any]:
    """The first of the modules NAMES that exists, imported, with its name.

    A candidate is skipped only when it is itself absent (or a package above it is); one that
    exists but fails to import fails the build: the next would be another model.
    """
    for name in names:
        try:
            return name, import_model_module(name)
        except ModuleNotFoundError as error:
            if not error.name or not (name == error.name or name.startswith(error.name + ".")):
                raise
    raise NotApplicable(f"no module {' or '.join(names)} at this revision")


#: In-place random initialisers; on meta tensors they have nothing to fill.
_INITIALISERS = ("normal_", "uniform_", "random_", "exponential_", "log_normal_", "cauchy_")


@contextmanager
def _no_random_init_on_meta() -> Iterator[None]:
    """Make random initialisation of meta tensors a no-op while a model is built.

    On ``meta`` these fall back to Python decompositions whose first use imports
    ``torch._dynamo`` (over a second, more than building the model); the values they would
    draw do not exist on meta anyway.
    """
    import torch

    saved = {name: getattr(torch.Tensor, name) for name in _INITIALISERS}

    def skipping(original: Any) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return self if self.is_meta else original(self, *args, **kwargs)

        return method

    for name, original in saved.items():
        setattr(torch.Tensor, name, skipping(original))
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(torch.Tensor, name, original)


def build_error(error: BaseException, own: set[str], spec: Mapping[str, Any] | None = None) -> str:
    """What stopped a build; a third-party module that is not installed, or a stub standing
    for one, is said plainly (starting with :data:`UNAVAILABLE`); ``sys.exit`` names the
    module that called it.

    OWN are the top-level modules the repository holds: a missing one of those is a build
    failure of the repository, not a package to install.
    """
    if isinstance(error, SystemExit):
        return exit_message(error, spec or {})
    stub = stub_failure(error)
    if stub is not None:
        return stub
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    if missing and missing.split(".")[0] not in own:
        return f"{UNAVAILABLE}: module {missing} not installed"
    where = raised_at(error, os.getcwd())
    return f"{where}: {last_line(error)}" if where else last_line(error)


def raised_at(error: BaseException, root: str) -> str | None:
    """``path:line`` (relative to ROOT, the revision's tree) of the innermost frame of
    ERROR's traceback that runs the repository's code; None when none does."""
    found: str | None = None
    frame = error.__traceback__
    prefix = os.path.join(os.path.realpath(root), "")
    while frame is not None:
        path = os.path.realpath(frame.tb_frame.f_code.co_filename)
        if path.startswith(prefix):
            found = f"{os.path.relpath(path, prefix)}:{frame.tb_lineno}"
        frame = frame.tb_next
    return found


def exit_message(error: SystemExit, spec: Mapping[str, Any]) -> str:
    """``SystemExit: module config called sys.exit(0) while it was imported``: which module
    exited (the innermost being imported where it was raised), or the class being built."""
    code = error.code
    where = None
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_name == "<module>":
            where = frame.tb_frame.f_globals.get("__name__")
        frame = frame.tb_next
    call = f"sys.exit({code!r})" if code is not None else "sys.exit()"
    if where is not None:
        return f"SystemExit: module {where} called {call} while it was imported"
    return f"SystemExit: {spec.get('class', 'the model')} called {call} while it was built"

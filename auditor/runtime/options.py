"""Command-line options shared by the commands that run a worker (``runtime``, ``check-ckpt``,
``export-check``, ``scan --confirm``).

``--rev``, ``--range``, ``--timeout``, ``--device`` and ``--tolerance`` are declared once
here; each command words its help (what it does at the revision, what it names in the
range, what happens past the timeout, where it builds the models).

``--stub-imports/--no-stub-imports`` (``runtime``; on by default) says whether the workers
stub the third-party modules the project's code imports but that are not installed
(:mod:`auditor.runtime.stubs`).

``--python`` names the interpreter the workers run in. The audited project's code imports
what its own environment installs (numpy, einops, torchaudio...), which the auditor's does
not; its Python builds the models as the project does. A path that does not name an
executable file is a usage error here; whether it is a Python with torch is checked when its
first worker starts (:func:`auditor.runtime.process.check_interpreter`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

#: The environment variable that gives ``--python`` when the option is not given.
PYTHON_ENV = "MODEL_AUDIT_PYTHON"
F = TypeVar("F", bound=Callable[..., Any])


def interpreter_path(value: str) -> str:
    """The absolute path of the interpreter VALUE names (a path, or a command on ``PATH``).

    Symbolic links are kept: a virtual environment's ``bin/python`` links to the base
    Python, and only the link makes it start in the environment.
    """
    if os.sep not in value and (os.altsep is None or os.altsep not in value):
        found = shutil.which(value)
        if found is None:
            raise ValueError(f"{value}: no such command on PATH")
        value = found
    path = os.path.abspath(os.path.expanduser(value))
    if not os.path.exists(path):
        raise ValueError(f"{value} does not exist")
    if not os.path.isfile(path):
        raise ValueError(f"{value} is not a file")
    if not os.access(path, os.X_OK):
        raise ValueError(f"{value} is not executable")
    return path


def _interpreter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return interpreter_path(value)
    except ValueError as error:
        source = ctx.get_parameter_source(param.name or "")
        given = f" (from {PYTHON_ENV})" if source is click.core.ParameterSource.ENVIRONMENT else ""
        raise click.BadParameter(f"{error}{given}", ctx=ctx, param=param) from None


#: Where a runtime profile comes from when ``--profile`` names none.
PROFILE_DEFAULT = (
    "the repository's own .model-audit-profile.yaml, else the shipped profile its layout "
    "matches, else one inferred from its code"
)


def profile_option(when: str = "", name: str = "profile_name") -> Callable[[F], F]:
    """``--profile NAME|FILE``: a shipped runtime profile or a profile file (WHEN: the
    option that asks for the runtime, ``With --confirm``)."""
    prefix = f"{when}: a" if when else "A"
    return click.option(
        "--profile",
        name,
        default=None,
        metavar="NAME|FILE",
        help=f"{prefix} shipped runtime profile (auditor/runtime/profiles) or a profile YAML "
        f"file [default: {PROFILE_DEFAULT}].",
    )


def python_option(command: F) -> F:
    """``--python INTERPRETER`` (or ``MODEL_AUDIT_PYTHON``): the Python the workers run in."""
    return click.option(
        "--python",
        "python",
        metavar="INTERPRETER",
        envvar=PYTHON_ENV,
        show_envvar=True,
        callback=_interpreter,
        help="The Python that builds the models: the audited project's own environment "
        "(with torch and what its code imports). Default: the auditor's Python.",
    )(command)


def stub_imports_option(command: F) -> F:
    """``--stub-imports/--no-stub-imports``: stub the modules the code imports that are not
    installed (default), or leave such a model unavailable."""
    return click.option(
        "--stub-imports/--no-stub-imports",
        "stub_imports",
        default=True,
        show_default=True,
        help="Stub the third-party modules the models' code imports but that are not installed "
        "(numpy, faiss, librosa...), so the models build without them; a model that calls one "
        "is unavailable. --no-stub-imports: a model whose code imports one is unavailable.",
    )(command)


def rev_option(does: str) -> Callable[[F], F]:
    """``--rev REV``: the revision the command DOES its work at (``check against``)."""
    return click.option("--rev", metavar="REV", help=f"The revision to {does}.  [default: HEAD]")


def range_option(names: str) -> Callable[[F], F]:
    """``--range A..B`` (parameter ``revision_range``): the first commit of the range that
    NAMES says (``whose model rejects the checkpoint``) is searched for."""
    return click.option(
        "--range",
        "revision_range",
        metavar="A..B",
        help=f"Name the first commit of A..B {names}.",
    )


#: What becomes of the other models when one runs past ``--timeout``, for the commands that
#: build and run them (``runtime``, ``export-check``).
STILL_RUN = "the other models still run (default: the profile's, 300)"


def timeout_option(past: str = STILL_RUN) -> Callable[[F], F]:
    """``--timeout SECONDS`` per model and worker; PAST says what becomes of the others."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=1),
        help="Seconds a worker may spend on one model (the first one also imports torch); a "
        f"model past it is a timeout, {past}.",
    )


def device_option(help: str, choices: Sequence[str]) -> Callable[[F], F]:
    """``--device``, one of CHOICES (default: the first)."""
    return click.option(
        "--device",
        default=choices[0],
        type=click.Choice(list(choices)),
        show_default=True,
        help=help,
    )


def tolerance_option(help: str) -> Callable[[F], F]:
    """``--tolerance``: the largest relative output error that still matches."""
    return click.option("--tolerance", type=click.FloatRange(min=0), help=help)

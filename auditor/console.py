"""The command line's consoles: messages for people on stderr, tables at a terminal, progress.

Every command shares them, so that they behave alike:

- ``model-audit -q/--quiet`` silences progress, warnings and notices; errors still print.
- Progress at a terminal is a transient spinner or bar on stderr; elsewhere (a pipe, a CI
  log) it is one plain ``model-audit: …`` line per stage. stdout never carries it.
- ``FORCE_COLOR`` (set and non-empty) forces colour, as ``NO_COLOR`` (which rich reads
  itself) turns it off. Colour never turns a log into a live display: progress goes by
  whether stderr really is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

#: Where ``--quiet`` is kept in the click context's ``meta`` (shared by every subcommand).
QUIET = "model_audit.quiet"
#: What begins each plain progress line.
PREFIX = "model-audit: "


def set_quiet(context: click.Context, quiet: bool) -> None:
    """Make the command CONTEXT runs (and its subcommands) quiet or not."""
    context.meta[QUIET] = quiet


def is_quiet() -> bool:
    """Whether the running command was given ``-q/--quiet`` (never outside a command)."""
    context = click.get_current_context(silent=True)
    return context is not None and bool(context.meta.get(QUIET, False))


def force_color() -> bool:
    """Whether ``FORCE_COLOR`` asks for colour (set and non-empty)."""
    return os.environ.get("FORCE_COLOR", "") != ""


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def console(*, stderr: bool = False) -> Console:
    """A console on stdout (tables) or STDERR (messages) that honours ``FORCE_COLOR``.

    An empty ``FORCE_COLOR`` counts as unset (rich alone would read it as "no terminal").
    """
    stream = sys.stderr if stderr else sys.stdout
    force: bool | None = None
    if force_color():
        force = True
    elif "FORCE_COLOR" in os.environ:
        force = _isatty(stream)
    return Console(stderr=stderr, highlight=False, force_terminal=force)


def terminal() -> Console | None:
    """stdout's console when a table there is for a terminal (or ``FORCE_COLOR`` asks for
    colour), else None: the plain text table is written instead."""
    out = console()
    return out if out.is_terminal else None


def say(label: str, message: str, style: str) -> None:
    """``LABEL MESSAGE`` on stderr, LABEL in STYLE; MESSAGE is never read as markup."""
    console(stderr=True).print(Text.assemble((label, style), message), soft_wrap=True)


def error(message: str) -> None:
    """``error: MESSAGE`` on stderr, even when quiet."""
    say("error: ", message, "red")


def warn(message: str) -> None:
    """``warning: MESSAGE`` on stderr, unless quiet."""
    if not is_quiet():
        say("warning: ", message, "yellow")


def inform(message: str) -> None:
    """MESSAGE for people on stderr (what a command did), unless quiet."""
    if not is_quiet():
        click.echo(message, err=True)


def ignore(message: str) -> None:
    """Drop MESSAGE: the notices of a quiet command (a function, so workers can take it)."""


def notifier() -> Callable[[str], None]:
    """Where the running command sends notices about the tool itself (its fact cache):
    :func:`warn`, or :func:`ignore` when quiet (decided now: notices may come from threads
    that do not see the command's context)."""
    return ignore if is_quiet() else warn


def plural(count: int, noun: str) -> str:
    """``1 commit``, ``2 commits``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Activity:
    """What a command is doing, on stderr: a live display at a terminal, else plain lines.

    ``stage`` says a step has begun; ``counter`` gives a ``(done, total)`` callback that
    counts commits or forks; ``log`` keeps a line (above the live display at a terminal).
    A quiet activity says nothing.
    """

    def __init__(self, live: Progress | None = None, *, quiet: bool = False) -> None:
        self._live = live
        self._quiet = quiet
        self._task: TaskID | None = None

    def stage(self, message: str) -> None:
        """A step begins: MESSAGE (``building models at v1``) as the live display's line or as
        ``model-audit: MESSAGE…``."""
        if self._live is None:
            self._line(f"{message}…")
        else:
            self._begin(message, None)

    def counter(self, noun: str, verb: str = "auditing") -> Callable[[int, int], None]:
        """A ``(done, total)`` callback: ``auditing commits ━━━ 3/1050`` live, else one line
        ``model-audit: auditing 1050 commits…`` when the total is first known (or changes)."""
        told: list[int] = []

        def count(done: int, total: int) -> None:
            if told[-1:] != [total]:
                told.append(total)
                if self._live is None:
                    self._line(f"{verb} {plural(total, noun)}…")
                else:
                    self._begin(f"{verb} {noun}s", total)
            if self._live is not None and self._task is not None:
                self._live.update(self._task, completed=done, count=f"{done}/{total}")

        return count

    def log(self, message: str) -> None:
        """A line that stays: above the live display, or ``model-audit: MESSAGE``."""
        if self._live is not None:
            self._live.console.print(Text(message), soft_wrap=True)
        else:
            self._line(message)

    def _begin(self, description: str, total: int | None) -> None:
        """A fresh line of the live display (a stage has no total: its bar pulses)."""
        assert self._live is not None
        if self._task is not None:
            self._live.update(self._task, visible=False)
        self._task = self._live.add_task(description, total=total, count="")

    def _line(self, message: str) -> None:
        if not self._quiet:
            click.echo(f"{PREFIX}{message}", err=True)


@contextmanager
def activity() -> Iterator[Activity]:
    """The running command's :class:`Activity`: live while stderr is a terminal, plain lines
    otherwise, silent when quiet. The live display is gone once the block ends."""
    if is_quiet():
        yield Activity(quiet=True)
        return
    if not _isatty(sys.stderr):
        yield Activity()
        return
    live = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    )
    with live:
        yield Activity(live)

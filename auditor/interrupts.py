"""Ctrl-C: the command stops, once or twice pressed, and only the parent process handles it.

The first Ctrl-C raises :class:`KeyboardInterrupt` in the main process, which unwinds the
command and closes what it opened: process pools are ended, runtime workers killed, the fact
cache saved in one transaction. A second press while that runs is ignored, so it cannot break
the clean-up half-way; a third ends the process at once. Worker processes ignore SIGINT (the
terminal sends it to them too): their parent ends them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from types import FrameType, TracebackType
from typing import NoReturn, ParamSpec, TypeVar

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Presses after which the process ends at once, clean-up or not.
_GIVE_UP_AFTER = 3

P = ParamSpec("P")
T = TypeVar("T")
_presses = 0


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    global _presses
    _presses += 1
    if _presses == 1:
        raise KeyboardInterrupt
    if _presses >= _GIVE_UP_AFTER:
        os.write(2, b"interrupted\n")
        os._exit(EXIT_INTERRUPTED)


def stop_on_interrupt() -> None:
    """Make Ctrl-C stop the command as the module says (only the main thread can)."""
    global _presses
    if threading.current_thread() is threading.main_thread():
        _presses = 0
        signal.signal(signal.SIGINT, _on_interrupt)


def exit_interrupted(say: Callable[[], None]) -> NoReturn:
    """End the process with 130 once the command has unwound: ignore Ctrl-C from here on,
    ``say`` that it was interrupted, run the exit handlers, flush and leave.

    Not through ``SystemExit``: Python ends a process by SIGINT instead, whatever its exit
    code, when a Ctrl-C ever reached code it ran from a string (native parsers do), and it
    puts back the default handler while it finalises, where a second press would kill it.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    say()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the reader has gone
            stream.flush()
    os._exit(EXIT_INTERRUPTED)


def ignore_interrupts() -> None:
    """Make this (worker) process ignore SIGINT: its parent decides when it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT back (blocked, delivered afterwards, never lost) in this thread.

    Processes started meanwhile inherit the block, so a Ctrl-C cannot reach a worker before
    it has made itself ignore SIGINT.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _unblock_and_ignore_interrupts() -> None:
    ignore_interrupts()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers ignore SIGINT, and which an exception (Ctrl-C) leaving
    its ``with`` block ends at once: queued work is cancelled, the workers are terminated."""

    def __init__(self, max_workers: int, mp_context: BaseContext | None = None) -> None:
        super().__init__(
            max_workers=max_workers,
            mp_context=mp_context,
            initializer=_unblock_and_ignore_interrupts,
        )

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with interrupts_held():  # submitting may start the workers
            return super().submit(fn, *args, **kwargs)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if kind is None:
            return super().__exit__(kind, value, traceback)
        self.terminate()
        return None

    def terminate(self) -> None:
        """Cancel what is queued and end the workers now, without waiting for their work."""
        with interrupts_held():
            processes = list((getattr(self, "_processes", None) or {}).values())
            self.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)
            for process in processes:  # one that did not end on SIGTERM (a loaded machine)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=5)

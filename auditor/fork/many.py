"""Auditing many forks of one upstream: a process pool, one row per fork.

The first fork is audited alone: that fills the fact cache with the facts of upstream's
commits, which the forks audited next (in parallel) then read instead of computing them
again. A fork that cannot be audited becomes a row with its error; the others go on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed

from auditor.errors import AuditError
from auditor.fork.audit import ForkOptions, audit_fork
from auditor.fork.report import ForkRow
from auditor.interrupts import WorkerPool

#: Called after each fork with (forks done, forks in all).
Progress = Callable[[int, int], None]


def audit_one(upstream: str, fork: str, options: ForkOptions) -> ForkRow:
    """One fork's row: its report, or the error that stopped it (never raises)."""
    try:
        return ForkRow(fork=fork, report=audit_fork(fork, upstream, options))
    except AuditError as error:
        return ForkRow(fork=fork, error=str(error))
    except Exception as error:  # one broken fork must not end the run
        return ForkRow(fork=fork, error=f"internal error: {type(error).__name__}: {error}")


def audit_forks(
    upstream: str,
    forks: Sequence[str],
    options: ForkOptions,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[ForkRow]:
    """A row for each of FORKS, in the order given, audited by up to JOBS processes."""
    total = len(forks)
    rows: list[ForkRow | None] = [None] * total

    def done(index: int, row: ForkRow) -> None:
        rows[index] = row
        if progress is not None:
            progress(sum(r is not None for r in rows), total)

    pending = list(range(total))
    if pending and options.audit.use_cache and jobs > 1:
        first = pending.pop(0)
        done(first, audit_one(upstream, forks[first], options))
    if jobs <= 1 or len(pending) <= 1:
        for index in pending:
            done(index, audit_one(upstream, forks[index], options))
    else:
        context = multiprocessing.get_context("spawn")
        with WorkerPool(min(jobs, len(pending)), context) as pool:  # ended at once by Ctrl-C
            futures: dict[Future[ForkRow], int] = {
                pool.submit(audit_one, upstream, forks[index], options): index for index in pending
            }
            for future in as_completed(futures):
                index = futures[future]
                try:
                    row = future.result()
                except Exception as error:  # the worker process itself died
                    row = ForkRow(fork=forks[index], error=f"worker failed: {error}")
                done(index, row)
    return [row for row in rows if row is not None]

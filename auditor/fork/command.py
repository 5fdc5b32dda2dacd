"""``model-audit fork`` and ``model-audit forks``: what forks changed, and whose checkpoints fit.

Exit codes: 0 the audit ran; 1 a net finding (between the tips) is at or above
``--fail-on``; 2 usage, git or config error, or (``forks``) a fork that could not be audited.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Group

from auditor import console
from auditor.classify.concerns import MODEL_MAP
from auditor.console import activity, terminal
from auditor.domain import AuditWarning, Severity
from auditor.fork.audit import ForkOptions, audit_fork
from auditor.fork.many import audit_forks
from auditor.fork.report import ForkReport, ForkRow, ForkTable
from auditor.fork.report_text import at_least, renderables
from auditor.fork.rows import rows_table
from auditor.options import (
    cache_options,
    output_options,
    settings_options,
    severity_options,
    to_stdout,
    write_output,
)
from auditor.pipeline import AuditOptions
from auditor.render.formats import formats_of
from auditor.runtime.confirm import DEVICES
from auditor.runtime.options import device_option, profile_option, python_option

EXIT_FINDINGS = 1
EXIT_ERROR = 2
FORMATS = ("table", "json", "markdown")
#: How many warnings of each fork ``forks`` prints on stderr.
WARNINGS_PER_FORK = 3
F = TypeVar("F", bound=Callable[..., Any])


def _options(command_name: str) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        options = [
            output_options(command_name),
            severity_options(
                "Exit with 1 when a finding between the tips is at or above this severity.",
                "Leave out findings below this severity (verdicts are unchanged).",
            ),
            click.option(
                "--first-parent", is_flag=True, help="Walk only the mainline of each side."
            ),
            cache_options(),
            settings_options("each tip's"),
            click.option(
                "--models",
                "model_map",
                type=click.Path(dir_okay=False, exists=True, path_type=Path),
                help="Which model each file concerns (default: the shipped models.yaml).",
            ),
            click.option(
                "--confirm",
                is_flag=True,
                help="Decide verdicts by loading checkpoints across the tips (needs torch).",
            ),
            profile_option("With --confirm", "profile"),
            device_option("Where --confirm builds the models.", DEVICES),
        ]
        for option in reversed(options):
            command = option(command)
        return python_option(command)

    return decorate


def _fork_options(kwargs: dict[str, Any]) -> ForkOptions:
    audit = AuditOptions(
        first_parent=kwargs["first_parent"],
        cache_dir=kwargs["cache_dir"],
        use_cache=not kwargs["no_cache"],
        config_file=kwargs["config_file"],
        ignore_file=kwargs["ignore_file"],
        notify=console.notifier(),
    )
    return ForkOptions(
        audit=audit,
        model_map=kwargs["model_map"] or MODEL_MAP,
        confirm=kwargs["confirm"],
        profile=kwargs["profile"],
        device=kwargs["device"],
        python=kwargs["python"],
    )


def _warn(warnings: tuple[AuditWarning, ...], prefix: str = "", limit: int | None = None) -> None:
    """Warnings on stderr; past LIMIT, a count (the JSON report lists them all)."""
    for warning in warnings[:limit]:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        console.warn(f"{prefix}{where + ': ' if where else ''}{warning.message}")
    if limit is not None and len(warnings) > limit:
        console.warn(
            f"{prefix}… and {len(warnings) - limit} more warnings (listed in --format json)"
        )


def _fails(reports: list[ForkReport], fail_on: str) -> bool:
    if fail_on == "none":
        return False
    threshold = Severity(fail_on).rank
    return any(f.severity.rank >= threshold for report in reports for f in report.net)


@click.command("fork")
@click.argument("upstream")
@click.argument("path", default=".")
@_options("fork")
def fork_command(upstream: str, path: str, **kwargs: Any) -> None:
    """Audit the fork at PATH (DIR or DIR@REF) against UPSTREAM.

    UPSTREAM is a revision in PATH (upstream/main, v3.1), a directory holding another clone
    (DIR or DIR@REF), or REMOTE/BRANCH of a remote configured in PATH, fetched into a
    temporary repository. Reports what each side changed since the merge-base, the net
    difference, and whether each model's checkpoints load each way.
    """
    with activity() as doing:
        report = audit_fork(path, upstream, _fork_options(kwargs), doing.stage)
    shown = at_least(report, Severity(kwargs["min_severity"]))
    fmt, output = kwargs["output_format"], kwargs["output"]
    screen = terminal() if fmt == "table" and to_stdout(output) else None
    if screen is not None:
        screen.print(Group(*renderables(shown)))
    else:
        write_output(formats_of("fork").render(shown, fmt), output)
    _warn(report.warnings)
    if _fails([report], kwargs["fail_on"]):
        raise SystemExit(EXIT_FINDINGS)


@click.command("forks")
@click.argument("upstream")
@click.argument("forks", nargs=-1, required=True)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Forks audited at once [default: CPU count]."
)
@_options("forks")
def forks_command(upstream: str, forks: tuple[str, ...], jobs: int | None, **kwargs: Any) -> None:
    """Audit many FORKS (each DIR or DIR@REF) against UPSTREAM: one comparison table.

    UPSTREAM is read from each fork as in `model-audit fork` (a path to a clone is usual).
    A fork that cannot be audited is a row with its error, and the exit code is then 2.
    """
    options = _fork_options(kwargs)
    with activity() as doing:
        progress = doing.counter("fork")
        progress(0, len(forks))
        rows = audit_forks(upstream, list(forks), options, jobs or os.cpu_count() or 1, progress)
    minimum = Severity(kwargs["min_severity"])
    shown = [ForkRow(r.fork, at_least(r.report, minimum), None) if r.report else r for r in rows]
    fmt, output = kwargs["output_format"], kwargs["output"]
    screen = terminal() if fmt == "table" and to_stdout(output) else None
    if screen is not None:
        screen.print(rows_table(upstream, shown))
    else:
        write_output(formats_of("forks").render(ForkTable(upstream, tuple(shown)), fmt), output)
    reports = [r.report for r in rows if r.report is not None]
    for row in rows:
        if row.report is not None:
            _warn(row.report.warnings, prefix=f"{row.fork}: ", limit=WARNINGS_PER_FORK)
        else:
            console.error(f"{row.fork}: {row.error}")
    if any(row.error for row in rows):
        raise SystemExit(EXIT_ERROR)
    if _fails(reports, kwargs["fail_on"]):
        raise SystemExit(EXIT_FINDINGS)

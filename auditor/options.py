"""Command-line options every auditing command shares: the fact cache and the project's
settings (configuration, suppressions, baseline), declared once so they read alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.domain import Severity
from auditor.errors import AuditError

F = TypeVar("F", bound=Callable[..., Any])
#: The environment variable that gives ``--cache-dir`` when the option is not given.
CACHE_ENV = "MODEL_AUDIT_CACHE_DIR"

EXISTING_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)
OUTPUT_FILE = click.Path(dir_okay=False, path_type=Path)


def _apply(command: F, options: Sequence[Callable[[Any], Any]]) -> F:
    for option in reversed(options):
        command = option(command)
    return command


def cache_options(
    help: str = f"Where facts are cached per blob [env: {CACHE_ENV}].",
) -> Callable[[F], F]:
    """``--cache-dir DIR`` (or ``MODEL_AUDIT_CACHE_DIR``) and ``--no-cache``."""

    def decorate(command: F) -> F:
        return _apply(
            command,
            [
                click.option(
                    "--cache-dir",
                    type=click.Path(file_okay=False, path_type=Path),
                    envvar=CACHE_ENV,
                    help=help,
                ),
                click.option(
                    "--no-cache", is_flag=True, help="Do not read or write the fact cache."
                ),
            ],
        )

    return decorate


def settings_options(
    whose: str = "the repository's", *, baseline: bool = False
) -> Callable[[F], F]:
    """``--config FILE`` and ``--ignore-file FILE`` used instead of WHOSE own files, and with
    BASELINE ``--baseline FILE``."""

    def decorate(command: F) -> F:
        options = [
            click.option(
                "--config",
                "config_file",
                type=EXISTING_FILE,
                help=f"Project configuration to use instead of {whose} own.",
            ),
            click.option(
                "--ignore-file",
                type=EXISTING_FILE,
                help=f"Suppressions to use instead of {whose} .model-audit-ignore.yaml.",
            ),
        ]
        if baseline:
            options.append(
                click.option(
                    "--baseline",
                    "baseline_file",
                    type=OUTPUT_FILE,
                    help="An earlier JSON report: report only findings whose id it does not hold.",
                )
            )
        return _apply(command, options)

    return decorate


def output_options(command_name: str, what: str = "the report") -> Callable[[F], F]:
    """``--format`` with the formats :mod:`auditor.render.formats` registers for COMMAND_NAME
    (the first is the default) and ``-o/--output FILE`` (``-`` is stdout)."""
    from auditor.render.formats import formats_of

    formats = formats_of(command_name)

    def decorate(command: F) -> F:
        return _apply(
            command,
            [
                click.option(
                    "--format",
                    "output_format",
                    default=formats.default.value,
                    type=click.Choice(formats.names),
                    show_default=True,
                    help="Output format.",
                ),
                click.option(
                    "-o",
                    "--output",
                    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                    help=f"Write {what} to this file instead of stdout (- is stdout).",
                ),
            ],
        )

    return decorate


def to_stdout(output: Path | None) -> bool:
    """Whether ``-o OUTPUT`` means standard output (no option, or ``-``)."""
    return output is None or str(output) == "-"


def write_output(text: str, output: Path | None) -> None:
    """TEXT to OUTPUT (stdout when :func:`to_stdout`); a file that cannot be written is an
    error naming it."""
    if to_stdout(output):
        click.echo(text, nl=False)
        return
    assert output is not None
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise AuditError(f"cannot write {output}: {error.strerror or error}") from None


def severity_options(
    fail_on: str | None = "Exit with 1 when a finding is at or above this severity.",
    min_severity: str = "Leave out findings below this severity.",
) -> Callable[[F], F]:
    """``--fail-on SEVERITY|none`` (left out when FAIL_ON is None) and ``--min-severity
    SEVERITY``, with FAIL_ON and MIN_SEVERITY as their help."""
    severities = [severity.value for severity in Severity]
    options = [
        click.option(
            "--min-severity",
            default=Severity.LOW.value,
            type=click.Choice(severities),
            show_default=True,
            help=min_severity,
        )
    ]
    if fail_on is not None:
        fail = click.option(
            "--fail-on",
            default="none",
            type=click.Choice([*severities, "none"]),
            show_default=True,
            help=fail_on,
        )
        options.insert(0, fail)

    def decorate(command: F) -> F:
        return _apply(command, options)

    return decorate

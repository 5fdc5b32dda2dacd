"""Command-line options every auditing command shares: the fact cache and the project's
settings (configuration, suppressions, baseline), declared once so they read alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

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

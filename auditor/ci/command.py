"""``model-audit ci``: the audit as CI runs it (``github``) and as a pre-commit hook (``staged``).

Thin like the rest of the CLI: parse options, call :mod:`auditor.ci`, print. Annotations and
reports go to stdout, messages for people to stderr. Exit codes: 0 clean, 1 a finding at or
above ``--fail-on`` (default ``critical``), 2 an error, also shown as an ``::error::``
annotation under ``ci github``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor import console
from auditor.ci.github import GitHubRun, audit, exit_code, publish, shown
from auditor.ci.staged import audit_staged
from auditor.domain import Severity
from auditor.errors import AuditError
from auditor.options import cache_options, settings_options
from auditor.pipeline import AuditOptions
from auditor.render import github, table
from auditor.runtime.options import profile_option, python_option

F = TypeVar("F", bound=Callable[..., Any])
FAIL_ON = [*(severity.value for severity in Severity), "none"]
_File = click.Path(dir_okay=False, path_type=Path)


def _say(message: str) -> None:
    console.inform(f"{console.PREFIX}{message}")


def _audit_options(command: F) -> F:
    options = [
        click.option(
            "--fail-on",
            default=Severity.CRITICAL.value,
            type=click.Choice(FAIL_ON),
            show_default=True,
            help="Exit with 1 when a finding is at or above this severity.",
        ),
    ]
    command = cache_options()(settings_options(baseline=True)(command))
    for option in reversed(options):
        command = option(command)
    return command


def _options(
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> AuditOptions:
    return AuditOptions(
        cache_dir=cache_dir,
        use_cache=not no_cache,
        config_file=config_file,
        ignore_file=ignore_file,
        baseline_file=baseline_file,
        notify=console.notifier(),
    )


@click.group("ci")
def ci_group() -> None:
    """Audit in CI: a GitHub Actions job, or the staged changes in a pre-commit hook."""


@ci_group.command("github")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--range",
    "revision_range",
    metavar="A..B|REF",
    help="Audit this range instead of the one the event implies.",
)
@click.option(
    "-o",
    "--output",
    "--report",
    "report_file",
    type=_File,
    help="Where to write the JSON report [default: $RUNNER_TEMP/model-audit-report.json] "
    "(--report is the older name).",
)
@click.option("--sarif", "sarif_file", type=_File, help="Also write a SARIF report here.")
@click.option(
    "--comment", "comment_file", type=_File, help="Also write a Markdown PR-comment body here."
)
@click.option(
    "--fetch/--no-fetch",
    default=True,
    show_default=True,
    help="Fetch history missing from a shallow clone from origin.",
)
@click.option(
    "--confirm",
    is_flag=True,
    help="Also confirm the findings at runtime: builds the models at both ends of the range "
    "and loads one's weights into the other. This imports and runs the audited code.",
)
@profile_option("With --confirm")
@python_option
@_audit_options
def github_command(
    path: Path,
    revision_range: str | None,
    report_file: Path | None,
    sarif_file: Path | None,
    comment_file: Path | None,
    fetch: bool,
    confirm: bool,
    profile_name: str | None,
    python: str | None,
    fail_on: str,
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Audit what a GitHub Actions event changed in PATH: annotations on stdout, the job
    summary, a JSON report, step outputs, and optionally SARIF and a PR-comment body."""
    run = GitHubRun(
        path=path,
        fail_on=fail_on,
        revision_range=revision_range,
        fetch=fetch,
        report_file=report_file,
        sarif_file=sarif_file,
        comment_file=comment_file,
        audit=_options(config_file, ignore_file, baseline_file, cache_dir, no_cache),
        confirm=confirm,
        profile=profile_name,
        python=python,
    )
    try:
        report = audit(run, os.environ, _say)
        click.echo(github.render(shown(report)), nl=False)
        outputs = publish(report, run, os.environ)
    except AuditError as error:
        click.echo(github.command("error", {"title": "model-audit"}, str(error)))
        raise
    _say(f"{outputs['findings']} finding(s), worst: {outputs['max-severity']}")
    code = exit_code(report, fail_on)
    if code:
        raise SystemExit(code)


@ci_group.command("staged")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@_audit_options
def staged_command(
    path: Path,
    fail_on: str,
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Audit the staged changes of PATH against HEAD (for pre-commit hooks)."""
    options = _options(config_file, ignore_file, baseline_file, cache_dir, no_cache)
    report = audit_staged(path, options)
    if report is None:
        _say("no commit yet: nothing to compare the staged changes with")
        return
    click.echo(table.render(shown(report)), nl=False)
    code = exit_code(report, fail_on)
    if code:
        raise SystemExit(code)

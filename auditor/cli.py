"""The ``model-audit`` command line: parse options, call the library, write the report.

Reports go to stdout (or ``--output``); messages for people go to stderr.
Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage, git or config error,
130 stopped by Ctrl-C (``interrupted`` on stderr, no traceback).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console, Group
from rich.markdown import Markdown

from auditor import __version__, console
from auditor.changelog.command import changelog_command
from auditor.checkpoints.check_command import check_ckpt_command
from auditor.checkpoints.command import ckpt_info_command
from auditor.ci.command import ci_group
from auditor.console import activity, terminal
from auditor.domain import Report, Severity
from auditor.errors import AuditError
from auditor.export.command import export_check_command
from auditor.fork.command import fork_command, forks_command
from auditor.interrupts import exit_interrupted, stop_on_interrupt
from auditor.migrate.command import migrate_command
from auditor.options import (
    cache_options,
    output_options,
    settings_options,
    severity_options,
    to_stdout,
    write_output,
)
from auditor.pipeline import AuditOptions, Confirmation, diff_revisions, scan
from auditor.provenance.command import identify_command, stamp_command, verify_command
from auditor.render import OutputFormat, render
from auditor.render.formats import formats_of
from auditor.render.github import summary_markdown
from auditor.render.table import renderables
from auditor.rules import all_rules, rule_by_id
from auditor.rules.catalogue_doc import rule_markdown
from auditor.runtime.command import runtime_command
from auditor.runtime.confirm import DEVICES
from auditor.runtime.options import device_option, profile_option, python_option

EXIT_FINDINGS = 1
EXIT_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


def _report_options(command_name: str) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        options = [
            output_options(command_name),
            severity_options(),
        ]
        command = cache_options()(settings_options(baseline=True)(command))
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _at_least(report: Report, minimum: Severity) -> Report:
    kept = tuple(f for f in report.findings if f.severity.rank >= minimum.rank)
    return replace(report, findings=kept)


def _append_step_summary(report: Report) -> None:
    """Append the job summary to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions), when it is set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(summary_markdown(report))
    except OSError as error:
        console.warn(f"cannot write the job summary to {path}: {error}")


def _emit(
    report: Report, output_format: str, output: Path | None, fail_on: str, min_severity: str
) -> None:
    """The report to stdout or OUTPUT, its warnings to stderr, and the exit code."""
    shown = _at_least(report, Severity(min_severity))
    fmt = OutputFormat(output_format)
    screen = terminal() if to_stdout(output) and fmt is OutputFormat.TABLE else None
    if screen is not None:
        screen.print(Group(*renderables(shown, warnings=False)))
    else:
        write_output(render(shown, fmt), output)
    if fmt is OutputFormat.GITHUB:
        _append_step_summary(shown)
    for warning in report.warnings:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        console.warn(f"{where + ': ' if where else ''}{warning.message}")
    if fail_on != "none":
        threshold = Severity(fail_on)
        if any(f.severity.rank >= threshold.rank for f in report.findings):
            raise SystemExit(EXIT_FINDINGS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="model-audit")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress, warnings or notices on stderr; errors still print.",
)
@click.pass_context
def cli(context: click.Context, quiet: bool) -> None:
    """Find the commits that break checkpoints in a model repository.

    Progress goes to stderr: a transient bar at a terminal, else one `model-audit: ...` line
    per stage. FORCE_COLOR forces colour, NO_COLOR turns it off.
    """
    console.set_quiet(context, quiet)


@cli.command("scan")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--range",
    "revision_range",
    metavar="A..B|REF",
    help="Revision range: A..B, or REF alone for all history reachable from REF.",
)
@click.option("--first-parent", is_flag=True, help="Walk only the mainline (first parents).")
@click.option(
    "--confirm",
    is_flag=True,
    help="Build the models at both ends of --range A..B and judge the findings by what "
    "loading does (needs torch; runs the audited code).",
)
@profile_option("With --confirm")
@device_option("With --confirm: where to build the models.", DEVICES)
@python_option
@_report_options("scan")
def scan_command(
    path: Path,
    revision_range: str | None,
    first_parent: bool,
    confirm: bool,
    profile_name: str | None,
    device: str,
    python: str | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    min_severity: str,
    cache_dir: Path | None,
    no_cache: bool,
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
) -> None:
    """Audit every commit of PATH's history, oldest first, each against its first parent."""
    options = AuditOptions(
        first_parent=first_parent,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        config_file=config_file,
        ignore_file=ignore_file,
        baseline_file=baseline_file,
        notify=console.notifier(),
    )
    confirmation = Confirmation(profile_name, device, python) if confirm else None
    with activity() as doing:
        report = scan(path, revision_range, options, doing.counter("commit"), confirmation)
    _emit(report, output_format, output, fail_on, min_severity)


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@_report_options("diff")
def diff_command(
    old: str,
    new: str,
    path: Path,
    output_format: str,
    output: Path | None,
    fail_on: str,
    min_severity: str,
    cache_dir: Path | None,
    no_cache: bool,
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
) -> None:
    """Audit what changed between the trees of revisions OLD and NEW."""
    options = AuditOptions(
        cache_dir=cache_dir,
        use_cache=not no_cache,
        config_file=config_file,
        ignore_file=ignore_file,
        baseline_file=baseline_file,
        notify=console.notifier(),
    )
    with activity() as doing:
        doing.stage(f"comparing {old} and {new}")
        report = diff_revisions(path, old, new, options)
    _emit(report, output_format, output, fail_on, min_severity)


@cli.command("rules")
@output_options("rules", "the catalogue")
def rules_command(output_format: str, output: Path | None) -> None:
    """List every rule: id, slug, default severity and summary (--format markdown: the full
    catalogue, as docs/rules.md; json: schemas/rules.schema.json)."""
    write_output(formats_of("rules").render(all_rules(), output_format), output)


@cli.command("explain")
@click.argument("rule_id", metavar="RULE")
@click.option(
    "--format",
    "output_format",
    default="text",
    type=click.Choice(["text", "markdown"]),
    show_default=True,
    help="Text for a terminal, or the Markdown section docs/rules.md holds.",
)
def explain_command(rule_id: str, output_format: str) -> None:
    """Explain RULE (an id such as MA101, or the slug `rules` prints): what it flags, why it
    breaks checkpoints, what to do, and its examples."""
    rule = rule_by_id(rule_id)
    if rule is None:
        raise click.BadParameter(
            f"no rule {rule_id!r}; `model-audit rules` lists every rule id and slug",
            param_hint="RULE",
        )
    if output_format == "markdown":
        click.echo(rule_markdown(rule), nl=False)
        return
    screen = console.console()
    page = Console(
        file=io.StringIO(),
        width=screen.width,
        force_terminal=screen.is_terminal,
        no_color=screen.no_color,
        highlight=False,
    )
    page.print(Markdown(rule_markdown(rule)))
    text = page.file.getvalue()  # type: ignore[attr-defined]
    click.echo("".join(line.rstrip() + "\n" for line in text.splitlines()), nl=False)


cli.add_command(changelog_command)
cli.add_command(check_ckpt_command)
cli.add_command(ci_group)
cli.add_command(ckpt_info_command)
cli.add_command(export_check_command)
cli.add_command(fork_command)
cli.add_command(forks_command)
cli.add_command(identify_command)
cli.add_command(migrate_command)
cli.add_command(runtime_command)
cli.add_command(stamp_command)
cli.add_command(verify_command)


def _interrupted() -> NoReturn:
    exit_interrupted(lambda: console.console(stderr=True).print("interrupted"))


def main() -> None:
    """Entry point: errors become one line on stderr and exit code 2, never a traceback;
    Ctrl-C (once or twice) exits with 130."""
    stop_on_interrupt()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        raise SystemExit(done.exit_code) from None
    except click.ClickException as error:
        error.show()
        raise SystemExit(EXIT_ERROR) from None
    except click.exceptions.Abort as error:
        if isinstance(error.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _interrupted()
        console.console(stderr=True).print("aborted")
        raise SystemExit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        _interrupted()
    except AuditError as error:
        console.error(str(error))
        raise SystemExit(EXIT_ERROR) from None
    except Exception as error:
        console.say(
            "internal error: ",
            f"{type(error).__name__}: {error} (please report it with the command you ran)",
            "red",
        )
        raise SystemExit(EXIT_ERROR) from None


if __name__ == "__main__":
    main()

"""``model-audit runtime``: load the weights a model had at one revision into the next.

Exit codes: 0 every model loads and gives the old revision's outputs, 1 any model does not
(or could not be checked), 2 usage, git or profile error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from auditor.options import output_options, to_stdout, write_output
from auditor.render.formats import formats_of
from auditor.runtime.confirm import DEVICES, confirm
from auditor.runtime.detect import pick_profile
from auditor.runtime.options import python_option
from auditor.runtime.render import table

EXIT_NOT_LOADING = 1


@click.command("runtime")
@click.argument("old")
@click.argument("new")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--profile",
    "profile_name",
    default=None,
    metavar="NAME|FILE",
    help="A shipped profile (auditor/runtime/profiles) or a profile YAML file. Default: the "
    "repository's .model-audit-profile.yaml at NEW, else the shipped profile its layout fits.",
)
@click.option(
    "--device",
    default="auto",
    type=click.Choice(DEVICES),
    show_default=True,
    help="Where to build the models; auto is cuda when torch sees one, else cpu.",
)
@output_options("runtime", "the results")
@click.option("--timeout", type=click.FloatRange(min=1), help="Seconds per worker process.")
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    help="Largest relative output error that still matches (default: the profile's, 1e-4).",
)
@python_option
def runtime_command(
    old: str,
    new: str,
    path: Path,
    profile_name: str | None,
    device: str,
    output_format: str,
    output: Path | None,
    timeout: float | None,
    tolerance: float | None,
    python: str | None,
) -> None:
    """Build the profile's models at OLD and NEW, load OLD's weights into NEW and run them.

    Each revision is materialised from git objects into a temporary folder and built in its
    own Python process (--python: the project's own environment); nothing is checked out and
    nothing is downloaded. This imports and runs the repository's code: run it only on code
    you would run yourself.
    """
    profile = pick_profile(path, new, profile_name)
    report = confirm(
        path, old, new, profile, device, timeout=timeout, tolerance=tolerance, python=python
    )
    if output_format == "table" and to_stdout(output) and sys.stdout.isatty():
        Console(highlight=False).print(table(report))
    else:
        write_output(formats_of("runtime").render(report, output_format), output)
    for name, why in report.skipped:
        click.echo(f"skipped {name}: {why}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not report.all_load:
        raise SystemExit(EXIT_NOT_LOADING)

"""``model-audit runtime``: load the weights a model had at one revision into the next.

Exit codes: 0 every model loads and gives the old revision's outputs, 1 a model does not
(it fails to load, loads only with keys missing, gives other outputs, or fails to build or
run), 2 usage, git or profile error, 3 could not check: no model breaks, but one could not be
checked (a module it needs is not installed, its worker ran past --timeout or died), as
``check-ckpt`` says 3. The JSON says which in ``verdict``.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import console
from auditor.options import output_options, to_stdout, write_output
from auditor.render.formats import formats_of
from auditor.runtime.confirm import DEVICES, confirm
from auditor.runtime.detect import choose_profile
from auditor.runtime.options import (
    device_option,
    profile_option,
    python_option,
    stub_imports_option,
    timeout_option,
    tolerance_option,
)
from auditor.runtime.report_text import table
from auditor.runtime.results import Verdict

EXIT_NOT_LOADING = 1
EXIT_COULD_NOT_CHECK = 3
EXIT_CODES = {
    Verdict.LOADS: 0,
    Verdict.BREAKS: EXIT_NOT_LOADING,
    Verdict.NOT_CHECKED: EXIT_COULD_NOT_CHECK,
}


@click.command("runtime")
@click.argument("old")
@click.argument("new", required=False)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@profile_option()
@click.option(
    "--infer-profile",
    is_flag=True,
    help="Infer the profile from the code at NEW even where the repository's own or a "
    "shipped profile fits.",
)
@click.option(
    "--show-profile",
    is_flag=True,
    help="Print the profile that would be used, as YAML (to commit as "
    ".model-audit-profile.yaml), and build nothing; the arguments are then REV [PATH].",
)
@device_option("Where to build the models; auto is cuda when torch sees one, else cpu.", DEVICES)
@output_options("runtime", "the results")
@timeout_option()
@tolerance_option(
    "Largest relative output error that still matches (default: the profile's, 1e-4)."
)
@python_option
@stub_imports_option
def runtime_command(
    old: str,
    new: str,
    path: Path,
    profile_name: str | None,
    infer_profile: bool,
    show_profile: bool,
    device: str,
    output_format: str,
    output: Path | None,
    timeout: float | None,
    tolerance: float | None,
    python: str | None,
    stub_imports: bool,
) -> None:
    """Build the profile's models at OLD and NEW, load OLD's weights into NEW and run them.

    Each revision is materialised from git objects into a temporary folder and built in its
    own Python process (--python: the project's own environment); nothing is checked out and
    nothing is downloaded. This imports and runs the repository's code: run it only on code
    you would run yourself. A third-party module the code imports but that is not installed
    is stubbed (--no-stub-imports: not), so that the model builds if it does not need it.

    \b
    Exit codes:
      0  every model loads and gives the old revision's outputs
      1  a model breaks: it fails to load, loads only with keys missing, gives other
         outputs, or fails to build or run
      2  usage, git or profile error
      3  could not check: nothing breaks, but a model is unavailable (a module it needs
         is not installed), or its worker ran past --timeout (timeout) or died (crashed)

    Where no profile fits, one is inferred from the code: the nn.Module classes its scripts
    build and save or load the weights of, built as those scripts build them.
    --show-profile prints it (REV [PATH]: the profile at REV).
    """
    if profile_name is not None and infer_profile:
        raise click.UsageError("--infer-profile and --profile exclude each other")
    if show_profile:
        revision, where = _shown(old, new, path)
        chosen = choose_profile(where, revision, profile_name, infer=infer_profile)
        write_output(chosen.text, output)
        return
    if new is None:
        raise click.UsageError("missing argument NEW (only --show-profile takes one revision)")
    chosen = choose_profile(path, new, profile_name, infer=infer_profile)
    profile = chosen.profile
    if chosen.inferred:
        console.inform(f"profile {profile.source} at {new} (runtime --show-profile prints it)")
    with console.activity() as doing:
        doing.stage(f"building the {profile.name} models at {old} and {new}")
        report = confirm(
            path,
            old,
            new,
            profile,
            device,
            timeout=timeout,
            tolerance=tolerance,
            python=python,
            stub_imports=stub_imports,
        )
    table_on_stdout = output_format == "table" and to_stdout(output)
    screen = console.terminal() if table_on_stdout else None
    if screen is not None:
        screen.print(table(report))
    else:
        write_output(formats_of("runtime").render(report, output_format), output)
    if not table_on_stdout:  # the table has a row for each; JSON and files are not read here
        for name, why in report.skipped:
            console.inform(f"skipped {name}: {why}")
    for warning in report.warnings:
        console.warn(warning)
    for m in report.models:
        if not m.outcome.checked:
            click.echo(f"could not check {m.name}: {m.outcome.value}: {m.error}", err=True)
    code = EXIT_CODES[report.verdict]
    if code:
        raise SystemExit(code)


def _shown(old: str, new: str | None, path: Path) -> tuple[str, Path]:
    """The revision and repository ``--show-profile`` is about: REV [PATH] (a second argument
    that is a folder is the repository), or OLD NEW [PATH] (the profile at NEW)."""
    if new is None:
        return old, path
    if path == Path(".") and Path(new).is_dir():
        return old, Path(new)
    return new, path

"""``model-audit migrate``: move a checkpoint to another revision's model, when that can be
done without training.

Exit codes: 0 planned (``--dry-run``) or written and verified; 1 impossible tensors (nothing
written without ``--allow-partial``), or a written file that does not load at the target or
whose exact migration computes otherwise; 2 bad input (a missing checkpoint, a bad revision,
a checkpoint no model holds); 3 could not migrate (an unsafe or unreadable checkpoint, torch
missing, a worker that could not run).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from auditor import console
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint
from auditor.errors import AuditError
from auditor.migrate.build import Worker
from auditor.migrate.migration import Migration, Request, migrate
from auditor.migrate.plan import NewRows, Treatment
from auditor.options import write_output
from auditor.render.formats import formats_of
from auditor.runtime.detect import pick_profile
from auditor.runtime.options import profile_option, python_option, stub_imports_option
from auditor.runtime.process import WorkerError

EXIT_DONE = 0
EXIT_NOT_MIGRATED = 1
EXIT_COULD_NOT = 3
_FORMATS = formats_of("migrate")


def default_output(checkpoint: Path) -> Path:
    """``s2G.pth`` → ``s2G.migrated.pth`` beside it."""
    return checkpoint.with_name(f"{checkpoint.stem}.migrated{checkpoint.suffix}")


@click.command("migrate")
@click.argument("checkpoint", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--to", "target", required=True, metavar="REV", help="The revision to migrate to.")
@click.option(
    "--from",
    "source",
    metavar="REV",
    help="The revision the checkpoint was trained at [default: its provenance manifest's, "
    "else the newest release that loads it].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the migrated checkpoint goes [default: CHECKPOINT with .migrated before its "
    "extension].",
)
@click.option(
    "--model",
    metavar="NAME",
    help="The profile model to migrate to (a variant: sovits@v2) [default: the checkpoint's].",
)
@click.option(
    "--new-rows",
    type=click.Choice([r.value for r in NewRows]),
    default=NewRows.INIT.value,
    show_default=True,
    help="What fills the embedding rows of symbols the old table lacks.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Write even when tensors are impossible (they keep the new model's initialisation).",
)
@profile_option()
@click.option(
    "--format",
    "output_format",
    default=_FORMATS.default.value,
    type=click.Choice(_FORMATS.names),
    show_default=True,
    help="Output format.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the report to this file instead of stdout (- is stdout).",
)
@click.option("--timeout", type=click.FloatRange(min=1), help="Seconds a worker may take.")
@python_option
@stub_imports_option
def migrate_command(
    checkpoint: Path,
    path: Path,
    target: str,
    source: str | None,
    output: Path | None,
    model: str | None,
    new_rows: str,
    dry_run: bool,
    allow_partial: bool,
    profile_name: str | None,
    output_format: str,
    report: Path | None,
    timeout: float | None,
    python: str | None,
    stub_imports: bool,
) -> None:
    """Migrate CHECKPOINT, trained at a revision of the repository at PATH, to the model
    at --to REV, when that needs no training.

    Renamed subtrees are renamed; an embedding whose rows follow a symbol table that grew
    has its rows copied by symbol; new tensors start from the new model's initialisation
    (approximate); tensors the new model lacks are dropped; a learned dimension that changed
    is impossible, and then nothing is written unless --allow-partial. The file keeps its
    container (a GPT-SoVITS version tag, its stored config updated to the new values);
    nothing it brings is executed. The written file is then loaded at REV and run on the
    seeded inputs of the profile against the original at its own revision.

    \b
    Exit codes:
      0  planned (--dry-run), or written and verified
      1  impossible tensors, or the written file does not load or computes otherwise
      2  bad input: a missing checkpoint, a bad revision, a checkpoint no model holds
      3  could not migrate: an unsafe or unreadable checkpoint, torch missing, a worker error
    """
    if not checkpoint.is_file():
        raise AuditError(f"no checkpoint file {checkpoint}")
    destination = output or default_output(checkpoint)
    if not dry_run and destination.resolve() == checkpoint.resolve():
        raise AuditError(f"-o {destination} would overwrite the checkpoint migrated")
    if not dry_run and importlib.util.find_spec("torch") is None:
        click.echo("could not migrate: writing a checkpoint needs torch, not installed", err=True)
        raise SystemExit(EXIT_COULD_NOT)
    profile = pick_profile(path, target, profile_name)
    request = Request(
        checkpoint=checkpoint,
        repository=path,
        target=target,
        profile=profile,
        output=destination,
        source=source,
        model=model,
        new_rows=NewRows(new_rows),
        dry_run=dry_run,
        allow_partial=allow_partial,
        worker=Worker(timeout, python, stub_imports),
    )
    try:
        with console.activity() as doing:
            migration = migrate(request, doing.stage)
    except UnsafeCheckpoint as error:
        click.echo(f"unsafe: {checkpoint}: {error} (refused, nothing was loaded)", err=True)
        raise SystemExit(EXIT_COULD_NOT) from None
    except (CheckpointError, WorkerError) as error:
        click.echo(f"could not migrate: {error}", err=True)
        raise SystemExit(EXIT_COULD_NOT) from None
    write_output(_FORMATS.render(migration, output_format), report)
    raise SystemExit(exit_code(migration))


def exit_code(migration: Migration) -> int:
    """0 planned or written and verified; 1 impossible, or a failed verification."""
    if migration.plan.treatment is Treatment.IMPOSSIBLE and not migration.written:
        return EXIT_NOT_MIGRATED
    found = migration.verification
    if found is None:
        return EXIT_DONE
    if not found.loads:
        return EXIT_NOT_MIGRATED
    exact = migration.plan.treatment is Treatment.EXACT
    return EXIT_NOT_MIGRATED if exact and found.matches is False else EXIT_DONE

"""``model-audit check-ckpt``: will this checkpoint still load at that revision?

The checkpoint is read without running anything it brings; the revision's models are built
on the ``meta`` device in a worker process and their state-dict maps are compared with it.
Exit codes: 0 loads, 1 does not load (or only with ``strict=False``; with ``--range``: the
tip rejects it), 2 usage, git or profile error, 3 could not check (an unsafe or unreadable
checkpoint, torch missing, models that cannot be built or do not fit the checkpoint, a model
that is unavailable, whose worker ran past --timeout or died), as ``runtime`` says 3.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import console
from auditor.checkpoints.bisect import CannotCheck, bisect_checkpoint
from auditor.checkpoints.check import check
from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint
from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.results import BisectResult, BisectVerdict, CheckOutput, CheckResult, Trial
from auditor.options import cache_options, output_options, write_output
from auditor.pipeline import AuditOptions
from auditor.render.formats import formats_of
from auditor.runtime.confirm import WorkerError
from auditor.runtime.detect import pick_profile
from auditor.runtime.inferred import is_inferred
from auditor.runtime.maps import MAP_DEVICES, state_maps
from auditor.runtime.options import (
    device_option,
    profile_option,
    python_option,
    range_option,
    rev_option,
    timeout_option,
)

EXIT_LOADS = 0
EXIT_REJECTED = 1
EXIT_COULD_NOT_CHECK = 3


def _could_not_check(message: str) -> SystemExit:
    click.echo(f"could not check: {message}", err=True)
    return SystemExit(EXIT_COULD_NOT_CHECK)


def _read(path: Path) -> Checkpoint:
    try:
        return read_checkpoint(path)
    except UnsafeCheckpoint as error:
        click.echo(f"unsafe: {path}: {error} (refused, nothing was loaded)", err=True)
        raise SystemExit(EXIT_COULD_NOT_CHECK) from None
    except CheckpointError as error:
        raise _could_not_check(str(error)) from None


def _checked(trial: Trial) -> str:
    verdict = {True: "rejects", False: "accepts", None: "not built"}[trial.rejects]
    return f"checked {trial.commit.short_sha} ({trial.role}): {trial.outcome.value}, {verdict}"


@click.command("check-ckpt")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("path", default=".", type=click.Path(path_type=Path))
@rev_option("check against")
@range_option("whose model rejects the checkpoint")
@profile_option()
@device_option("Where the models are built: meta allocates nothing.", MAP_DEVICES)
@output_options("check-ckpt", "the result")
@timeout_option("the other models are still mapped")
@python_option
@cache_options("Fact cache of the static audit that picks the commits --range checks.")
def check_ckpt_command(
    checkpoint: Path,
    path: Path,
    rev: str | None,
    revision_range: str | None,
    profile_name: str | None,
    device: str,
    output_format: str,
    output: Path | None,
    timeout: float | None,
    python: str | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Check whether CHECKPOINT loads into the models of PATH at a revision.

    The checkpoint's tensor shapes are compared with the state dict of the profile model it
    belongs to, built at REV: keys whose shapes differ, missing and unexpected keys, likely
    renames, and what load_state_dict would do. Its model is the variant its version tag or
    stored config names, else the best key and shape match. With --range A..B, the commits
    that change model facts are bisected to name the first one whose model (the one chosen
    at A) rejects the checkpoint.
    Nothing the checkpoint brings is executed: a file that would need code to load is
    refused with exit code 3.

    \b
    Exit codes:
      0  the checkpoint loads (with --range: at the tip)
      1  it does not load, or only with strict=False (with --range: the tip rejects it)
      2  usage, git or profile error
      3  could not check: an unsafe or unreadable checkpoint, torch missing, no model that
         fits it, or its model could not be built: build-failed, unavailable (a module it
         imports is not installed), timeout or crashed (its worker hung or died)
    """
    if rev is not None and revision_range is not None:
        raise click.UsageError("give --rev or --range, not both")
    read = _read(checkpoint)
    tip = rev or (revision_range.rpartition("..")[2] if revision_range else "") or "HEAD"
    profile = pick_profile(path, tip, profile_name)
    if is_inferred(profile):
        console.inform(f"profile {profile.source} at {tip}")

    def check_at(revision: str, model: str | None = None) -> CheckResult:
        maps = state_maps(path, revision, profile, device=device, timeout=timeout, python=python)
        return check(read, maps, model)

    bisect: BisectResult | None = None
    try:
        if revision_range is None:
            result = check_at(rev or "HEAD")
        else:
            options = AuditOptions(
                cache_dir=cache_dir, use_cache=not no_cache, notify=console.notifier()
            )
            with console.activity() as doing:
                doing.stage(f"checking the checkpoint across {revision_range}")
                bisect = bisect_checkpoint(
                    path, revision_range, check_at, options, lambda t: doing.log(_checked(t))
                )
            result = bisect.check
    except (WorkerError, CannotCheck) as error:
        raise _could_not_check(str(error)) from None
    checked = CheckOutput(read, str(checkpoint), str(path), result, bisect)
    write_output(formats_of("check-ckpt").render(checked, output_format), output)
    raise SystemExit(_exit_code(result, bisect))


def _exit_code(result: CheckResult, bisect: BisectResult | None) -> int:
    if bisect is not None:
        return EXIT_LOADS if bisect.verdict is BisectVerdict.LOADS_AT_TIP else EXIT_REJECTED
    if not result.outcome.checked:
        click.echo(f"could not check: {result.reason}", err=True)
        return EXIT_COULD_NOT_CHECK
    return EXIT_LOADS if result.loads else EXIT_REJECTED

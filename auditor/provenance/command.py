"""``model-audit identify``, ``stamp`` and ``verify``: a checkpoint's identity and provenance.

Exit codes, as ``check-ckpt``'s: 0 fine (identify: the tip loads it, or no repository was
given; stamp: written; verify: the file is the one stamped and the target loads it, as
its stamped model or a variant of it), 1
breaks or mismatch (identify: the tip rejects it; stamp: the revision rejects it, nothing
written; verify: the target rejects it, or the file is not the one stamped), 2 usage, git,
profile or manifest error, 3 could not check (an unsafe or unreadable checkpoint, torch
missing, no model that fits it, a stamped commit the repository lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor import console
from auditor.checkpoints import CheckpointError, UnsafeCheckpoint
from auditor.options import EXISTING_FILE, cache_options, output_options, write_output
from auditor.pipeline import AuditOptions
from auditor.provenance.checker import Building
from auditor.provenance.identify import Identification, Progress, identify
from auditor.provenance.releases import MAX_BISECTS, MAX_RELEASES, Status
from auditor.provenance.stamp import StampRefused, stamp
from auditor.provenance.verify import CannotVerify, Verdict, verify
from auditor.render.formats import formats_of
from auditor.runtime.detect import pick_profile
from auditor.runtime.maps import MAP_DEVICES
from auditor.runtime.options import (
    device_option,
    profile_option,
    python_option,
    stub_imports_option,
)
from auditor.runtime.profile import ProfileError

EXIT_FINE = 0
EXIT_BREAKS = 1
EXIT_COULD_NOT_CHECK = 3
F = TypeVar("F", bound=Callable[..., Any])
_CHECKPOINT = click.Path(exists=True, dir_okay=False, path_type=Path)


def _building_options(command: F) -> F:
    """``--profile``, ``--device``, ``--timeout``, ``--python`` and ``--stub-imports``."""
    for option in reversed(
        [
            profile_option(name="profile_name"),
            device_option("Where the models are built: meta allocates nothing.", MAP_DEVICES),
            click.option(
                "--timeout",
                type=click.FloatRange(min=1),
                help="Seconds a worker may spend on one model.",
            ),
            python_option,
            stub_imports_option,
        ]
    ):
        command = option(command)
    return command


def _building(device: str, timeout: float | None, python: str | None, stubs: bool) -> Building:
    return Building(device=device, timeout=timeout, python=python, stub_imports=stubs)


def _could_not_check(message: str) -> SystemExit:
    click.echo(f"could not check: {message}", err=True)
    return SystemExit(EXIT_COULD_NOT_CHECK)


def _unsafe(path: Path, error: Exception) -> SystemExit:
    click.echo(f"unsafe: {path}: {error} (refused, nothing was loaded)", err=True)
    return SystemExit(EXIT_COULD_NOT_CHECK)


def _audit_options(cache_dir: Path | None, no_cache: bool) -> AuditOptions:
    return AuditOptions(cache_dir=cache_dir, use_cache=not no_cache, notify=console.notifier())


@click.command("identify")
@click.argument("checkpoint", type=_CHECKPOINT)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--tip",
    default="HEAD",
    show_default=True,
    metavar="REV",
    help="The newest revision checked: the releases it reaches, then itself.",
)
@click.option(
    "--max-releases",
    type=click.IntRange(min=1),
    default=MAX_RELEASES,
    show_default=True,
    help="Check at most this many releases (the newest).",
)
@click.option(
    "--max-bisects",
    type=click.IntRange(min=0),
    default=MAX_BISECTS,
    show_default=True,
    help="Name the first commit of at most this many breaks (the oldest).",
)
@_building_options
@output_options("identify", "the identification")
@cache_options("Fact cache of the static audit that picks the commits a bisection checks.")
def identify_command(
    checkpoint: Path,
    path: Path | None,
    tip: str,
    max_releases: int,
    max_bisects: int,
    profile_name: str | None,
    device: str,
    timeout: float | None,
    python: str | None,
    stub_imports: bool,
    output_format: str,
    output: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Say which model CHECKPOINT is and which releases of PATH load it.

    Read without running anything it brings: its container, digests, layout (project,
    model, generation: by its version tag, stored config or tell-tale keys), audio front
    end, and what torch.load(weights_only=True) refuses in it, with the allow-list that
    loads it. Given PATH, the checkpoint is checked against the models of every release
    (the tags REV reaches, oldest first, then REV), the releases that load it are grouped,
    and each break is bisected to its first commit and the fact that breaks it.

    \b
    Exit codes:
      0  read (without PATH), or the tip loads it
      1  the tip does not load it, or only with strict=False
      2  usage, git or profile error
      3  could not check: an unsafe or unreadable checkpoint, torch missing, no release
         whose models could be compared with it
    """
    profile, unprofiled = None, None
    if path is not None:
        try:
            profile = pick_profile(path, tip, profile_name)
        except ProfileError as error:
            if profile_name is not None:
                raise
            unprofiled = str(error)
    try:
        with console.activity() as doing:
            found = identify(
                checkpoint,
                path,
                profile,
                tip=tip,
                building=_building(device, timeout, python, stub_imports),
                options=_audit_options(cache_dir, no_cache),
                max_releases=max_releases,
                max_bisects=max_bisects,
                progress=Progress(doing.stage, doing.log),
                shown=str(checkpoint),
            )
    except UnsafeCheckpoint as error:
        raise _unsafe(checkpoint, error) from None
    except CheckpointError as error:
        raise _could_not_check(str(error)) from None
    if unprofiled is not None:
        found = replace(found, repository=str(path), not_checked=unprofiled)
    write_output(formats_of("identify").render(found, output_format), output)
    raise SystemExit(identify_exit_code(found))


def identify_exit_code(found: Identification) -> int:
    """0 without a repository or when the tip loads it, 1 when the tip rejects it, 3 when
    nothing could be checked at the tip."""
    if found.repository is None:
        return EXIT_FINE
    tip = found.tip
    if tip is None or tip.status is Status.NOT_CHECKED:
        why = found.not_checked or (tip.check.reason if tip else None) or "nothing was checked"
        click.echo(f"could not check: {why}", err=True)
        return EXIT_COULD_NOT_CHECK
    return EXIT_FINE if tip.status is Status.LOADS else EXIT_BREAKS


@click.command("stamp")
@click.argument("checkpoint", type=_CHECKPOINT)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--rev",
    default="HEAD",
    show_default=True,
    metavar="REV",
    help="The revision the checkpoint was trained with.",
)
@click.option("--force", is_flag=True, help="Stamp even when REV's models reject it.")
@click.option("--dry-run", is_flag=True, help="Show the manifest; write nothing.")
@_building_options
@output_options("stamp", "the summary (json: the manifest)")
def stamp_command(
    checkpoint: Path,
    path: Path,
    rev: str,
    force: bool,
    dry_run: bool,
    profile_name: str | None,
    device: str,
    timeout: float | None,
    python: str | None,
    stub_imports: bool,
    output_format: str,
    output: Path | None,
) -> None:
    """Write CHECKPOINT's provenance manifest: trained with PATH at REV.

    The manifest (schemas/manifest.schema.json) goes to CHECKPOINT.model-audit.json, or
    into the header of a safetensors file (its __metadata__; tensor bytes untouched). It
    records the repository URL, the commit and whether the work tree was dirty, the config
    (the checkpoint's own, else the repository's), the audio front end, the versions of
    Python, torch, torchaudio, transformers and every package the project's requirement
    files list (in --python's environment when given), the model and variant (REV's models
    are built and the checkpoint checked against them), a digest of its keys and shapes and
    the file's sha256. A checkpoint REV's models reject is not stamped without --force.

    \b
    Exit codes:
      0  stamped
      1  REV's models reject it: nothing written (--force writes it anyway)
      2  usage, git or profile error
      3  an unsafe or unreadable checkpoint
    """
    try:
        stamped = stamp(
            checkpoint,
            path,
            rev,
            profile=profile_name,
            building=_building(device, timeout, python, stub_imports),
            python=python,
            force=force,
            write=not dry_run,
        )
    except UnsafeCheckpoint as error:
        raise _unsafe(checkpoint, error) from None
    except StampRefused as error:
        click.echo(f"not stamped: {error}", err=True)
        raise SystemExit(EXIT_BREAKS) from None
    except CheckpointError as error:
        raise _could_not_check(str(error)) from None
    write_output(formats_of("stamp").render(stamped, output_format), output)


#: The verdicts of a checkpoint the target loads (exit 0).
_LOADS = (Verdict.FINE, Verdict.LOADS_AS_VARIANT)


@click.command("verify")
@click.argument("checkpoint", type=_CHECKPOINT)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--to",
    "target",
    default="HEAD",
    show_default=True,
    metavar="REV",
    help="The revision to verify the checkpoint against.",
)
@click.option(
    "--manifest",
    "manifest_file",
    type=EXISTING_FILE,
    help="The manifest [default: CHECKPOINT.model-audit.json, else a safetensors header].",
)
@_building_options
@output_options("verify", "the verification")
@cache_options("Fact cache of the static audit from the stamped commit.")
def verify_command(
    checkpoint: Path,
    path: Path,
    target: str,
    manifest_file: Path | None,
    profile_name: str | None,
    device: str,
    timeout: float | None,
    python: str | None,
    stub_imports: bool,
    output_format: str,
    output: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Verify CHECKPOINT against its manifest and PATH at REV.

    The file's sha256 is checked against the manifest's. Then the way from the stamped
    commit to REV is audited: the static findings that concern the checkpoint's model, the
    check at REV (its models built as check-ckpt builds them, when torch is there), the
    first commit that rejects it and the fact that breaks it, what changed in the audio
    front end, the environment (stamped versions against this Python's, or --python's) and
    the project's requirements. Without a manifest, the checkpoint is identified instead
    (as `identify CHECKPOINT PATH --tip REV`).

    \b
    Exit codes:
      0  the file is the one stamped, and REV loads it as the stamped commit does, or
         as another variant of the stamped model (sovits@v1 for sovits)
      1  REV rejects it (or, with no runtime check, a critical finding concerns its
         model), or the file is not the one stamped
      2  usage, git, profile or manifest error
      3  could not check: an unsafe or unreadable checkpoint, a stamped commit PATH lacks,
         no runtime check and no static finding that decides
    """
    try:
        with console.activity() as doing:
            verified = verify(
                checkpoint,
                path,
                target,
                manifest_file=manifest_file,
                profile=profile_name,
                building=_building(device, timeout, python, stub_imports),
                options=_audit_options(cache_dir, no_cache),
                progress=Progress(doing.stage, doing.log),
                counter=doing.counter("commit"),
                shown=str(checkpoint),
            )
    except UnsafeCheckpoint as error:
        raise _unsafe(checkpoint, error) from None
    except (CheckpointError, CannotVerify) as error:
        raise _could_not_check(str(error)) from None
    write_output(formats_of("verify").render(verified, output_format), output)
    if verified.verdict is Verdict.NOT_CHECKED:
        why = verified.runtime_error or (
            verified.identification.not_checked if verified.identification else None
        )
        click.echo(f"could not check: {why or 'nothing decided'}", err=True)
        raise SystemExit(EXIT_COULD_NOT_CHECK)
    raise SystemExit(EXIT_FINE if verified.verdict in _LOADS else EXIT_BREAKS)

"""``model-audit changelog``: the breaking-change changelog of a repository's releases.

Thin like the rest of the CLI: parse options, call the library, write the text to stdout,
``--output`` or between the markers of ``--update FILE``; messages go to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import console
from auditor.changelog.badge import release_badges
from auditor.changelog.build import build_changelog
from auditor.changelog.confirmed import confirm_changelog
from auditor.changelog.contents import ChangelogOutput
from auditor.changelog.matrix import Matrix, build_matrix
from auditor.changelog.update import check_file, update_file
from auditor.classify.concerns import MODEL_MAP, load_model_map
from auditor.domain import Severity
from auditor.errors import AuditError
from auditor.options import (
    cache_options,
    output_options,
    settings_options,
    severity_options,
    write_output,
)
from auditor.pipeline import AuditOptions
from auditor.render.formats import formats_of
from auditor.runtime.confirm import DEVICES
from auditor.runtime.options import device_option, profile_option, python_option


@click.command("changelog")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--from", "old", metavar="REV", help="Start of the section (default: latest tag).")
@click.option("--to", "new", metavar="REV", help="End of the section (default: HEAD, unreleased).")
@click.option("--all-tags", is_flag=True, help="One section per tag, newest first.")
@click.option(
    "--update",
    "update",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write between <!-- model-audit:begin/end --> markers of this file (created if absent).",
)
@click.option(
    "--include-info",
    is_flag=True,
    help="List changes that do not affect checkpoints (the same as --min-severity info).",
)
@click.option(
    "--matrix",
    "matrix_only",
    is_flag=True,
    help="Write the compatibility matrix alone: the checkpoints each release produces, and "
    "whether each later release loads them (Markdown; the JSON always carries it).",
)
@click.option(
    "--confirm",
    is_flag=True,
    help="Confirm the matrix's cells at runtime: build the models at each pair of releases "
    "and load the older one's weights (needs torch; runs the audited code). Without torch "
    "the cells stay static, and a message says so.",
)
@profile_option("With --confirm")
@device_option("With --confirm: where to build the models.", DEVICES)
@python_option
@click.option(
    "--badge",
    "badge_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write an SVG badge per release into this folder (<tag>.svg: "
    '"checkpoints: loads" or "breaks N", from the matrix).',
)
@click.option(
    "--model-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Which model each file concerns (default: the shipped models.yaml).",
)
@severity_options(fail_on=None, min_severity="Leave out entries below this severity.")
@output_options("changelog", "the changelog")
@cache_options()
@settings_options()
def changelog_command(
    path: Path,
    old: str | None,
    new: str | None,
    all_tags: bool,
    update: Path | None,
    include_info: bool,
    matrix_only: bool,
    confirm: bool,
    profile_name: str | None,
    device: str,
    python: str | None,
    badge_dir: Path | None,
    model_map: Path | None,
    min_severity: str,
    output_format: str,
    output: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    config_file: Path | None,
    ignore_file: Path | None,
) -> None:
    """Write the breaking-change changelog of PATH: by default the unreleased changes since
    the latest tag; --all-tags for every release."""
    if all_tags and (old or new):
        raise click.UsageError("--all-tags cannot be combined with --from or --to")
    if matrix_only and all_tags is False and not (old or new):
        console.inform("--matrix over one release: add --all-tags for every release's row")
    if update is not None and (output_format != "markdown" or output is not None):
        raise click.UsageError("--update writes Markdown into its file: drop --format/--output")
    if confirm and not matrix_only and output_format == "markdown":
        raise click.UsageError(
            "--confirm confirms the compatibility matrix: add --matrix (or --format json)"
        )
    if update is not None:
        check_file(update)  # a file it cannot update fails now, not after the audit
    options = AuditOptions(
        cache_dir=cache_dir,
        use_cache=not no_cache,
        config_file=config_file,
        ignore_file=ignore_file,
        notify=console.notifier(),
    )
    with console.activity() as doing:
        changelog, report = build_changelog(
            path,
            all_tags=all_tags,
            old=old,
            new=new,
            options=options,
            progress=doing.counter("commit"),
            model_map=model_map or MODEL_MAP,
            min_severity=Severity.INFO if include_info else Severity(min_severity),
        )
    for warning in report.warnings:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        console.warn(f"{where + ': ' if where else ''}{warning.message}")
    confirmed = None
    if confirm:
        with console.activity() as doing:
            doing.stage("confirming the matrix at runtime")
            confirmed = confirm_changelog(
                path,
                changelog.sections,
                load_model_map(model_map or MODEL_MAP).runtime,
                profile=profile_name,
                device=device,
                python=python,
            )
        for note in confirmed.notes:
            console.warn(note)
    if badge_dir is not None:
        matrix = confirmed.matrix if confirmed else build_matrix(changelog.sections)
        write_badges(badge_dir, matrix)
    shown_info = include_info or min_severity == Severity.INFO.value
    document = ChangelogOutput(changelog, shown_info, matrix_only, confirmed)
    text = formats_of("changelog").render(document, output_format)
    if update is not None:
        changed = update_file(update, text)
        console.inform(f"{update}: {'updated' if changed else 'already up to date'}")
    else:
        write_output(text, output)


def write_badges(folder: Path, matrix: Matrix) -> None:
    """Write the badge of each release of MATRIX into FOLDER (created if absent)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, svg in release_badges(matrix):
            (folder / name).write_text(svg, encoding="utf-8")
    except OSError as error:
        raise AuditError(f"cannot write badges into {folder}: {error.strerror or error}") from None
    console.inform(f"{folder}: {len(matrix.releases)} badges written")

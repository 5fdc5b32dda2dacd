"""``model-audit changelog``: the breaking-change changelog of a repository's releases.

Thin like the rest of the CLI: parse options, call the library, write the text to stdout,
``--output`` or between the markers of ``--update FILE``; messages go to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import console
from auditor.changelog.build import build_changelog
from auditor.changelog.contents import ChangelogOutput
from auditor.changelog.update import check_file, update_file
from auditor.options import cache_options, output_options, settings_options, write_output
from auditor.pipeline import AuditOptions
from auditor.render.formats import formats_of


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
@click.option("--include-info", is_flag=True, help="List changes that do not affect checkpoints.")
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
    if update is not None and (output_format != "markdown" or output is not None):
        raise click.UsageError("--update writes Markdown into its file: drop --format/--output")
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
        )
    for warning in report.warnings:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        console.warn(f"{where + ': ' if where else ''}{warning.message}")
    text = formats_of("changelog").render(ChangelogOutput(changelog, include_info), output_format)
    if update is not None:
        changed = update_file(update, text)
        console.inform(f"{update}: {'updated' if changed else 'already up to date'}")
    else:
        write_output(text, output)

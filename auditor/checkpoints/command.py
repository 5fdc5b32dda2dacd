"""``model-audit ckpt-info``: what a checkpoint holds, read without running its code.

Exit codes: 0 read, 2 unreadable (missing, truncated, not a checkpoint), 3 refused as unsafe.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor.checkpoints.errors import UnsafeCheckpoint
from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.render import render_json, render_table

EXIT_UNSAFE = 3


@click.command("ckpt-info")
@click.argument("checkpoint", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    default="table",
    type=click.Choice(["table", "json"]),
    show_default=True,
    help="A table for people, or JSON (schemas/checkpoint.schema.json).",
)
def ckpt_info_command(checkpoint: Path, output_format: str) -> None:
    """Show CHECKPOINT's format, version tag, container keys and tensor shapes.

    Nothing the file brings is executed and torch is not imported: a pickle that asks for
    anything beyond plain containers and tensors is refused with exit code 3.
    """
    try:
        read = read_checkpoint(checkpoint)
    except UnsafeCheckpoint as error:
        click.echo(f"unsafe: {checkpoint}: {error} (refused, nothing was loaded)", err=True)
        raise SystemExit(EXIT_UNSAFE) from None
    render = render_json if output_format == "json" else render_table
    click.echo(render(read, str(checkpoint)), nl=False)

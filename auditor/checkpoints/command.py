"""``model-audit ckpt-info``: what a checkpoint holds, read without running its code.

Exit codes: 0 read, 2 unreadable (missing, truncated, not a checkpoint), 3 refused as unsafe.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor.checkpoints.checkpoint import CheckpointFile
from auditor.checkpoints.errors import UnsafeCheckpoint
from auditor.checkpoints.reader import read_checkpoint
from auditor.options import output_options, write_output
from auditor.render.formats import formats_of

EXIT_UNSAFE = 3


@click.command("ckpt-info")
@click.argument("checkpoint", type=click.Path(dir_okay=False, path_type=Path))
@output_options("ckpt-info", "the description")
def ckpt_info_command(checkpoint: Path, output_format: str, output: Path | None) -> None:
    """Show CHECKPOINT's format, version tag, container keys and tensor shapes.

    Nothing the file brings is executed and torch is not imported: a pickle that asks for
    anything beyond plain containers and tensors is refused with exit code 3.
    """
    try:
        read = read_checkpoint(checkpoint)
    except UnsafeCheckpoint as error:
        click.echo(f"unsafe: {checkpoint}: {error} (refused, nothing was loaded)", err=True)
        raise SystemExit(EXIT_UNSAFE) from None
    described = CheckpointFile(read, str(checkpoint))
    write_output(formats_of("ckpt-info").render(described, output_format), output)

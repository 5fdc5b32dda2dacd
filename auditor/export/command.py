"""``model-audit export-check``: do the models still export, and where did export break?

Exit codes, as ``runtime`` says them: 0 every model exports (with ``--range``: still at the
tip), 1 a model fails to export or its exported graph differs, or fails to build or run
(with ``--range``: a commit was found at which export breaks), 2 usage, git or profile
error, 3 could not check: nothing breaks, but a model is unavailable, its worker ran past
--timeout or died (with ``--range``: the base or the tip cannot be checked, or commits that
cannot be built hide the first breaking one).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from auditor import console
from auditor.checkpoints.results import Trial
from auditor.export.bisect import CannotSearch, bisect_export
from auditor.export.check import export_check
from auditor.export.drift import copy_drift
from auditor.export.results import ExportBisect, ExportCheck, ExportReport, ExportVerdict
from auditor.options import cache_options, output_options, write_output
from auditor.pipeline import AuditOptions
from auditor.render.formats import formats_of
from auditor.runtime.confirm import DEVICES, WorkerError
from auditor.runtime.detect import pick_profile
from auditor.runtime.options import (
    device_option,
    profile_option,
    python_option,
    range_option,
    rev_option,
    stub_imports_option,
    timeout_option,
    tolerance_option,
)

EXIT_CODES = {ExportVerdict.EXPORTS: 0, ExportVerdict.BREAKS: 1, ExportVerdict.NOT_CHECKED: 3}
EXIT_COULD_NOT_CHECK = 3


def _checked(trial: Trial) -> str:
    verdict = {True: "breaks", False: "exports", None: "not checked"}[trial.rejects]
    return f"exported {trial.commit.short_sha} ({trial.role}): {trial.outcome.value}, {verdict}"


@click.command("export-check")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@rev_option("export")
@range_option("at which a model that exports at A stops exporting")
@profile_option()
@device_option(
    "Where to build and export the models; auto is cuda when torch sees one, else cpu.", DEVICES
)
@output_options("export-check", "the result")
@timeout_option()
@tolerance_option(
    "Largest relative error of an exported graph's outputs that still matches the "
    "model's (default: the profile's, 1e-4)."
)
@python_option
@stub_imports_option
@cache_options("Fact cache of the static audit (export copies' drift; commits --range checks).")
def export_check_command(
    path: Path,
    rev: str | None,
    revision_range: str | None,
    profile_name: str | None,
    device: str,
    output_format: str,
    output: Path | None,
    timeout: float | None,
    tolerance: float | None,
    python: str | None,
    stub_imports: bool,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Export each model of PATH's runtime profile at a revision and run it against itself.

    Each model is built at REV in a worker process (--python: the project's own
    environment), traced with TorchScript on the profile's seeded inference inputs (scripted
    when tracing fails) and exported to ONNX when the onnx package is installed; the exported
    graph and the model run the same inputs, and a second draw of the same shapes, where a
    branch the trace froze shows. Where the project keeps export copies of its classes
    (*_onnx.py), the facts on which each copy drifted from its original are listed. With
    --range A..B, the commits are bisected, as check-ckpt --range does, to name the first
    one at which a model that exports at A stops exporting. This imports and runs the
    repository's code: run it only on code you would run yourself.

    \b
    Exit codes:
      0  every model exports (with --range: still at the tip)
      1  a model fails to export, its graph's outputs differ, or it fails to build or run
         (with --range: a commit at which export breaks was found)
      2  usage, git or profile error
      3  could not check: nothing breaks, but a model is unavailable, or its worker ran
         past --timeout or died (with --range: the base or the tip cannot be checked, or
         commits that cannot be built hide the first breaking one)
    """
    if rev is not None and revision_range is not None:
        raise click.UsageError("give --rev or --range, not both")
    tip = rev or (revision_range.rpartition("..")[2] if revision_range else "") or "HEAD"
    profile = pick_profile(path, tip, profile_name)
    options = AuditOptions(cache_dir=cache_dir, use_cache=not no_cache, notify=console.notifier())

    def export_at(revision: str) -> ExportReport:
        return export_check(
            path,
            revision,
            profile,
            device,
            timeout=timeout,
            tolerance=tolerance,
            python=python,
            stub_imports=stub_imports,
        )

    bisect: ExportBisect | None = None
    try:
        with console.activity() as doing:
            if revision_range is None:
                doing.stage(f"exporting the {profile.name} models at {rev or 'HEAD'}")
                report = export_at(rev or "HEAD")
            else:
                doing.stage(f"searching {revision_range} for the commit that breaks export")
                bisect = bisect_export(
                    path, revision_range, export_at, options, lambda t: doing.log(_checked(t))
                )
                base, _, tip = revision_range.partition("..")
                tip = tip.removeprefix(".")  # A...B
                named = {bisect.base: base or bisect.base, bisect.tip: tip or bisect.tip}
                report = replace(
                    bisect.report, revision=named.get(bisect.report.sha, bisect.report.revision)
                )
            doing.stage("comparing the export copies with their classes")
            report = replace(report, drift=copy_drift(path, report.sha, options))
    except (WorkerError, CannotSearch) as error:
        click.echo(f"could not check: {error}", err=True)
        raise SystemExit(EXIT_COULD_NOT_CHECK) from None
    check = ExportCheck(report, bisect)
    write_output(formats_of("export-check").render(check, output_format), output)
    for m in report.models:
        if not m.outcome.checked:
            click.echo(f"could not check {m.name}: {m.outcome.value}: {m.error}", err=True)
    code = EXIT_CODES[check.verdict]
    if code:
        raise SystemExit(code)

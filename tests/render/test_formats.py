"""One registry of output formats: every report-writing command takes its ``--format``
choices and ``-o/--output`` from it, and every registered format renders."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from auditor import __version__
from auditor.checkpoints.checkpoint import Checkpoint, CheckpointFile, ContainerFormat, TensorInfo
from auditor.cli import cli
from auditor.domain import Report
from auditor.export.results import ExportCheck, ExportReport
from auditor.provenance.identify import FileFacts, Identification
from auditor.provenance.layout import Layout
from auditor.provenance.weights_only import WeightsOnly
from auditor.render.formats import OutputFormat, command_formats, formats_of
from auditor.rules import all_rules
from tests.conftest import validate
from tests.migrate.test_migrate_text import MIGRATION
from tests.provenance.test_stamp_text import STAMPED

#: Commands that write no report of their own: ``ci`` runs the others, ``explain`` shows one
#: rule's documentation (text or Markdown, to the terminal).
NO_REPORT = {"explain", "ci"}
#: The schema each command's JSON follows.
SCHEMAS = {
    "scan": "report",
    "diff": "report",
    "changelog": "changelog",
    "fork": "fork",
    "forks": "fork",
    "runtime": "runtime",
    "check-ckpt": "ckpt-check",
    "ckpt-info": "checkpoint",
    "export-check": "export-check",
    "identify": "identify",
    "stamp": "manifest",
    "verify": "verify",
    "migrate": "migrate",
    "rules": "rules",
}
#: The option that sends a command's report to a file, where ``-o`` names something else:
#: ``migrate -o`` names the migrated checkpoint.
REPORT_OPTION = {"migrate": "--report"}


def _commands() -> dict[str, click.Command]:
    assert isinstance(cli, click.Group)
    return dict(cli.commands)


def _option(command: click.Command, name: str) -> click.Option | None:
    found = [p for p in command.params if isinstance(p, click.Option) and name in p.opts]
    return found[0] if found else None


def test_every_report_writing_command_is_registered() -> None:
    writing = {
        name
        for name, command in _commands().items()
        if _option(command, "--format") and name not in NO_REPORT
    }
    assert writing == set(command_formats())
    assert set(_commands()) - writing == NO_REPORT
    assert set(SCHEMAS) == set(command_formats())


@pytest.mark.parametrize("name", sorted(command_formats()))
def test_format_choices_default_and_output_come_from_the_registry(name: str) -> None:
    command = _commands()[name]
    fmt = _option(command, "--format")
    assert fmt is not None and isinstance(fmt.type, click.Choice)
    formats = formats_of(name)
    assert list(fmt.type.choices) == formats.names
    assert fmt.default == formats.default.value
    output = _option(command, REPORT_OPTION.get(name, "-o"))
    assert output is not None and {"--output", "--report"} & set(output.opts)
    assert isinstance(output.type, click.Path) and output.type.allow_dash
    assert OutputFormat.JSON in formats.renderers, f"{name} has no machine-readable output"


EMPTY = Report(repository="repo", range="v1..v2", commits_scanned=0)
CHECKPOINT = CheckpointFile(
    Checkpoint(
        format=next(iter(ContainerFormat)),
        version_tag=None,
        tensors={"enc_p.emb.weight": TensorInfo("float32", (322, 192))},
        config=None,
        container_keys=("weight",),
    ),
    "G_0.pth",
)
IDENTIFIED = Identification(
    FileFacts(
        file="G_0.pth",
        checkpoint=CHECKPOINT.checkpoint,
        sha256="0" * 64,
        keys_digest="sha256:" + "1" * 64,
        layout=Layout(None, None),
        front_end=(),
        weights_only=WeightsOnly(True, None, (), ()),
    ),
    not_checked="no repository given",
)
SUBJECTS = {
    "scan": EMPTY,
    "diff": EMPTY,
    "rules": all_rules(),
    "ckpt-info": CHECKPOINT,
    "identify": IDENTIFIED,
    "stamp": STAMPED,
    "migrate": MIGRATION,
    "export-check": ExportCheck(ExportReport("repo", "gpt-sovits", "HEAD", "0" * 40, "cpu", ())),
}


@pytest.mark.parametrize(
    ("name", "output_format"),
    [(name, fmt) for name in sorted(SUBJECTS) for fmt in formats_of(name).renderers],
)
def test_every_format_renders_and_json_follows_its_schema(
    name: str, output_format: OutputFormat
) -> None:
    text = formats_of(name).render(SUBJECTS[name], output_format)
    if output_format is OutputFormat.GITHUB:
        assert text == ""  # workflow commands for findings only; the report has none
        return
    assert text.endswith("\n") and text.strip()
    if output_format is OutputFormat.JSON:
        document = json.loads(text)
        validate(document, SCHEMAS[name])
        assert document["$schema"] == f"https://model-audit.dev/schemas/{SCHEMAS[name]}.schema.json"


def test_rules_json_lists_every_rule() -> None:
    document = json.loads(formats_of("rules").render(all_rules(), "json"))
    assert [r["id"] for r in document["rules"]] == [r.id for r in all_rules()]
    assert document["tool"] == {"name": "model-audit", "version": __version__}
    runtime = {r["id"] for r in document["rules"] if r["runtime"]}
    assert runtime == {"MA601", "MA602"}


def test_dash_is_stdout_and_a_file_is_written(tmp_path: Path) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    dashed = runner.invoke(cli, ["rules", "--format", "json", "-o", "-"])
    assert dashed.exit_code == 0 and json.loads(dashed.output)["rules"]
    assert not (Path.cwd() / "-").exists()
    target = tmp_path / "rules.md"
    written = runner.invoke(cli, ["rules", "--format", "markdown", "-o", str(target)])
    assert written.exit_code == 0 and written.output == ""
    assert target.read_text(encoding="utf-8").startswith("# Rule catalogue")

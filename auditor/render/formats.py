"""Every report-writing command's output formats, from one registry.

A format is a value of :class:`OutputFormat`; each command maps the formats it offers to a
pure renderer ``render(subject) -> str`` (the subject is what the command computed: a scan
:class:`~auditor.domain.Report`, a :class:`~auditor.fork.report.ForkReport`, …). The first
format listed is the default. The CLI builds each command's ``--format`` choices from here,
and one test checks that every command and every format has its renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class OutputFormat(str, Enum):
    """The formats users can ask for with ``--format``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    GITHUB = "github"


@dataclass(frozen=True)
class Formats(Generic[T]):
    """The formats one command writes, each with its renderer; the first is the default."""

    renderers: Mapping[OutputFormat, Callable[[T], str]]

    @property
    def default(self) -> OutputFormat:
        return next(iter(self.renderers))

    @property
    def names(self) -> list[str]:
        """The ``--format`` choices, default first."""
        return [fmt.value for fmt in self.renderers]

    def render(self, subject: T, output_format: OutputFormat | str) -> str:
        """SUBJECT in OUTPUT_FORMAT."""
        return self.renderers[OutputFormat(output_format)](subject)


@cache
def command_formats() -> dict[str, Formats[Any]]:
    """Command name → its formats. Imported late: the renderers import the stages."""
    from auditor import __version__
    from auditor.changelog.context import render_json as changelog_json
    from auditor.changelog.markdown import render_markdown as changelog_markdown
    from auditor.changelog.markdown import render_matrix_of as changelog_matrix
    from auditor.checkpoints.check_render import check_document
    from auditor.checkpoints.check_render import render_json as check_json
    from auditor.checkpoints.check_render import render_table as check_table
    from auditor.checkpoints.info_text import render_json as info_json
    from auditor.checkpoints.info_text import render_table as info_table
    from auditor.export import report_text as export_text
    from auditor.fork.document import dumps, fork_document, forks_document
    from auditor.fork.report_text import render_markdown as fork_markdown
    from auditor.fork.report_text import render_table as fork_table
    from auditor.fork.rows import render_rows_markdown, render_rows_text
    from auditor.migrate import migrate_text
    from auditor.provenance import identify_text, stamp_text, verify_text
    from auditor.render import github, json_report, markdown, sarif, table
    from auditor.rules.catalogue_doc import catalogue_json, catalogue_markdown, catalogue_table
    from auditor.runtime.report_text import render_json as runtime_json
    from auditor.runtime.report_text import render_table as runtime_table

    report: Formats[Any] = Formats(
        {
            OutputFormat.TABLE: table.render,
            OutputFormat.JSON: json_report.render,
            OutputFormat.MARKDOWN: markdown.render,
            OutputFormat.SARIF: sarif.render,
            OutputFormat.GITHUB: github.render,
        }
    )
    return {
        "scan": report,
        "diff": report,
        "changelog": Formats(
            {
                OutputFormat.MARKDOWN: lambda c: (
                    changelog_matrix(c.changelog, c.confirmed)
                    if c.matrix_only
                    else changelog_markdown(c.changelog, c.include_info)
                ),
                OutputFormat.JSON: lambda c: changelog_json(
                    c.changelog, c.include_info, c.confirmed
                ),
            }
        ),
        "fork": Formats(
            {
                OutputFormat.TABLE: fork_table,
                OutputFormat.JSON: lambda r: dumps(fork_document(r)),
                OutputFormat.MARKDOWN: fork_markdown,
            }
        ),
        "forks": Formats(
            {
                OutputFormat.TABLE: lambda t: render_rows_text(t.upstream, list(t.rows)),
                OutputFormat.JSON: lambda t: dumps(forks_document(t.upstream, list(t.rows))),
                OutputFormat.MARKDOWN: lambda t: render_rows_markdown(t.upstream, list(t.rows)),
            }
        ),
        "runtime": Formats({OutputFormat.TABLE: runtime_table, OutputFormat.JSON: runtime_json}),
        "check-ckpt": Formats(
            {
                OutputFormat.TABLE: lambda c: check_table(c.checkpoint, c.file, c.check, c.bisect),
                OutputFormat.JSON: lambda c: check_json(
                    check_document(c.checkpoint, c.file, c.path, c.check, c.bisect)
                ),
            }
        ),
        "export-check": Formats(
            {
                OutputFormat.TABLE: export_text.render_table,
                OutputFormat.JSON: export_text.render_json,
            }
        ),
        "ckpt-info": Formats(
            {
                OutputFormat.TABLE: lambda i: info_table(i.checkpoint, i.file),
                OutputFormat.JSON: lambda i: info_json(i.checkpoint, i.file),
            }
        ),
        "identify": Formats(
            {
                OutputFormat.TABLE: identify_text.render_table,
                OutputFormat.JSON: identify_text.render_json,
            }
        ),
        "stamp": Formats(
            {OutputFormat.TABLE: stamp_text.render_table, OutputFormat.JSON: stamp_text.render_json}
        ),
        "verify": Formats(
            {
                OutputFormat.TABLE: verify_text.render_table,
                OutputFormat.JSON: verify_text.render_json,
            }
        ),
        "migrate": Formats(
            {
                OutputFormat.TABLE: migrate_text.render_table,
                OutputFormat.JSON: migrate_text.render_json,
            }
        ),
        "rules": Formats(
            {
                OutputFormat.TABLE: catalogue_table,
                OutputFormat.MARKDOWN: catalogue_markdown,
                OutputFormat.JSON: lambda rules: catalogue_json(rules, __version__),
            }
        ),
    }


def formats_of(command: str) -> Formats[Any]:
    """The formats of COMMAND (a key of :func:`command_formats`)."""
    return command_formats()[command]


__all__ = ["Formats", "OutputFormat", "command_formats", "formats_of"]

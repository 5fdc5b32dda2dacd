"""Report formats: one module per format, each a pure ``render(report) -> str``."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from auditor.domain import Report
from auditor.render import github, json_report, markdown, sarif, table


class OutputFormat(str, Enum):
    """The formats users can ask for with ``--format``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    GITHUB = "github"


RENDERERS: dict[OutputFormat, Callable[[Report], str]] = {
    OutputFormat.TABLE: table.render,
    OutputFormat.JSON: json_report.render,
    OutputFormat.MARKDOWN: markdown.render,
    OutputFormat.SARIF: sarif.render,
    OutputFormat.GITHUB: github.render,
}


def render(report: Report, output_format: OutputFormat) -> str:
    """The report in ``output_format``."""
    return RENDERERS[output_format](report)

"""Report formats of a scan or diff: one module per format, each a pure
``render(report) -> str``. Every command's formats are registered in :mod:`.formats`."""

from __future__ import annotations

from auditor.domain import Report
from auditor.render.formats import OutputFormat, formats_of


def render(report: Report, output_format: OutputFormat | str) -> str:
    """The scan report in ``output_format``."""
    return formats_of("scan").render(report, output_format)


__all__ = ["OutputFormat", "render"]

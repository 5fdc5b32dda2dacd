"""A small SVG badge per release: ``checkpoints | loads`` or ``checkpoints | breaks 2``.

The count is of the checkpoints the previous release produces (per model and generation,
rows of the compatibility matrix) whose cell at the release does not load cleanly: it
fails, loads only with strict=False, or gives other output. With a confirmed matrix the
runtime's cells count. The text is deterministic: fixed widths per character, no fonts
measured, no dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape

from auditor.changelog.matrix import Matrix

LABEL = "checkpoints"
#: Colours of shields.io's flat badges.
GREEN = "#4c1"
RED = "#e05d44"
GREY = "#9f9f9f"
#: Pixels per character of 11px Verdana, near enough for the short words a badge holds.
CHAR_WIDTH = 7
PADDING = 10
BREAKING = ("fails", "migratable", "strict-false", "output-differs")


def release_badges(matrix: Matrix) -> Iterator[tuple[str, str]]:
    """``(file name, SVG)`` for each release of MATRIX, oldest first."""
    for index, release in enumerate(matrix.releases):
        if index == 0:
            message, colour = "first release", GREY
        else:
            previous = matrix.releases[index - 1]
            cells = [row.cells[index] for row in matrix.rows if row.release == previous]
            breaks = sum(1 for cell in cells if cell.status in BREAKING)
            message, colour = (f"breaks {breaks}", RED) if breaks else ("loads", GREEN)
        yield badge_file(release), badge(LABEL, message, colour)


def badge_file(release: str) -> str:
    """``v2.0.svg``: the release's title with what a file name cannot hold replaced."""
    return re.sub(r"[^0-9A-Za-z._-]", "_", release) + ".svg"


def badge(label: str, message: str, colour: str) -> str:
    """A flat two-part badge: LABEL on grey, MESSAGE on COLOUR."""
    left = len(label) * CHAR_WIDTH + PADDING
    right = len(message) * CHAR_WIDTH + PADDING
    width = left + right
    label, message = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'role="img" aria-label="{label}: {message}">\n'
        f"  <title>{label}: {message}</title>\n"
        f'  <rect width="{left}" height="20" fill="#555"/>\n'
        f'  <rect x="{left}" width="{right}" height="20" fill="{colour}"/>\n'
        '  <g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">\n'
        f'    <text x="{left / 2:g}" y="14">{label}</text>\n'
        f'    <text x="{left + right / 2:g}" y="14">{message}</text>\n'
        "  </g>\n"
        "</svg>\n"
    )

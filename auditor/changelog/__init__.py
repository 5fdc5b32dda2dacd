"""Breaking-change changelogs for releases.

``releases`` decides the sections (tags, ranges, the commits of each), ``entries`` groups a
release's findings into entries people read as one change, ``render`` writes Keep-a-Changelog
Markdown, ``context`` a JSON context for templates, and ``update`` writes between the markers
of an existing file; ``build`` runs them in that order around one audit.
"""

from auditor.changelog.build import build_changelog
from auditor.changelog.context import render_json
from auditor.changelog.markdown import render_markdown
from auditor.changelog.update import update_file, update_text

__all__ = ["build_changelog", "render_json", "render_markdown", "update_file", "update_text"]

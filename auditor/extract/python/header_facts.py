"""Facts of the version tags a project writes over saved checkpoints (``checkpoint-format``).

- ``my_save2.header``: the tags the function writes in place of a saved file's first bytes
  (``("03",)``).

Read from :mod:`.checkpoint_headers` (stage 1), in any file: the function that saves
checkpoints is rarely in a model module.
"""

from __future__ import annotations

from auditor.domain import Fact
from auditor.extract.python.kinds import CHECKPOINT_FORMAT, PYTHON_FACT_KINDS
from auditor.extract.python.snapshot import PythonSnapshot


def header_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """The tags each checkpoint-saving function of PATH writes over its files' head."""
    kind = PYTHON_FACT_KINDS[CHECKPOINT_FORMAT]
    tags: dict[str, set[str]] = {}
    lines: dict[str, int] = {}
    for header in snapshot.summary(path).checkpoint_headers:
        tags.setdefault(header.scope, set()).add(header.tag)
        lines.setdefault(header.scope, header.line)
    return [
        Fact(kind, f"{scope}.header", "checkpoint header", tuple(sorted(found)), lines[scope])
        for scope, found in sorted(tags.items())
    ]


__all__ = ["header_facts"]

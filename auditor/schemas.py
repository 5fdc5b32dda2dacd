"""The JSON Schemas of the project's inputs and outputs.

They live in ``schemas/`` at the project root; a built wheel carries a copy inside the package
(``auditor/schema_files/``, written by the build), so an installed tool finds them too.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

#: Where the schemas are: the copy an installed package carries, else the source tree's.
SCHEMA_DIRS = (
    Path(__file__).resolve().parent / "schema_files",
    Path(__file__).resolve().parent.parent / "schemas",
)
ID_BASE = "https://model-audit.dev/schemas/"


def schema_dir() -> Path:
    """The folder the schemas are read from."""
    for folder in SCHEMA_DIRS:
        if (folder / "report.schema.json").is_file():
            return folder
    raise FileNotFoundError(
        "the JSON schemas are missing: looked in " + ", ".join(str(d) for d in SCHEMA_DIRS)
    )


def schema_id(name: str) -> str:
    """The ``$id`` of schema NAME, which every JSON document it describes names as ``$schema``."""
    return f"{ID_BASE}{name}.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``<name>.schema.json`` as a dict."""
    path = schema_dir() / f"{name}.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema

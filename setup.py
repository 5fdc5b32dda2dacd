"""Build hook: the wheel carries the JSON schemas of ``schemas/`` inside the package.

Everything else is declared in pyproject.toml. ``schemas/`` stays at the project root (docs and
other tools link to it); the build copies it to ``auditor/schema_files/`` so an installed
``model-audit`` validates configurations and writes reports without the source tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSchemas(build_py):
    """``build_py`` that also copies ``schemas/*.json`` into the built package."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "schemas"
        target = Path(self.build_lib) / "auditor" / "schema_files"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted(source.glob("*.json")):
            shutil.copyfile(schema, target / schema.name)


setup(cmdclass={"build_py": BuildWithSchemas})

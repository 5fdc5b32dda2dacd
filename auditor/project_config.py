"""The audited project's own settings: ``.model-audit.yaml`` or ``[tool.model-audit]``.

Read from the tip revision's tree (or a file given with ``--config``) and validated against
``schemas/config.schema.json``; an invalid config is an error naming the bad key.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from auditor.domain import Severity
from auditor.errors import ConfigError
from auditor.extract.python import KnownComponent
from auditor.extract.selection import (
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    FileSelection,
    glob_problem,
)
from auditor.schemas import load_schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILE = ".model-audit.yaml"
PYPROJECT = "pyproject.toml"
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ProjectConfig:
    """Settings of one audit; the defaults when the project has none."""

    selection: FileSelection = field(
        default_factory=lambda: FileSelection(DEFAULT_INCLUDE, DEFAULT_EXCLUDE)
    )
    severity: Mapping[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    parameters: Mapping[str, Severity] = field(default_factory=dict)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    #: Content encoders, speaker encoders and vocoders of this project, added to the built-in
    #: list (``auditor/extract/python/known_components.yaml``).
    components: tuple[KnownComponent, ...] = ()
    source: str | None = None


def _location(error: jsonschema.ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def parse_project_config(raw: Any, source: str) -> ProjectConfig:
    """Validate a decoded config mapping and turn it into settings."""
    if raw is None:
        raw = {}
    validator = jsonschema.Draft202012Validator(load_schema("config"))
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        raise ConfigError(f"{source}: invalid value at '{_location(first)}': {first.message}")
    include = tuple(raw.get("include", ()))
    exclude = tuple(raw.get("exclude", ()))
    for name, globs in (("include", include), ("exclude", exclude)):
        for index, glob in enumerate(globs):
            if problem := glob_problem(glob):
                raise ConfigError(
                    f"{source}: invalid value at '{name}.{index}': {glob!r} is not a glob: "
                    f"{problem}"
                )
    if not raw.get("replace_default_globs", False):
        include = DEFAULT_INCLUDE + include
        exclude = DEFAULT_EXCLUDE + exclude
    return ProjectConfig(
        selection=FileSelection(include, exclude),
        severity={rule: Severity(value) for rule, value in raw.get("severity", {}).items()},
        disabled=frozenset(raw.get("disable", ())),
        parameters={name: Severity(value) for name, value in raw.get("parameters", {}).items()},
        max_file_bytes=raw.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES),
        components=tuple(_component(entry) for entry in raw.get("components", ())),
        source=source,
    )


def _component(entry: dict[str, Any]) -> KnownComponent:
    """One ``components`` entry; ``match`` defaults to the name (the schema makes it one)."""
    name = str(entry["name"])
    match = entry.get("match") or [name]
    words = tuple(str(w).lower() for w in entry.get("words") or ())
    return KnownComponent(name, str(entry["role"]), tuple(str(m) for m in match), words)


_TOML_WHERE = re.compile(
    r"(?P<problem>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)",
    re.DOTALL,
)


def _syntax_error(source: str, language: str, where: tuple[int, int], problem: str) -> ConfigError:
    """``FILE:LINE:COLUMN: invalid YAML: PROBLEM``, on one line."""
    line, column = where
    return ConfigError(f"{source}:{line}:{column}: invalid {language}: {' '.join(problem.split())}")


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of OFFSET in TEXT."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _yaml_error(error: yaml.YAMLError, text: str, source: str) -> ConfigError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not valid"
        if error.problem and error.context:
            problem += f" ({error.context})"
        if mark is not None:
            return _syntax_error(source, "YAML", (mark.line + 1, mark.column + 1), problem)
    if isinstance(error, yaml.reader.ReaderError):
        code = error.character
        what = f"#x{code:04x}" if isinstance(code, int) else repr(code)
        problem = f"unacceptable character {what}: {error.reason}"
        return _syntax_error(source, "YAML", _position(text, error.position), problem)
    return ConfigError(f"{source}: invalid YAML: {' '.join(str(error).split())}")


def _toml_error(error: ValueError, text: str, source: str) -> ConfigError:
    match = _TOML_WHERE.fullmatch(str(error))
    if match is None:
        return ConfigError(f"{source}: invalid TOML: {' '.join(str(error).split())}")
    if match["line"] is None:
        return _syntax_error(source, "TOML", _position(text, len(text)), match["problem"])
    where = (int(match["line"]), int(match["column"]))
    return _syntax_error(source, "TOML", where, match["problem"])


def decode_settings(text: str, source: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """The document in TEXT, a settings file named SOURCE: TOML (``*.toml``), JSON
    (``*.json``), else YAML read with LOADER. Invalid syntax is a :class:`ConfigError` that
    says where, in one line: ``audit.yaml:3:7: invalid YAML: mapping values are not allowed
    here``."""
    if source.endswith(".toml"):
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise _toml_error(error, text, source) from None
    if source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise _syntax_error(source, "JSON", (error.lineno, error.colno), error.msg) from None
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as error:
        raise _yaml_error(error, text, source) from None


def _decode(text: str, source: str) -> Any:
    document = decode_settings(text, source)
    if source.endswith(".toml"):
        tool = document.get("tool", {})
        return tool.get("model-audit") if isinstance(tool, dict) else None
    return document


def read_project_config(text: str, source: str) -> ProjectConfig:
    """Settings from the text of ``.model-audit.yaml`` or ``pyproject.toml``."""
    return parse_project_config(_decode(text, source), source)


def load_project_config_file(path: Path) -> ProjectConfig:
    """Settings from a file on disk (``--config``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    return read_project_config(text, str(path))


def find_project_config(files: Mapping[str, bytes | None]) -> ProjectConfig:
    """Settings from the project's own files, given as ``{path: content}`` at the tip.

    ``.model-audit.yaml`` wins over ``pyproject.toml``; a pyproject without a
    ``[tool.model-audit]`` table gives the defaults.
    """
    for name in (CONFIG_FILE, PYPROJECT):
        content = files.get(name)
        if content is None:
            continue
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{name}: not UTF-8 text") from None
        raw = _decode(text, name)
        if raw is None and name == PYPROJECT:
            continue
        return parse_project_config(raw, name)
    return ProjectConfig()

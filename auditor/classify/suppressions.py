"""Suppressions: findings an audited project has reviewed and accepted.

Read from ``.model-audit-ignore.yaml`` at the tip of the audited range (or a file given with
``--ignore-file``) and validated against ``schemas/ignore.schema.json``. A suppression names
one finding by ``id``, or every finding of a ``rule`` narrowed by ``file`` and ``key`` globs;
it says why (``reason``) and may end (``until``, the last day it applies). Suppressed
findings leave the report but are counted; an expired suppression applies no more and a
warning says so.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from auditor.domain import AuditWarning, Finding, Report
from auditor.errors import ConfigError
from auditor.extract.selection import FileSelection, glob_problem
from auditor.project_config import decode_settings
from auditor.schemas import load_schema

IGNORE_FILE = ".model-audit-ignore.yaml"


class _TextDates(yaml.SafeLoader):
    """Safe YAML that leaves ``2025-12-31`` as text: the schema and the parser check it."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Suppression:
    """One entry of the ignore file; ``position`` is its 1-based place there."""

    reason: str
    position: int
    id: str | None = None
    rule: str | None = None
    file: str | None = None
    key: str | None = None
    until: dt.date | None = None

    @property
    def name(self) -> str:
        """How messages name the entry: ``entry 2 (rule MA201)``."""
        what = f"id {self.id}" if self.id else f"rule {self.rule}"
        return f"entry {self.position} ({what})"

    def matches(self, finding: Finding) -> bool:
        if self.id is not None:
            return finding.id == self.id
        if finding.rule != self.rule:
            return False
        if self.file is not None and not FileSelection((self.file,), ()).selects(finding.file):
            return False
        return self.key is None or fnmatch.fnmatchcase(finding.key, self.key)

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and today > self.until


@dataclass(frozen=True)
class Suppressions:
    """The suppressions of one project, and the file they came from."""

    entries: tuple[Suppression, ...] = ()
    source: str | None = None


def _plain(raw: Any) -> Any:
    """YAML reads ``until: 2025-12-31`` as a date; the schema checks text."""
    if isinstance(raw, dict):
        return {key: _plain(value) for key, value in raw.items()}
    if isinstance(raw, list):
        return [_plain(item) for item in raw]
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return raw


def _entry_name(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        for field in ("id", "rule"):
            if isinstance(raw.get(field), str):
                return f"entry {index + 1} ({field} {raw[field]})"
    return f"entry {index + 1}"


def _problem(error: jsonschema.ValidationError, raw: Any) -> str:
    path = list(error.absolute_path)
    if len(path) < 2 or path[0] != "ignore" or not isinstance(path[1], int):
        where = ".".join(map(str, path)) or "(top level)"
        return f"invalid value at '{where}': {error.message}"
    name = _entry_name(raw["ignore"][path[1]], path[1])
    if error.validator == "oneOf" and len(path) == 2:
        return f"{name}: give either 'id', or 'rule' with optional 'file' and 'key'"
    field = f" '{path[2]}'" if len(path) > 2 else ""
    return f"{name}{field}: {error.message}"


def parse_suppressions(raw: Any, source: str) -> Suppressions:
    """Validate a decoded ignore file and turn it into suppressions."""
    raw = _plain({} if raw is None else raw)
    validator = jsonschema.Draft202012Validator(load_schema("ignore"))
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(f"{source}: invalid suppression: {_problem(errors[0], raw)}")
    entries = []
    for index, item in enumerate(raw.get("ignore", ())):
        for field in ("file", "key"):
            problem = glob_problem(item[field], paths=field == "file") if field in item else None
            if problem:
                raise ConfigError(
                    f"{source}: invalid suppression: {_entry_name(item, index)} '{field}': "
                    f"{item[field]!r} is not a glob: {problem}"
                )
        until = None
        if "until" in item:
            try:
                until = dt.date.fromisoformat(item["until"])
            except ValueError:
                name = _entry_name(item, index)
                raise ConfigError(
                    f"{source}: invalid suppression: {name} 'until': "
                    f"{item['until']!r} is not a date (YYYY-MM-DD)"
                ) from None
        entries.append(
            Suppression(
                reason=item["reason"],
                position=index + 1,
                id=item.get("id"),
                rule=item.get("rule"),
                file=item.get("file"),
                key=item.get("key"),
                until=until,
            )
        )
    return Suppressions(tuple(entries), source)


def read_suppressions(text: str, source: str) -> Suppressions:
    """Suppressions from the text of an ignore file (YAML; JSON when SOURCE ends in ``.json``)."""
    return parse_suppressions(decode_settings(text, source, _TextDates), source)


def load_suppressions_file(path: Path) -> Suppressions:
    """Suppressions from a file on disk (``--ignore-file``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read ignore file {path}: {error}") from None
    return read_suppressions(text, str(path))


def find_suppressions(content: bytes | None) -> Suppressions:
    """Suppressions from the project's own ``.model-audit-ignore.yaml`` (None: it has none)."""
    if content is None:
        return Suppressions()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{IGNORE_FILE}: not UTF-8 text") from None
    return read_suppressions(text, IGNORE_FILE)


def apply_suppressions(
    report: Report, suppressions: Suppressions, today: dt.date | None = None
) -> Report:
    """The report without suppressed findings, with their count and expiry warnings."""
    today = today or dt.date.today()
    active = [s for s in suppressions.entries if not s.expired(today)]
    warnings = [
        AuditWarning(
            message=f"{suppressions.source}: suppression {s.name} expired on "
            f"{s.until.isoformat()} and no longer applies ({s.reason})"
        )
        for s in suppressions.entries
        if s.expired(today) and s.until is not None
    ]
    kept = tuple(f for f in report.findings if not any(s.matches(f) for s in active))
    return replace(
        report,
        findings=kept,
        suppressed=report.suppressed + len(report.findings) - len(kept),
        warnings=(*report.warnings, *warnings),
    )

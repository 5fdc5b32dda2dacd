"""Dependency facts from requirements files, conda environments and ``pyproject.toml``.

Every fact has ``kind=dependency``; its key and parameter are the PEP 503 normalised name
(``Torch_Audio`` is ``torch-audio``) and its value the version specifier without spaces
(``==2.1.0``, ``>=1.13,<2``, ``""`` when unpinned). Environment markers are left out of the
value. A direct reference keeps its URL (``@git+https://…@v1``); a wheel URL or path gives
``==`` its version. Within one file the first mention of a name wins. Lines that are not
requirements (options, bare paths, anything unparseable) give no fact.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from auditor.domain import Fact, FactKind, FileFacts
from auditor.extract.text import UnreadableText, decode_text
from auditor.extract.yaml_config import InvalidYAML, compose_yaml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REQUIREMENT = re.compile(rf"(?P<name>{_NAME})\s*(?:\[[^\]]*\])?\s*(?P<rest>.*)", re.DOTALL)
_CLAUSE = re.compile(r"(?:===|~=|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+")
_COMMENT = re.compile(r"(?:^|\s+)#.*$")
_OPTION_TAIL = re.compile(r"\s+--?[A-Za-z].*$")
_EGG = re.compile(rf"[#&]egg=(?P<name>{_NAME})")
_CONDA = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.+-]*)(?P<rest>.*)", re.DOTALL)
_TOML_WHERE = re.compile(
    r"(?P<problem>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def normalize_name(name: str) -> str:
    """The PEP 503 form of a distribution name: lowercase, ``-_.`` runs become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(requirement: str) -> tuple[str, str] | None:
    """The normalised name and value of one PEP 508 requirement or URL, or None."""
    requirement = requirement.strip()
    match = _REQUIREMENT.fullmatch(requirement)
    if match is not None:
        rest = match["rest"]
        if rest.startswith("@"):
            url = re.split(r"\s+;", rest[1:], maxsplit=1)[0].strip()
            return normalize_name(match["name"]), "@" + url
        specifier = "".join(rest.partition(";")[0].split()).strip("()")
        if not specifier or all(_CLAUSE.fullmatch(c) for c in specifier.split(",")):
            return normalize_name(match["name"]), specifier
    return _from_url(requirement)


def _from_url(url: str) -> tuple[str, str] | None:
    egg = _EGG.search(url)
    if egg is not None:
        return normalize_name(egg["name"]), "@" + url.split("#", 1)[0]
    filename = unquote(url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1])
    parts = filename[: -len(".whl")].split("-") if filename.endswith(".whl") else []
    if len(parts) >= 5 and re.fullmatch(_NAME, parts[0]):
        return normalize_name(parts[0]), "==" + parts[1]
    return None


def _requirement_line(line: str) -> tuple[str, str] | None:
    """A requirements-file line (comment already removed) as a name and value, or None."""
    line = line.strip()
    editable = re.match(r"(?:-e|--editable)(?:\s+|=)(?P<target>\S+)", line)
    if editable is not None:
        return _from_url(editable["target"])
    if not line or line.startswith("-"):
        return None
    return parse_requirement(_OPTION_TAIL.sub("", line))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Physical lines joined at trailing backslashes, comments removed, with first line numbers."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\") and not _COMMENT.match(line):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield start, _COMMENT.sub("", "".join(pending))
        pending = []
    if pending:
        yield start, _COMMENT.sub("", "".join(pending))


def _facts(entries: Iterable[tuple[tuple[str, str] | None, int]]) -> FileFacts:
    """Facts from (name and value, line) pairs, keeping the first fact of each name."""
    facts: dict[str, Fact] = {}
    for parsed, line in entries:
        if parsed is not None and parsed[0] not in facts:
            name, value = parsed
            facts[name] = Fact(FactKind.DEPENDENCY, name, name, value, line)
    return FileFacts(facts=tuple(facts[name] for name in sorted(facts)))


def extract_requirements_facts(data: bytes) -> FileFacts:
    """The dependency facts of a pip requirements file (``requirements*.txt``)."""
    try:
        text = decode_text(data)
    except UnreadableText as exc:
        return FileFacts(error=str(exc))
    return _facts((_requirement_line(line), number) for number, line in _logical_lines(text))


def parse_conda_spec(spec: str) -> tuple[str, str] | None:
    """The normalised name and value of a conda match spec (``python=3.10``), or None.

    A single ``=`` pins like ``==``; a build string (``=py310_0``) and a channel prefix
    (``conda-forge::``) are dropped.
    """
    match = _CONDA.fullmatch(spec.strip().rsplit("::", 1)[-1])
    if match is None:
        return None
    rest = match["rest"].strip()
    value = ""
    if rest.startswith("=") and not rest.startswith("=="):
        value = "==" + rest[1:].split()[0].split("=")[0]
    elif rest.startswith("=="):
        value = "==" + rest[2:].split()[0].split("=")[0]
    elif rest:
        version = rest.split()[0]
        value = version if version[0] in "<>!~" else "==" + version
    if value and not all(_CLAUSE.fullmatch(c) for c in value.split(",")):
        return None
    return normalize_name(match["name"]), value


def extract_environment_facts(data: bytes) -> FileFacts:
    """The dependency facts of a conda ``environment.yml``, its ``pip:`` list included."""
    try:
        documents = compose_yaml(decode_text(data))
    except (UnreadableText, InvalidYAML) as exc:
        return FileFacts(error=str(exc))
    root = documents[0] if documents else None
    dependencies = None
    if isinstance(root, MappingNode):
        for key, value in root.value:
            if isinstance(key, ScalarNode) and key.value == "dependencies":
                dependencies = value
    entries: list[tuple[tuple[str, str] | None, int]] = []
    for item in dependencies.value if isinstance(dependencies, SequenceNode) else []:
        if isinstance(item, ScalarNode):
            entries.append((parse_conda_spec(str(item.value)), item.start_mark.line + 1))
        elif isinstance(item, MappingNode):
            for key, value in item.value:
                if key.value == "pip" and isinstance(value, SequenceNode):
                    entries.extend(
                        (_requirement_line(str(line.value)), line.start_mark.line + 1)
                        for line in value.value
                        if isinstance(line, ScalarNode)
                    )
    return _facts(entries)


def extract_pyproject_facts(data: bytes) -> FileFacts:
    """The dependency facts of ``pyproject.toml``: PEP 621 and Poetry dependency tables.

    ``[project].dependencies`` come first, then ``[project.optional-dependencies]`` (one key
    namespace), then ``[tool.poetry.dependencies]``: a string, or a table's ``version``;
    ``*`` is unpinned and a bare version (``2.1.0``) reads ``==2.1.0``. Lines are found by
    searching the text; 0 when not found.
    """
    try:
        text = decode_text(data)
        document = tomllib.loads(text)
    except UnreadableText as exc:
        return FileFacts(error=str(exc))
    except tomllib.TOMLDecodeError as exc:
        return FileFacts(error=_describe_toml_error(exc))
    entries: list[tuple[tuple[str, str] | None, int]] = []
    project = _table(document, "project")
    optional = _table(project, "optional-dependencies")
    for requirements in [project.get("dependencies"), *optional.values()]:
        for requirement in requirements if isinstance(requirements, list) else []:
            if isinstance(requirement, str):
                entries.append((parse_requirement(requirement), _line_of_string(text, requirement)))
    poetry = _table(_table(_table(document, "tool"), "poetry"), "dependencies")
    header = re.search(r"^\s*\[tool\.poetry\.dependencies\]", text, re.MULTILINE)
    for name, constraint in poetry.items():
        line = _line_of_key(text, name, header.end() if header else 0)
        entries.append(((normalize_name(name), _poetry_value(constraint)), line))
    return _facts(entries)


def _table(table: dict[str, object], key: str) -> dict[str, object]:
    value = table.get(key)
    return value if isinstance(value, dict) else {}


def _poetry_value(constraint: object) -> str:
    if isinstance(constraint, list):
        constraint = next((c for c in constraint if isinstance(c, dict)), "")
    if isinstance(constraint, dict):
        constraint = constraint.get("version", "")
    value = "".join(constraint.split()) if isinstance(constraint, str) else ""
    if value == "*":
        return ""
    return "==" + value if value[:1].isdigit() else value


def _line_of_string(text: str, value: str) -> int:
    found = [i for i in (text.find(f'"{value}"'), text.find(f"'{value}'")) if i >= 0]
    return text.count("\n", 0, min(found)) + 1 if found else 0


def _line_of_key(text: str, key: str, start: int) -> int:
    pattern = rf"^\s*[\"']?{re.escape(key)}[\"']?\s*="
    match = re.compile(pattern, re.MULTILINE).search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _describe_toml_error(exc: Exception) -> str:
    message = str(exc)
    match = _TOML_WHERE.fullmatch(message)
    if match is None:
        return f"invalid TOML: {message}"
    if match["line"] is None:
        return f"invalid TOML at the end of the file: {match['problem']}"
    return f"invalid TOML at line {match['line']}, column {match['col']}: {match['problem']}"

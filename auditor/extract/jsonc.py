"""Facts from JSON config files, tolerating the liberties people take with them.

Accepted beyond strict JSON: ``//`` and ``/* */`` comments, trailing commas, a BOM, raw tabs
in strings, and ``NaN`` / ``Infinity`` / ``-Infinity`` (as Python's :mod:`json` accepts them).
Duplicate keys: the last wins. A file holding only whitespace and comments has no facts
(templates are committed empty). The parser is iterative, so nesting depth is checked, never
a stack overflow. Flattening rules are those of :mod:`auditor.extract.flatten`.
"""

from __future__ import annotations

import json
import re
from typing import TypeAlias

from auditor.domain import FileFacts
from auditor.extract.flatten import Located, Tree, flatten
from auditor.extract.text import UnreadableText, decode_text

#: Objects and arrays nested deeper than this are rejected.
MAX_DEPTH = 200

_SKIP = r"(?:[ \t\r\n]+|//[^\n]*|/\*[\s\S]*?\*/)*"
_TOKEN = re.compile(
    _SKIP
    + r"""(?:
    ("[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*")
    |(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    |([{[])
    |([}\]])
    |(,)
    |(:)
    |(true|false|null|NaN|Infinity|-Infinity)
    |(\Z)
    |([\s\S])
    )""",
    re.VERBOSE,
)
_STRING, _NUMBER, _OPEN, _CLOSE, _COMMA, _COLON, _LITERAL, _END, _OTHER = range(1, 10)
_LITERALS: dict[str, Tree] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}

_VALUE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE, _COLON_NEXT, _COMMA_OR_CLOSE, _DONE = range(6)

Container: TypeAlias = "dict[str, Located] | list[Located]"


class _JSONSyntaxError(ValueError):
    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def extract_json_facts(data: bytes) -> FileFacts:
    """The config facts of a JSON (or JSON-with-comments) blob, or why it cannot be read."""
    try:
        text = decode_text(data)
    except UnreadableText as exc:
        return FileFacts(error=str(exc))
    try:
        root = _parse(text)
    except _JSONSyntaxError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        return FileFacts(error=f"invalid JSON at line {line}, column {column}: {exc.message}")
    return FileFacts(facts=flatten(root))


def _parse(text: str) -> Located:
    """The located tree of a JSON-with-comments text; a text with no value is ``{}``."""
    stack: list[Container] = []
    keys: list[str] = []
    state = _VALUE
    root: Located | None = None
    line, line_start = 1, 0
    pos = 0
    match = _TOKEN.match
    while True:
        token = match(text, pos)
        assert token is not None  # the last alternatives match any character and the end
        group = token.lastindex or _END
        start = token.start(group)
        pos = token.end()
        if group == _COMMA and state == _COMMA_OR_CLOSE:
            state = _KEY_OR_CLOSE if isinstance(stack[-1], dict) else _VALUE_OR_CLOSE
            continue
        if group == _COLON and state == _COLON_NEXT:
            state = _VALUE
            continue
        if (
            group == _CLOSE
            and state in (_COMMA_OR_CLOSE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE)
            and (text[start] == "}") == isinstance(stack[-1], dict)
        ):
            stack.pop()
            if stack and isinstance(stack[-1], dict):
                keys.pop()
            state = _COMMA_OR_CLOSE if stack else _DONE
            continue
        if group == _STRING and state == _KEY_OR_CLOSE:
            keys.append(_string(token.group(group), start))
            state = _COLON_NEXT
            continue
        if group in (_STRING, _NUMBER, _LITERAL, _OPEN) and state in (_VALUE, _VALUE_OR_CLOSE):
            line += text.count("\n", line_start, start)
            line_start = start
            raw = token.group(group)
            value: Tree
            if group == _STRING:
                value = _string(raw, start)
            elif group == _NUMBER:
                value = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            elif group == _LITERAL:
                value = _LITERALS[raw]
            elif len(stack) >= MAX_DEPTH:
                raise _JSONSyntaxError(start, f"nested deeper than {MAX_DEPTH} levels")
            else:
                value = {} if raw == "{" else []
            located = (value, line)
            if not stack:
                root = located
            else:
                parent = stack[-1]
                if isinstance(parent, dict):
                    parent[keys[-1]] = located
                else:
                    parent.append(located)
            if isinstance(value, (dict, list)):
                stack.append(value)
                state = _KEY_OR_CLOSE if isinstance(value, dict) else _VALUE_OR_CLOSE
            else:
                if stack and isinstance(stack[-1], dict):
                    keys.pop()
                state = _COMMA_OR_CLOSE if stack else _DONE
            continue
        if group == _END and state == _DONE and root is not None:
            return root
        if group == _END and root is None:
            return {}, 1
        message = _unexpected(text, start, token.group(group), group, state, stack)
        raise _JSONSyntaxError(start, message)


def _string(raw: str, start: int) -> str:
    if "\\" not in raw:
        return raw[1:-1]
    try:
        return str(json.loads(raw, strict=False))
    except json.JSONDecodeError as exc:
        raise _JSONSyntaxError(start + exc.pos, "invalid escape in string") from None


def _unexpected(
    text: str, start: int, token_text: str, group: int, state: int, stack: list[Container]
) -> str:
    close = "}" if stack and isinstance(stack[-1], dict) else "]"
    expected = {
        _VALUE: "a value",
        _VALUE_OR_CLOSE: "a value or ']'",
        _KEY_OR_CLOSE: "a string key or '}'",
        _COLON_NEXT: "':'",
        _COMMA_OR_CLOSE: f"',' or '{close}'",
        _DONE: "the end of the file",
    }[state]
    if group == _END:
        return f"expected {expected}, found the end of the file"
    if group == _OTHER and text.startswith("/*", start):
        return "unterminated /* comment"
    if group == _OTHER and text[start] == '"':
        return "unterminated string"
    found = token_text if len(token_text) <= 20 else token_text[:20] + "..."
    return f"expected {expected}, found {found!r}"

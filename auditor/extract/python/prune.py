"""Which function bodies stage 1 reads, decided before libcst parses the file.

Most of a model file is ``forward`` passes, training loops and helpers whose bodies hold no
fact: only module-level code, class bodies, ``__init__`` and functions that set up audio
front ends, feature sites or config writes are read (see :func:`keeps_function`). The other
bodies are replaced, in the source text, by ``pass`` and as many empty lines as they had, so
every line keeps its number. The standard library's parser finds the bodies (a fraction of
libcst's parse), and libcst then parses about half the text.

``forward`` is read for its data flow (:mod:`.forward_inputs`) even where its body is
stubbed: :func:`forward_sources` gives each alone, under its class's name.
Where the standard library cannot parse the text, :func:`prune_tree` stubs the same bodies
in a libcst tree.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import libcst as cst

from auditor.extract.python.components import Components
from auditor.extract.python.feature_sites import KEEP, LOADER_GIVEN_A_PATH
from auditor.extract.python.syntax import is_main_guard

_FUNCTION_KEEP = re.compile(r"spectrogram|librosa|torchaudio", re.IGNORECASE)
#: ``cfg["model"]["ssl_dim"] =``: a script writing into a config it emits.
CONFIG_WRITE = re.compile(r"""\[\s*(['"])\w+\1\s*\]\s*\[\s*(['"])\w+\2\s*\]\s*=(?!=)""")
#: Python's own line ends (a form feed or ``\x1c`` ends no line).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: The colon that ends a block's header, and what may follow it on its line.
_HEADER_END = re.compile(r":[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)?$")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FORWARD = "forward"


def keeps_function(code: str, components: Components) -> bool:
    """Whether a function body (its source text) is read whole."""
    return bool(
        _FUNCTION_KEEP.search(code)
        or KEEP.search(code)
        or components.pattern.search(code)
        or CONFIG_WRITE.search(code)
    )


def keeps_main(code: str) -> bool:
    """Whether a script's main block is read whole: it writes a config or loads a file."""
    return bool(CONFIG_WRITE.search(code) or LOADER_GIVEN_A_PATH.search(code))


def source_lines(text: str) -> list[str]:
    """TEXT's lines as Python counts them, each with its line end."""
    return _LINE.findall(text)


def pruned_source(lines: list[str], tree: ast.Module, components: Components) -> str:
    """The text of LINES (parsed as TREE) with the bodies stage 1 does not read stubbed."""
    out = list(lines)
    for node, kind in _candidates(tree):
        block = _block(lines, node)
        if block is None:
            continue
        first, last, header = block
        code = header + "".join(lines[first - 1 : _footer_end(lines, last, node)])
        keep = keeps_main(code) if kind == "main" else keeps_function(code, components)
        if not keep:
            _stub(out, lines, first, last, _indent(lines[_body_start(node) - 1]))
    return "".join(out)


def forward_sources(lines: list[str], tree: ast.Module) -> list[tuple[int, str]]:
    """Each ``forward`` method of a top-level class of LINES (parsed as TREE) alone under its
    class's header: (the file's line of the snippet's first line, the snippet)."""
    found: list[tuple[int, str]] = []
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef) or _body_start(cls) <= cls.lineno:
            continue
        for method in cls.body:
            if isinstance(method, _FUNCTIONS) and method.name == FORWARD:
                first = _first_line(method)
                body = "".join(lines[first - 1 : _last_line(method)])
                end = _line_end(lines[first - 1]) or "\n"
                found.append((first - 1, f"class {cls.name}:{end}{body}"))
    return found


def prune_tree(module: cst.Module, components: Components) -> cst.Module:
    """MODULE with the bodies stage 1 does not read stubbed (as :func:`pruned_source`)."""
    body: list[cst.BaseStatement] = []
    changed = False
    for statement in module.body:
        pruned = statement
        if isinstance(statement, cst.FunctionDef):
            pruned = _stub_function(module, statement, components)
        elif isinstance(statement, cst.If) and is_main_guard(statement.test):
            if not keeps_main(module.code_for_node(statement.body)):
                pruned = statement.with_changes(body=_stub_block(module, statement.body))
        elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            members = [
                _stub_function(module, m, components)
                if isinstance(m, cst.FunctionDef) and m.name.value != "__init__"
                else m
                for m in statement.body.body
            ]
            if any(new is not old for new, old in zip(members, statement.body.body, strict=True)):
                pruned = statement.with_changes(body=statement.body.with_changes(body=members))
        changed = changed or pruned is not statement
        body.append(pruned)
    return module.with_changes(body=body) if changed else module


# -- text


def _candidates(tree: ast.Module) -> Iterator[tuple[ast.stmt, str]]:
    """Module-level functions, methods of top-level classes but ``__init__``, and the main
    guard's block."""
    for node in tree.body:
        if isinstance(node, _FUNCTIONS):
            yield node, "function"
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, _FUNCTIONS) and member.name != "__init__":
                    yield member, "function"
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            yield node, "main"


def _is_main_guard(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in ast.walk(test)
    )


def _block(lines: list[str], node: ast.stmt) -> tuple[int, int, str] | None:
    """The first and last line of NODE's indented body, and what follows its header's colon
    on the colon's line; None for a body on the header's own line."""
    body: list[ast.stmt] = node.body  # type: ignore[attr-defined]
    start = _body_start(node)
    colon = start - 1
    while colon > node.lineno and _is_blank_or_comment(lines[colon - 1]):
        colon -= 1
    if colon < node.lineno:
        return None
    match = _HEADER_END.search(lines[colon - 1])
    if match is None:
        return None
    last = max(_last_line(s) for s in body)
    return colon + 1, last, match.group()[1:]


def _body_start(node: ast.stmt) -> int:
    body: list[ast.stmt] = node.body  # type: ignore[attr-defined]
    return _first_line(body[0])


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _last_line(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _footer_end(lines: list[str], last: int, node: ast.stmt) -> int:
    """The last line of the block ending at LAST, with the comments after it that are
    indented deeper than NODE (libcst counts them in the block)."""
    depth = len(_indent(lines[node.lineno - 1]).expandtabs())
    end = at = last
    while at < len(lines):
        line = lines[at]
        at += 1
        if not line.strip():
            continue
        if line.lstrip().startswith("#") and len(_indent(line).expandtabs()) > depth:
            end = at
            continue
        break
    return end


def _stub(out: list[str], lines: list[str], first: int, last: int, indent: str) -> None:
    """Lines FIRST..LAST (a body) become empty lines ending with ``pass``."""
    for number in range(first, last):
        out[number - 1] = _line_end(lines[number - 1])
    out[last - 1] = f"{indent}pass{_line_end(lines[last - 1]) or chr(10)}"


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _line_end(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1] if line and line[-1] in "\r\n" else ""


# -- libcst tree (where the standard library cannot parse the text)


def _stub_function(
    module: cst.Module, function: cst.FunctionDef, components: Components
) -> cst.FunctionDef:
    block = function.body
    if not isinstance(block, cst.IndentedBlock):
        return function
    if keeps_function(module.code_for_node(block), components):
        return function
    return function.with_changes(body=_stub_block(module, block))


def _stub_block(module: cst.Module, block: cst.BaseSuite) -> cst.BaseSuite:
    """``pass`` after as many blank lines as the block had lines."""
    if not isinstance(block, cst.IndentedBlock):
        return block
    code = module.code_for_node(block)
    stub = cst.IndentedBlock(
        body=[cst.SimpleStatementLine([cst.Pass()])],
        header=block.header,
        indent=block.indent,
        footer=block.footer,
    )
    missing = code.count("\n") - module.code_for_node(stub).count("\n")
    if missing < 0:
        return block
    blank = cst.EmptyLine(indent=False)
    padded = cst.SimpleStatementLine([cst.Pass()], leading_lines=[blank] * missing)
    return stub.with_changes(body=[padded])

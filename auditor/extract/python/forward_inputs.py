"""Stage-1 reading of what a class's ``forward`` feeds its layers: the data flow that decides
what trained weights see, with no parameter of its own.

- ``torch.cat([mel, x], dim=1)``: the order of the concatenated operands. The next layer's
  weights were trained on channels in that order; swapping them loads and gives noise.
- ``self.encoder(x * x_mask, x_mask, g=g)``: the keywords a submodule is called with. A
  conditioning input the submodule did not receive before (``g=``) changes its output for the
  same weights.

Only ``forward`` is read (inference methods repeat it), and only the method's own statements
(not nested functions). Plain syntax, no scope analysis: this runs on every module whose
bodies the summary otherwise prunes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from auditor.extract.python.summary import ForwardSite
from auditor.extract.python.syntax import dotted

#: Callees that concatenate tensors along a dimension.
_CONCATENATE = frozenset({"cat", "concat", "concatenate"})
#: The method whose data flow is read.
FORWARD = "forward"


def forward_sites(module: cst.Module, text: str | None = None) -> tuple[ForwardSite, ...]:
    """What the ``forward`` of each top-level class of MODULE (parsed from TEXT) concatenates
    and passes on."""
    readers: list[tuple[str, cst.FunctionDef, _Reader, tuple[int, int]]] = []
    classes = 0
    for statement in module.body:
        if not isinstance(statement, cst.ClassDef):
            continue
        forwards = 0
        for member in statement.body.body:
            if isinstance(member, cst.FunctionDef) and member.name.value == FORWARD:
                reader = _Reader(module)
                member.body.visit(reader)
                if reader.concatenations or reader.calls:
                    readers.append((statement.name.value, member, reader, (classes, forwards)))
                forwards += 1
        classes += 1
    if not readers:
        return ()
    line = _line_finder(module, text, [(where, member) for _, member, _, where in readers])
    found: list[ForwardSite] = []
    for cls, _, reader, where in readers:
        found += [
            ForwardSite(cls, "cat", str(n), operands, line(where, node))
            for n, (operands, node) in enumerate(reader.concatenations)
        ]
        found += [
            ForwardSite(cls, "call", attr, tuple(sorted(keywords)), line(where, node))
            for attr, (keywords, node) in sorted(reader.calls.items())
        ]
    return tuple(found)


#: Finds a node's line: (the k-th top-level class, its j-th ``forward``), the node.
LineOf = Callable[[tuple[int, int], cst.CSTNode], int]


def _line_finder(
    module: cst.Module, text: str | None, methods: list[tuple[tuple[int, int], cst.FunctionDef]]
) -> LineOf:
    """Lines of the nodes in METHODS' bodies, only there being something to say.

    Positions of the whole module cost twice its parse; the standard library's parser gives
    each ``def forward``'s line for a fraction of that, and positions within the method alone
    (the same nodes, no copy) give the rest. Where the two parsers disagree on the classes,
    the whole module's positions are used.
    """
    starts = _forward_lines(module.code if text is None else text)
    if starts is None or any(where not in starts for where, _ in methods):
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return lambda where, node: positions[node].start.line
    within: dict[tuple[int, int], Mapping[cst.CSTNode, CodeRange]] = {}
    for where, method in methods:
        alone = cst.Module(
            body=[method.with_changes(leading_lines=(), decorators=(), lines_after_decorators=())]
        )
        within[where] = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
    return lambda where, node: starts[where] + within[where][node].start.line - 1


def _forward_lines(text: str) -> dict[tuple[int, int], int] | None:
    """The line of the ``def`` of the j-th ``forward`` of the k-th top-level class of TEXT,
    by ``(k, j)``; None where the standard library cannot parse TEXT."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts: dict[tuple[int, int], int] = {}
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    for k, cls in enumerate(classes):
        methods = [
            node
            for node in cls.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == FORWARD
        ]
        for j, method in enumerate(methods):
            starts[k, j] = method.lineno
    return starts


class _Reader(cst.CSTVisitor):
    """The concatenations and submodule calls of one method body (nested defs left out)."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self.concatenations: list[tuple[tuple[str, ...], cst.Call]] = []
        #: attribute -> the keywords of its calls, and its first call
        self.calls: dict[str, tuple[set[str], cst.Call]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            names = {a.keyword.value for a in node.args if a.keyword is not None}
            keywords, _ = self.calls.setdefault(func.attr.value, (set(), node))
            keywords.update(names)
            return
        name = dotted(func)
        if name is None or name.rsplit(".", 1)[-1] not in _CONCATENATE or not node.args:
            return
        first = node.args[0]
        if first.keyword is not None or first.star:
            return
        value = first.value
        if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                return
            operands = tuple(self._text(e.value) for e in value.elements)
            self.concatenations.append((operands, node))

    def _text(self, node: cst.BaseExpression) -> str:
        return "".join(self._module.code_for_node(node).split())

"""Stage-1 reading of what a class's ``forward`` feeds its layers: the data flow that decides
what trained weights see, with no parameter of its own.

- ``torch.cat([mel, x], dim=1)``: the order of the concatenated operands. The next layer's
  weights were trained on channels in that order; swapping them loads and gives noise.
- ``self.encoder(x * x_mask, x_mask, g=g)``: the keywords a submodule is called with. A
  conditioning input the submodule did not receive before (``g=``) changes its output for the
  same weights.

Only ``forward`` is read (inference methods repeat it), and only the method's own statements
(not nested functions). Plain syntax, no scope analysis: this runs on every module whose
bodies the summary otherwise prunes (on each ``forward`` alone, see
:func:`.prune.forward_sources`).
"""

from __future__ import annotations

import libcst as cst

from auditor.extract.python.lines import LineCounter
from auditor.extract.python.summary import ForwardSite
from auditor.extract.python.syntax import dotted
from auditor.extract.python.walk import walk

#: Callees that concatenate tensors along a dimension.
_CONCATENATE = frozenset({"cat", "concat", "concatenate"})
#: The method whose data flow is read.
FORWARD = "forward"


def forward_sites(module: cst.Module, first_line: int = 1) -> tuple[ForwardSite, ...]:
    """What the ``forward`` of each top-level class of MODULE concatenates and passes on;
    MODULE's first line is FIRST_LINE of the file (a snippet of it)."""
    reader = _Reader(module, first_line)
    walk(module, reader)
    found: list[ForwardSite] = []
    for cls, concatenations, calls in reader.methods:
        found += [
            ForwardSite(cls, "cat", str(n), operands, line)
            for n, (operands, line) in enumerate(concatenations)
        ]
        found += [
            ForwardSite(cls, "call", attr, tuple(sorted(keywords)), line)
            for attr, (keywords, line) in sorted(calls.items())
        ]
    return tuple(found)


class _Reader(LineCounter):
    """The concatenations and submodule calls of each top-level class's ``forward`` (nested
    defs left out), with their lines; what lies outside is only counted."""

    def __init__(self, module: cst.Module, first_line: int) -> None:
        super().__init__(first_line)
        self._module = module
        self._classes = {id(s) for s in module.body if isinstance(s, cst.ClassDef)}
        self._members: set[int] = set()
        self._class: cst.ClassDef | None = None
        self._method: cst.FunctionDef | None = None
        self._reading = False
        #: per ``forward``: its class, its concatenations (operands, line) and the keywords
        #: of each submodule it calls (attribute -> keywords, line of the first call)
        self.methods: list[
            tuple[str, list[tuple[tuple[str, ...], int]], dict[str, tuple[set[str], int]]]
        ] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._class is None and id(node) in self._classes:
            self._class = node
            body = node.body
            self._members = (
                {id(m) for m in body.body} if isinstance(body, cst.IndentedBlock) else set()
            )
            return True
        return self._skip(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if original_node is self._class:
            self._class = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if (
            self._class is not None
            and self._method is None
            and id(node) in self._members
            and node.name.value == FORWARD
        ):
            self._method = node
            self.methods.append((self._class.name.value, [], {}))
            return True
        return self._skip(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if original_node is self._method:
            self._method = None

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._reading = node is self._method

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        if node is self._method:
            self._reading = False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return self._skip(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return self._reading or self._skip(node)

    def _skip(self, node: cst.CSTNode) -> bool:
        self.passed_over(node)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if not self._reading:
            return
        _, concatenations, calls = self.methods[-1]
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            names = {a.keyword.value for a in node.args if a.keyword is not None}
            keywords, _ = calls.setdefault(func.attr.value, (set(), self.line(node)))
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
            concatenations.append((operands, self.line(node)))

    def _text(self, node: cst.BaseExpression) -> str:
        return "".join(self._module.code_for_node(node).split())

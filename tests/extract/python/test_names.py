"""Qualified names of callees and bases from the module's own bindings, as libcst's scope
analysis gives them."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from auditor.extract.python.names import QualifiedNames

SOURCE = """\
import torch
import torch.nn as nn
import os.path
from torch.nn import functional as F
from . import commons
from .modules import ResBlock as Block
from ..text import symbols

try:
    from fast import kernel
except ImportError:
    kernel = None

SCALE = 2
model = None


def load(path):
    global model
    model = build(path)
    model.half().to("cuda")
    files = [f for f in os.listdir(path) if f.endswith(".pth")]
    return any(s.strip() for s in files), torch.load(path)


class Generator(nn.Module):
    V = 4

    def __init__(self, hidden, **kwargs):
        super().__init__()
        layer = nn.Conv1d
        self.pre = layer(hidden, hidden, 1)
        self.blocks = nn.ModuleList([Block(hidden) for _ in range(SCALE)])
        self.emb = nn.Embedding(len(symbols.table), hidden)
        self.conv = nn.Conv1d(hidden, hidden, 1)
        self.act = F.leaky_relu(self.conv.weight)
        self.up = commons.init_weights(os.path.join("a", "b"), kernel(V))
        self.post = Generator.make(hidden)

    def make(self):
        def inner(x):
            nonlocal hidden_size
            hidden_size = x
            return hidden_size.view(1)
        hidden_size = 1
        return inner(torch.zeros(hidden_size))


from g2p import G2p

default = G2p()
G2p = Generator
"""


def _callees(source: str) -> list[tuple[str, str, str]]:
    """(callee text, libcst's first qualified name or "", ours) for every call, in order."""
    module = cst.parse_module(source)
    provided = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    names = QualifiedNames(module)
    found: list[tuple[str, str, str]] = []

    class Walk(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            names.at(node)

        def visit_If(self, node: cst.If) -> None:
            names.at(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            names.at(node)

        def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
            names.enter(node)

        def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
            names.leave()

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            names.at(node)
            names.enter(node)

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
            names.leave()

        def visit_ListComp(self, node: cst.ListComp) -> None:
            names.enter(node)

        def leave_ListComp(self, original_node: cst.ListComp) -> None:
            names.leave()

        def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
            names.enter(node)

        def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
            names.leave()

        def visit_Call(self, node: cst.Call) -> None:
            given = provided.get(node.func, set())
            expected = sorted(q.name for q in (given() if callable(given) else given))
            text = cst.Module([]).code_for_node(node.func)
            found.append((text, expected[0] if expected else "", names.of(node.func)))

    module.visit(Walk())
    return found


def test_every_callee_is_named_as_libcst_names_it() -> None:
    found = _callees(SOURCE)
    assert [(text, ours) for text, _, ours in found] == [
        (text, libcst) for text, libcst, _ in found
    ]


@pytest.mark.parametrize(
    ("callee", "qualified"),
    [
        ("nn.Conv1d", "torch.nn.Conv1d"),
        ("os.path.join", "os.path.join"),
        ("F.leaky_relu", "torch.nn.functional.leaky_relu"),
        ("Block", ".modules.ResBlock"),
        ("commons.init_weights", ".commons.init_weights"),
        ("len", "builtins.len"),
        ("kernel", "fast.kernel"),
        ("build", ""),
        ("model.half().to", "model.half.to"),
        ("f.endswith", "load.<locals>.<comprehension>.f.endswith"),
        ("layer", "Generator.__init__.<locals>.layer"),
        ("super().__init__", "builtins.super"),
        ("Generator.make", "Generator.make"),
        ("hidden_size.view", "Generator.make.<locals>.hidden_size.view"),
        ("G2p", "g2p.G2p"),  # read before the module binds the name again
    ],
)
def test_imports_locals_builtins_and_declarations(callee: str, qualified: str) -> None:
    ours = {text: name for text, _, name in _callees(SOURCE)}
    assert ours[callee] == qualified


def test_class_bodies_are_not_seen_from_their_methods() -> None:
    ours = {text: name for text, _, name in _callees(SOURCE)}
    assert ours["kernel"] == "fast.kernel"  # kernel(V): V is the class's, not __init__'s
    source = "class A:\n    f = print\n    def g(self):\n        return f()\n"
    assert _callees(source) == [("f", "", "")]

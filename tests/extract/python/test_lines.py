"""Lines counted along a walk are those libcst's PositionProvider gives."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.extract.python.lines import LineCounter, newlines
from auditor.extract.python.walk import walk

SOURCE = '''\
# a comment
"""A docstring
over lines."""
import torch


@torch.no_grad(
    True
)

@staticmethod
class Model(torch.nn.Module):
    x = (
        1 + \\
        2
    )

    def __init__(self,
                 hidden=192,
                 *rest, **kwargs):
        note = f"""{hidden}
        {rest}"""
        self.pre = (
            torch.nn.Conv1d(
                hidden,
                kernel_size=3))
        for i in range(3): pass
        del self.pre
        picked = {"layer": -1}[
            "layer"]
'''

KINDS = (
    cst.ClassDef,
    cst.FunctionDef,
    cst.Call,
    cst.Assign,
    cst.Import,
    cst.For,
    cst.Del,
    cst.Dict,
    cst.Subscript,
    cst.Arg,
    cst.Param,
)


class Lines(LineCounter):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, int]] = []

    def on_any(self, node: cst.CSTNode) -> None:
        if isinstance(node, KINDS):
            self.found.append((type(node).__name__, self.line(node)))


def _hook(name: str) -> object:
    own = LineCounter.__dict__.get(name)  # the counter's own hook (Arg, Param), if any

    def hook(self: Lines, node: cst.CSTNode) -> None:
        self.on_any(node)
        if own is not None:
            own(self, node)

    return hook


for _kind in KINDS:
    setattr(Lines, f"visit_{_kind.__name__}", _hook(f"visit_{_kind.__name__}"))


def test_every_node_starts_where_the_position_provider_says() -> None:
    module = cst.parse_module(SOURCE)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    expected = [
        (type(node).__name__, positions[node].start.line)
        for node in _in_order(module)
        if isinstance(node, KINDS)
    ]
    counted = Lines()
    walk(module, counted)
    assert counted.found == expected
    assert ("Param", 19) in expected and ("Arg", 25) in expected  # lines past their owner's


def _in_order(module: cst.Module) -> list[cst.CSTNode]:
    seen: list[cst.CSTNode] = []

    class Order(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            seen.append(node)
            return True

    module.visit(Order())
    return seen


@dataclass(frozen=True)
class Placed:
    name: str
    line: int
    inner: tuple[Placed, ...] = ()


def test_a_node_asked_about_before_the_walk_reaches_it_gets_its_line_after() -> None:
    module = cst.parse_module("f(\n    a,\n    b=1)\n")
    call = module.body[0].body[0].value  # type: ignore[attr-defined]
    counter = LineCounter()
    ahead = [counter.line_ahead(arg) for arg in call.args]
    assert ahead == [-1, -2]
    walk(module, counter)
    placed = Placed("call", 1, (Placed("a", ahead[0]), Placed("b", ahead[1])))
    assert counter.resolved(placed) == Placed("call", 1, (Placed("a", 2), Placed("b", 3)))
    assert counter.line_ahead(call.args[1]) == 3  # once walked, the line itself


def test_line_ends_are_counted_as_python_counts_them() -> None:
    assert newlines("a\nb\r\nc\rd\x0ce") == 3

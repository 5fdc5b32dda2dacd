"""The read-only walk calls a visitor's hooks exactly as libcst's own visit does."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from auditor.extract.python.walk import child_fields, walk

#: Syntax of many kinds: decorators, async, comprehensions, f-strings, match, walrus,
#: lambdas, star-args, try/except*/finally, with, global, slices, annotations.
SOURCE = '''\
"""Docstring."""
from __future__ import annotations
import torch.nn as nn
from . import (a, b as c)


@decorator(x=1)
class Model(nn.Module, metaclass=Meta):
    table: dict[str, int] = {"a": 1, **other}

    def __init__(self, *args, hidden: int = 192, **kwargs) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv1d(hidden, hidden, k) for k in (3, 5) if k])
        self.f = lambda x, *y, z=1: (x, *y, z)
        if (n := len(args)) > 1 and not kwargs or hidden is None:
            raise ValueError(f"{n!r:>10} {hidden=}")
        elif hidden:
            del self.f, args[0:2:1]
        else:
            pass

    async def forward(self, x):
        async with lock as held, other():
            async for y in stream:
                await y
        try:
            return x[..., ::2] @ self.w ** -1
        except* (TypeError, ValueError) as error:
            global counter
            counter += 1
        finally:
            yield from {k: v for k, v in x.items()}


match command.split():
    case [name, *rest] if rest:
        print(name)
    case {"key": value, **others}:
        pass
    case Point(x=0) | None:
        pass
    case _:
        pass
'''


#: Hooks of a node's field that the stage-1 visitors use (libcst skips some others where
#: the field is empty; no visitor here relies on those).
FIELD_HOOKS = {
    f"{when}_{node}_{field}"
    for when in ("visit", "leave")
    for node, field in (("If", "body"), ("If", "orelse"), ("FunctionDef", "body"))
}


def _recorder() -> tuple[cst.CSTVisitor, list[tuple[str, str]]]:
    """A visitor with every node hook (and the field hooks used) defined, logging each call."""
    events: list[tuple[str, str]] = []

    def hook(name: str) -> object:
        def record(self: cst.CSTVisitor, node: cst.CSTNode) -> None:
            events.append((name, type(node).__name__))

        return record

    names = [
        n
        for n in dir(cst.CSTVisitor)
        if n.startswith(("visit_", "leave_")) and (n.count("_") == 1 or n in FIELD_HOOKS)
    ]
    recorder = type("Recorder", (cst.CSTVisitor,), {n: hook(n) for n in names})
    return recorder(), events


def _same_calls(source: str) -> None:
    module = cst.parse_module(source)
    by_libcst, expected = _recorder()
    module.visit(by_libcst)
    by_walk, found = _recorder()
    walk(module, by_walk)
    assert found == expected


def test_hooks_are_called_in_libcst_s_order() -> None:
    _same_calls(SOURCE)


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parents[3] / "auditor" / "extract").rglob("*.py"))[:12]
)
def test_real_modules_are_walked_as_libcst_walks_them(path: Path) -> None:
    _same_calls(path.read_text(encoding="utf-8"))


def test_a_visit_hook_returning_false_skips_the_children() -> None:
    seen: list[str] = []

    class Names(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            seen.append(node.value)

    walk(cst.parse_module("a = b\ndef f(c):\n    d\ne\n"), Names())
    assert seen == ["a", "b", "e"]


def test_children_are_named_in_source_order() -> None:
    assert child_fields(cst.Call) == (
        "lpar",
        "func",
        "whitespace_after_func",
        "whitespace_before_args",
        "args",
        "rpar",
    )

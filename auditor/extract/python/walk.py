"""A read-only walk over a libcst tree that calls a visitor's hooks as ``node.visit`` does.

libcst's own ``visit`` rebuilds and re-validates every node on the way back up, even for a
visitor that changes nothing: for stage 1 that doubles the cost of reading a module.
:func:`walk` calls the same ``visit_``/``leave_`` hooks (and the ``visit_Node_field``
ones) in the same order, skips children where a ``visit_`` hook returns False, and builds
nothing. The order of each node's children is libcst's own: the order in which its
``_visit_and_replace_children`` names its fields. A node type whose order cannot be read
that way is visited by libcst itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import cache

import libcst as cst

Hook = Callable[[cst.CSTNode], object]
#: visit hook, leave hook, per field (visit hook, leave hook), field order
_Hooks = tuple[
    Hook | None, Hook | None, dict[str, tuple[Hook | None, Hook | None]], tuple[str, ...] | None
]


_DISPATCH = ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Visit NODE and its subtree with VISITOR (as ``node.visit(visitor)``, read only)."""
    if any(getattr(type(visitor), d) is not getattr(cst.CSTVisitor, d) for d in _DISPATCH):
        node.visit(visitor)  # a visitor that dispatches its own way
        return
    _Walk(visitor).walk(node)


@cache
def child_fields(cls: type[cst.CSTNode]) -> tuple[str, ...] | None:
    """The fields of CLS that hold children, in the order libcst visits them."""
    method = cls.__dict__.get("_visit_and_replace_children")
    code = getattr(method, "__code__", None)
    if code is None:
        return None
    names = {f.name for f in fields(cls)}
    ordered = dict.fromkeys(c for c in code.co_consts if isinstance(c, str) and c in names)
    return tuple(ordered)


class _Walk:
    def __init__(self, visitor: cst.CSTVisitor) -> None:
        self._visitor = visitor
        self._hooks: dict[type[cst.CSTNode], _Hooks] = {}

    def walk(self, node: cst.CSTNode) -> None:
        hooks = self._hooks.get(type(node))
        if hooks is None:
            hooks = self._hooks[type(node)] = self._hooks_of(type(node))
        visit, leave, around, order = hooks
        if order is None:
            node.visit(self._visitor)
            return
        if visit is None or visit(node) is not False:
            for name in order:
                value = getattr(node, name)
                before, after = around.get(name, (None, None))
                if before is not None:
                    before(node)
                if isinstance(value, cst.CSTNode):
                    self.walk(value)
                elif isinstance(value, (tuple, list)):
                    for item in value:
                        if isinstance(item, cst.CSTNode):
                            self.walk(item)
                if after is not None:
                    after(node)
        if leave is not None:
            leave(node)

    def _hooks_of(self, cls: type[cst.CSTNode]) -> _Hooks:
        order = child_fields(cls)
        name = cls.__name__
        around: dict[str, tuple[Hook | None, Hook | None]] = {}
        for field in order or ():
            hooks = (self._own(f"visit_{name}_{field}"), self._own(f"leave_{name}_{field}"))
            if hooks != (None, None):
                around[field] = hooks
        return self._own(f"visit_{name}"), self._own(f"leave_{name}"), around, order

    def _own(self, hook: str) -> Hook | None:
        """The visitor's HOOK, unless it is libcst's do-nothing default."""
        mine = getattr(type(self._visitor), hook, None)
        if mine is None or mine is getattr(cst.CSTVisitor, hook, None):
            return None
        bound: Hook = getattr(self._visitor, hook)
        return bound

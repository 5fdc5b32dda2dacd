"""The versions under which a module's code reaches a use of some names.

A variant's values (``v2Pro``) are compared with a version variable in the code that runs:
``if model_version in {"v2Pro", "v2ProPlus"}: init_sv()`` reaches ``init_sv`` only for
those two. A use sits under the conditions of the branches around it; a use inside a
function is reached where the function's callers are (``__init__`` where its class is
built), so a helper called only under a version test is guarded by it too. A condition is
a version test when the strings it compares with name variants (``in`` against literals or
a module-level set of them, one of which is a variant's value: the code may name variants
a release does not ship; ``==`` a value; ``"Pro" in version``); a name
assigned such a test (``is_v2pro = version in pro_set``, ``self.is_v2pro = ...``) is one,
and ``not``, ``and``, ``or``, ``== True`` and ``else`` compose them. Anything else decides
nothing, so a use reached otherwise is reached for every variant.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Iterator

#: The variants' values under which code is reached (None: every variant, unguarded).
Values = frozenset[str] | None

_DEPTH = 6


def use_conditions(module: ast.Module, names: Collection[str], universe: frozenset[str]) -> Values:
    """The values of UNIVERSE under which MODULE (parsed) reaches a use of NAMES: their
    union over every use, None when some use is unguarded, the empty set when nothing uses
    them."""
    return _Module(module, universe).reached(names)


def branch_taken(text: str, value: str, universe: frozenset[str]) -> str:
    """What a conditional expression on the version (``1.875 if self.version == 'v3' else
    2``) is for the variant VALUE, as text (``1.875``, a literal as JSON); TEXT unchanged
    where it is no such expression or the test decides nothing."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return text
    module = _Module(ast.Module(body=[], type_ignores=[]), universe)
    taken = False
    while isinstance(node, ast.IfExp):
        holds = module._condition(node.test, 0)
        if holds is None:
            break
        node, taken = (node.body if value in holds else node.orelse), True
    if not taken:
        return text
    if isinstance(node, ast.Constant):
        return json.dumps(node.value, ensure_ascii=False)
    return ast.unparse(node)


class _Module:
    def __init__(self, tree: ast.Module, universe: frozenset[str]) -> None:
        self.tree = tree
        self.universe = universe
        self.parents: dict[ast.AST, ast.AST] = {}
        self.bindings: dict[str, list[ast.expr]] = {}
        self.calls: dict[str, list[ast.Call]] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self.bindings.setdefault(ast.unparse(target), []).append(node.value)
            elif isinstance(node, ast.Call):
                callee = node.func
                name = callee.id if isinstance(callee, ast.Name) else None
                if isinstance(callee, ast.Attribute):
                    name = callee.attr
                if name is not None:
                    self.calls.setdefault(name, []).append(node)

    def reached(self, names: Collection[str]) -> Values:
        found: frozenset[str] = frozenset()
        for node in self._uses(names):
            values = self._reach(node, 0, frozenset())
            if values is None:
                return None
            found |= values
        return found

    def _uses(self, names: Collection[str]) -> Iterator[ast.AST]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id in names:
                yield node

    def _reach(self, node: ast.AST, depth: int, seen: frozenset[ast.AST]) -> Values:
        """The values under which NODE runs: the branches around it, then its function's
        callers."""
        values: Values = None
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.If | ast.IfExp) and child is not parent.test:
                test = self._condition(parent.test, 0)
                if test is not None:
                    branch = child in _body(parent)
                    values = _both(values, test if branch else self.universe - test)
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return _both(values, self._callers(parent, depth, seen))
            child, parent = parent, self.parents.get(parent)
        return values

    def _callers(self, function: ast.AST, depth: int, seen: frozenset[ast.AST]) -> Values:
        assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        if depth >= _DEPTH or function in seen:
            return None
        name = function.name
        if name == "__init__":
            owner = self.parents.get(function)
            if not isinstance(owner, ast.ClassDef):
                return None
            name = owner.name
        elif name.startswith("__"):
            return None
        sites = [s for s in self.calls.get(name, []) if not _inside(s, function, self.parents)]
        if not sites:  # called from elsewhere: by whatever runs
            return None
        found: frozenset[str] = frozenset()
        for site in sites:
            values = self._reach(site, depth + 1, seen | {function})
            if values is None:
                return None
            found |= values
        return found

    def _condition(self, test: ast.expr, depth: int) -> Values:
        """The values for which TEST holds, when it is a version test; else None."""
        if depth > _DEPTH:
            return None
        if isinstance(test, ast.BoolOp):
            parts = [self._condition(v, depth + 1) for v in test.values]
            if isinstance(test.op, ast.And):
                known = [p for p in parts if p is not None]
                return frozenset.intersection(*known) if known else None
            if any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._condition(test.operand, depth + 1)
            return None if inner is None else self.universe - inner
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._compare(test.left, test.ops[0], test.comparators[0], depth)
        if isinstance(test, ast.Name | ast.Attribute):
            bound = self.bindings.get(ast.unparse(test), [])
            parts = [self._condition(value, depth + 1) for value in bound]
            if not parts or any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        return None

    def _compare(self, left: ast.expr, op: ast.cmpop, right: ast.expr, depth: int) -> Values:
        negated = isinstance(op, ast.NotEq | ast.IsNot | ast.NotIn)
        found: Values = None
        if isinstance(op, ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
            for side, other in ((left, right), (right, left)):
                if isinstance(other, ast.Constant) and isinstance(other.value, bool):
                    inner = self._condition(side, depth + 1)
                    if inner is not None and not other.value:
                        inner = self.universe - inner
                    found = inner
                    break
                if isinstance(other, ast.Constant) and isinstance(other.value, str):
                    if other.value in self.universe:
                        found = frozenset({other.value})
                    break
        elif isinstance(op, ast.In | ast.NotIn):
            if isinstance(left, ast.Constant) and isinstance(left.value, str):
                inside = frozenset(u for u in self.universe if left.value in u)
                found = inside or None
            else:
                members = self._strings(right, depth)
                if members and members & self.universe:
                    found = members & self.universe
        if found is None:
            return None
        return self.universe - found if negated else found

    def _strings(self, node: ast.expr, depth: int) -> frozenset[str] | None:
        """The strings of a literal collection (or a name bound to one), else None."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("set", "frozenset", "tuple", "list")
            and len(node.args) == 1
        ):
            return self._strings(node.args[0], depth + 1)
        if isinstance(node, ast.Set | ast.List | ast.Tuple):
            items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(items) == len(node.elts) and all(isinstance(i, str) for i in items):
                return frozenset(str(i) for i in items)
            return None
        if isinstance(node, ast.Name) and depth <= _DEPTH:
            bound = self.bindings.get(node.id, [])
            if len(bound) == 1:
                return self._strings(bound[0], depth + 1)
        return None


def _body(node: ast.If | ast.IfExp) -> list[ast.AST]:
    return [node.body] if isinstance(node, ast.IfExp) else list(node.body)


def _inside(node: ast.AST, function: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether NODE lies in FUNCTION (a recursive call guards nothing)."""
    current = parents.get(node)
    while current is not None:
        if current is function:
            return True
        current = parents.get(current)
    return False


def _both(first: Values, second: Values) -> Values:
    if first is None:
        return second
    if second is None:
        return first
    return first & second

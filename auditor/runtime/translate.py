"""A script's construction call in the term language of a runtime profile.

``SynthesizerTrn(len(symbols), hps.data.filter_length // 2 + 1, n_speakers=hps.data.n_speakers,
**hps.model)`` becomes args ``[178, "hps.data.filter_length // 2 + 1"]``, kwargs
``{n_speakers: "hps.data.n_speakers"}`` and splat ``["hps.model"]``:

- the config the script reads (whatever it calls it: ``hps``, ``config``, ``cfg``) is ``hps``;
  ``cfg["model"]["x"]`` is ``hps.model.x``;
- integers, ``+ - * //`` and unary minus stay expressions; other literals are literals;
- ``len(hps.symbols)`` stays an expression; ``getattr(hps, "k", 3)`` is
  ``{first: [hps.k, 3]}`` (and ``len`` of one with a literal default, likewise);
- a local of the scope (``spec_channels = ...``) is replaced by its value;
- anything else the repository fixes (``len(symbols)``, a module constant) is computed
  statically at the revision read and written as a literal, with a note saying so: profile
  terms read the config only, so that value is used at both revisions.

What cannot be said this way (a call, a second config-like name such as ``args.x``, a
value only known at run time) raises :class:`Untranslatable` naming the expression.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import (
    Attr,
    BinOp,
    Call,
    Expr,
    Lit,
    Name,
    Subscript,
    Unary,
    walk,
)
from auditor.extract.python.scopes import ModuleScope
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import Unresolved, iterate
from auditor.runtime.scripts import CONFIG_LOADER, Assignment

#: What scripts call their config, most likely first (ties between roots are broken so).
CONFIG_NAMES = ("hps", "hparams", "config", "cfg", "conf", "h", "params")
_OPERATORS = ("+", "-", "*", "//")
_DEPTH = 4


class Untranslatable(Exception):
    """An argument the term language cannot express; ``expression`` is its source text."""

    def __init__(self, expression: str, why: str) -> None:
        super().__init__(f"{expression}: {why}")
        self.expression = expression
        self.why = why


@dataclass(frozen=True)
class Construction:
    """A constructor call as profile terms (YAML values), the config keys its terms read
    (``("data", "filter_length")``), and notes on values computed from the code."""

    args: tuple[object, ...]
    kwargs: tuple[tuple[str, object], ...]
    splat: tuple[str, ...]
    reads: frozenset[tuple[str, ...]]
    notes: tuple[str, ...]


@dataclass
class _Context:
    snapshot: PythonSnapshot
    path: str
    assignments: Mapping[str, Expr]
    config: str | None
    reads: set[tuple[str, ...]]
    notes: list[str]
    #: Locals bound more than once before the call: which binding holds is decided when
    #: the script runs (``if ...: x = 0.01 else: x = 0.0``). Their lines.
    rebound: dict[str, str] = field(default_factory=dict)


def _lines(assignments: Sequence[Assignment], name: str) -> str:
    return ", ".join(str(a.line) for a in assignments if a.target == name)


def translate(
    call: Call,
    snapshot: PythonSnapshot,
    path: str,
    assignments: Sequence[Assignment] = (),
    line: int | None = None,
) -> Construction:
    """CALL (made in the script PATH, in a scope whose ASSIGNMENTS come before LINE) as terms."""
    before = [a for a in assignments if line is None or a.line < line]
    counts = Counter(a.target for a in before)
    local = {a.target: a.value for a in before if counts[a.target] == 1}
    context = _Context(snapshot, path, local, None, set(), [])
    context.rebound = {a.target: _lines(before, a.target) for a in before if counts[a.target] > 1}
    context.config = config_name(call, local)
    args: list[object] = []
    kwargs: list[tuple[str, object]] = []
    splat: list[str] = []
    for arg in call.args:
        if arg.star == "*":
            raise Untranslatable(
                f"*{unparse(arg.value)}", "positional splats are not profile terms"
            )
        if arg.star == "**":
            value = _term(arg.value, context, 0)
            if not isinstance(value, str) or not value.startswith("hps"):
                raise Untranslatable(f"**{unparse(arg.value)}", "not a section of the config")
            splat.append(value)
        elif arg.keyword is None:
            args.append(_term(arg.value, context, 0))
        else:
            kwargs.append((arg.keyword, _term(arg.value, context, 0)))
    return Construction(
        tuple(args), tuple(kwargs), tuple(splat), frozenset(context.reads), tuple(context.notes)
    )


def config_name(call: Call, assignments: Mapping[str, Expr] | None = None) -> str | None:
    """The name the call's arguments read the config through: the root of a ``**`` splat's
    chain, else the commonest root of the attribute and subscript chains (locals followed)
    that is a config by its name (``hps``, ``self.config``) or by the loader it is bound to
    (``opts = load_config(path)``); ``args.width`` of ``parser.parse_args()`` is not."""
    local = assignments or {}
    roots: Counter[str] = Counter()
    for arg in call.args:
        for root in _roots(arg.value, local, 0):
            if arg.star == "**":
                return root
            roots[root] += 1
    order = {name: i for i, name in enumerate(CONFIG_NAMES)}
    configs = [root for root in roots if _is_config(root, local)]
    if not configs:
        return None
    return min(
        configs, key=lambda r: (-roots[r], order.get(r.removeprefix("self."), len(order)), r)
    )


def _is_config(name: str, local: Mapping[str, Expr]) -> bool:
    if name.removeprefix("self.") in CONFIG_NAMES:
        return True
    bound = local.get(name)
    return isinstance(bound, Call) and bool(CONFIG_LOADER.search(bound.callee))


def _roots(expr: Expr, local: Mapping[str, Expr], depth: int) -> list[str]:
    chain = _chain(expr)
    if chain is not None and len(chain) > 1:
        # a local bound to a call (``hps = load_config()``) is the config itself
        if chain[0] in local and depth < _DEPTH and not isinstance(local[chain[0]], Call):
            return _roots(local[chain[0]], local, depth + 1)
        return [chain[0]]
    if isinstance(expr, Name) and expr.id in local and depth < _DEPTH:
        return _roots(local[expr.id], local, depth + 1)
    if isinstance(expr, BinOp):
        return _roots(expr.left, local, depth) + _roots(expr.right, local, depth)
    if isinstance(expr, Unary):
        return _roots(expr.operand, local, depth)
    if isinstance(expr, Call):
        return [root for arg in expr.args for root in _roots(arg.value, local, depth)]
    return []


def _chain(expr: Expr) -> list[str] | None:
    """``["hps", "data", "hop_length"]`` for ``hps.data.hop_length`` or ``hps["data"][...]``."""
    if isinstance(expr, Name):
        return [expr.id]
    if isinstance(expr, Attr) and expr.value == Name("self"):
        return [f"self.{expr.attr}"]  # an attribute of the script's object is one name
    if isinstance(expr, Attr):
        inner = _chain(expr.value)
        return None if inner is None else [*inner, expr.attr]
    if isinstance(expr, Subscript) and isinstance(expr.index, Lit):
        key = expr.index.value
        inner = _chain(expr.value)
        if inner is None or not isinstance(key, str) or not key.isidentifier():
            return None
        return [*inner, key]
    return None


def _term(expr: Expr, context: _Context, depth: int) -> object:
    """EXPR as a term: an expression string, or a literal."""
    text = unparse(expr)
    if isinstance(expr, Lit):
        return {"literal": expr.value} if isinstance(expr.value, str) else expr.value
    chain = _chain(expr)
    if chain is not None:
        if chain[0] == context.config:
            context.reads.add(tuple(chain[1:]))
            return ".".join(["hps", *chain[1:]])
        if chain[0] in context.assignments and depth < _DEPTH:
            if len(chain) == 1:
                return _term(context.assignments[chain[0]], context, depth + 1)
            base = _term(context.assignments[chain[0]], context, depth + 1)
            if isinstance(base, str) and base.startswith("hps"):
                context.reads.add((*base.split(".")[1:], *chain[1:]))
                return ".".join([base, *chain[1:]])
            raise Untranslatable(text, f"{chain[0]} is not the config")
    if isinstance(expr, Call) and expr.callee in ("builtins.len", "builtins.getattr"):
        found = _config_call(expr, context, depth)
        if found is not None:
            return found
    if isinstance(expr, BinOp) and expr.op in _OPERATORS:
        left = _expression(expr.left, context, depth)
        right = _expression(expr.right, context, depth)
        return ast.unparse(ast.parse(f"({left}) {expr.op} ({right})", mode="eval"))
    if isinstance(expr, Unary) and expr.op == "-":
        return ast.unparse(
            ast.parse(f"-({_expression(expr.operand, context, depth)})", mode="eval")
        )
    return _static(expr, context)


def _config_call(call: Call, context: _Context, depth: int) -> object | None:
    """``len(hps.symbols)``; ``getattr(hps, "symbols", default)`` as the first of the config
    value and the default (the config need not hold it); ``len`` of that, likewise. None
    when CALL reads no config value."""
    if any(a.star or a.keyword for a in call.args):
        return None
    if call.callee == "builtins.getattr":
        found = _getattr(call, context, depth)
        if found is None:
            return None
        return {"first": [found[0], _term(found[1], context, depth)]}
    if call.callee != "builtins.len" or len(call.args) != 1:
        return None
    inner = call.args[0].value
    if isinstance(inner, Call) and inner.callee == "builtins.getattr":
        found = _getattr(inner, context, depth)
        if found is None:
            return None
        try:
            size = len(iterate(evaluate(found[1], _scope(context))))
        except (Unresolved, RecursionError):
            raise Untranslatable(
                unparse(call), "len() of a default the code does not fix"
            ) from None
        return {"first": [f"len({found[0]})", size]}
    if _chain(inner) is None:
        return None
    try:
        value = _term(inner, context, depth)
    except Untranslatable:
        return None  # not the config: the code may fix it (len(symbols))
    return f"len({value})" if isinstance(value, str) and value.startswith("hps") else None


def _getattr(call: Call, context: _Context, depth: int) -> tuple[str, Expr] | None:
    """``getattr(hps, "symbols", default)``: the config value's term and the default."""
    if len(call.args) != 3 or any(a.star or a.keyword for a in call.args):
        return None
    owner, key, default = (a.value for a in call.args)
    if not isinstance(key, Lit) or not isinstance(key.value, str):
        return None
    reads = set(context.reads)
    value = _term(Attr(owner, key.value), context, depth)
    context.reads.intersection_update(reads)  # the default stands in for a missing key
    if not isinstance(value, str) or not value.startswith("hps"):
        return None
    return value, default


def _scope(context: _Context) -> ModuleScope:
    """Module level of the script, its locals (and the config) shadowed."""
    shadowed = frozenset(context.assignments) | frozenset(context.rebound)
    shadowed |= {context.config} if context.config else set()
    return ModuleScope(context.snapshot, context.path, shadowed=shadowed)


def _expression(expr: Expr, context: _Context, depth: int) -> str:
    """EXPR as (part of) an expression: an integer or an expression string."""
    value = _term(expr, context, depth)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Untranslatable(unparse(expr), "arithmetic of a value that is not an integer")
    return str(value)


def _static(expr: Expr, context: _Context) -> object:
    """What the repository fixes EXPR to, computed at the revision read, as a literal."""
    text = unparse(expr)
    try:
        value = evaluate(expr, _scope(context))
    except (Unresolved, RecursionError, ArithmeticError, TypeError, ValueError):
        raise Untranslatable(text, _why(expr, context)) from None
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        context.notes.append(f"{text} = {value!r}, computed from the code")
        return value
    if isinstance(value, str):
        context.notes.append(f"{text} = {value!r}, computed from the code")
        return {"literal": value}
    raise Untranslatable(text, "its value is not a number, a boolean or a string")


def _why(expr: Expr, context: _Context) -> str:
    chain = _chain(expr)
    named = {chain[0]} if chain else {n.id for n in walk(expr) if isinstance(n, Name)}
    rebound = sorted(named & set(context.rebound))
    if rebound:
        name = rebound[0]
        return (
            f"{name} is bound more than once before it (lines {context.rebound[name]}): "
            "which binding holds is decided when the script runs"
        )
    if isinstance(expr, Call) and expr.callee == "builtins.len":
        return "len() of a value known only when the script runs (profile terms have no len())"
    if chain is not None and len(chain) > 1:
        config = f" (the config is {context.config})" if context.config else ""
        return f"{chain[0]} is neither the config nor a value the code fixes{config}"
    if isinstance(expr, Call):
        return "a call whose value is known only when the script runs"
    return "its value is known only when the script runs"

"""Where names get their values in stage 2: module level, a class's ``__init__``, a function.

An ``__init__`` scope evaluates in one of three modes. ``value`` assumes every parameter and
``kwargs.get`` default (the value a model built without that argument gets) except a
placeholder ``0``; ``condition`` assumes only version-like ones (``if use_sdp:`` stays
undecided, ``if version == "v1":`` is decided by the default); ``symbolic`` assumes none (to
see what a condition compares).

A default of ``0`` (``n_speakers=0``, ``gin_channels=0``, ``kwargs.get("sv_dim", 0)``) says
"absent unless the caller gives one": a layer sized by it holds weights only when the caller
(the config, through ``**hps.model``) passes a real value, so it stays ``<param:…>`` like a
parameter without a default. Its ``init-default`` fact still records the ``0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Attr, BoolOp, Call, Expr, Lit, Name, Unary
from auditor.extract.python.summary import Binding, ClassSummary, Condition, Parameter
from auditor.extract.python.values import ClassRef, ParamRef, Unresolved, Value, truth


class ModuleValues(Protocol):
    """What a scope asks of the snapshot it belongs to (:class:`PythonSnapshot` answers)."""

    def module_value(self, path: str, name: str, before: int | None = None) -> Value:
        """The value ``name`` has at module level of ``path``."""
        ...

    def member(self, value: Value, attr: str) -> Value:
        """``value.attr``."""
        ...


VALUE, CONDITION, SYMBOLIC = "value", "condition", "symbolic"
ENVIRONMENT_GETTERS = frozenset({"os.environ.get", "os.getenv"})


def is_version_like(name: str) -> bool:
    """Whether a parameter (or kwarg) selects a model version."""
    return "version" in name.lower()


def decide(test: Expr, scope: ModuleScope | InitScope) -> bool | None:
    """The truth of a condition (three-valued: None when it cannot be known)."""
    if isinstance(test, BoolOp):
        left, right = decide(test.left, scope), decide(test.right, scope)
        if test.op == "and":
            return False if False in (left, right) else (True if left and right else None)
        return (
            True if True in (left, right) else (False if (left, right) == (False, False) else None)
        )
    if isinstance(test, Unary) and test.op == "not":
        inner = decide(test.operand, scope)
        return None if inner is None else not inner
    try:
        return truth(evaluate(test, scope))
    except (Unresolved, RecursionError):
        return None


def _caller_supplies(name: str, default: Value) -> bool:
    """Whether a default is a placeholder for the caller's value: the integer ``0`` (``False``
    and ``0.0`` are real values, a flag and a rate); a version default always selects."""
    return type(default) is int and default == 0 and not is_version_like(name)


def may_run(conditions: Iterable[Condition], scope: ModuleScope | InitScope) -> bool:
    """False when some enclosing branch is known not to be taken."""
    return all(decide(c.test, scope) in (None, c.holds) for c in conditions)


@dataclass
class ModuleScope:
    """Module level, as it stands before binding number ``before``; ``shadowed`` names (the
    locals of a function) have no module value."""

    snapshot: ModuleValues
    path: str
    before: int | None = None
    shadowed: frozenset[str] = frozenset()

    def name(self, name: str) -> Value:
        """A module-level name."""
        if name in self.shadowed:
            raise Unresolved(f"{name} is local")
        return self.snapshot.module_value(self.path, name, self.before)

    def self_attribute(self, attr: str) -> Value:
        """``self`` means nothing at module level."""
        raise Unresolved("self outside __init__")

    def member(self, value: Value, attr: str) -> Value:
        """``value.attr``."""
        return self.snapshot.member(value, attr)

    def call(self, call: Call) -> Value:
        """``os.environ.get("version", "v2")`` is its default; other calls are unknown."""
        if call.callee in ENVIRONMENT_GETTERS and not any(a.keyword or a.star for a in call.args):
            default = call.args[1].value if len(call.args) > 1 else Lit(None)
            return evaluate(default, self)
        raise Unresolved(f"call of {call.callee or 'an unknown callee'}")

    def test(self, expr: Expr) -> bool | None:
        """Conditions at module level."""
        return decide(expr, self)


@dataclass
class InitScope:
    """The body of a class's ``__init__`` just before statement number ``order``."""

    snapshot: ModuleValues
    path: str
    cls: ClassSummary
    order: int
    mode: str = VALUE
    shadowed: frozenset[str] = frozenset()

    def at(self, order: int, mode: str | None = None) -> InitScope:
        """The same ``__init__`` at another statement (or in another mode)."""
        return InitScope(self.snapshot, self.path, self.cls, order, mode or self.mode)

    def shadow(self, names: Iterable[str]) -> InitScope:
        """This scope with comprehension or loop variables that have no known value."""
        return InitScope(
            self.snapshot, self.path, self.cls, self.order, self.mode,
            self.shadowed | frozenset(names),
        )  # fmt: skip

    def assumes(self, name: str) -> bool:
        """Whether this mode takes the default of a parameter or kwarg."""
        return self.mode == VALUE or (self.mode == CONDITION and is_version_like(name))

    def name(self, name: str) -> Value:
        """A local, then a parameter, then a module-level name."""
        if name in self.shadowed:
            raise Unresolved(f"{name} is a loop variable")
        local = self.latest(self.cls.locals, name)
        if local is not None:
            return evaluate(local.value, self.at(local.order))
        param = self._param(name)
        if param is not None:
            if param.kind in ("*", "**"):
                raise Unresolved(f"{name} collects arguments")
            if param.default is None or not self.assumes(name):
                return ParamRef(name)
            try:
                value = evaluate(param.default, ModuleScope(self.snapshot, self.path))
            except Unresolved:
                return ParamRef(name)
            return ParamRef(name) if _caller_supplies(name, value) else value
        return self.snapshot.module_value(self.path, name)

    def self_attribute(self, attr: str) -> Value:
        """``self.attr`` as ``__init__`` last set it (not a submodule), else a constant of the
        class body."""
        binding = self.latest(self.cls.attributes, attr)
        if binding is None:
            return self.snapshot.member(ClassRef(self.path, self.cls.name), attr)
        return evaluate(binding.value, self.at(binding.order))

    def member(self, value: Value, attr: str) -> Value:
        """``value.attr``."""
        return self.snapshot.member(value, attr)

    def call(self, call: Call) -> Value:
        """``kwargs.get("name", default)``: the default where this mode assumes it."""
        kwargs = next((p.name for p in self._params() if p.kind == "**"), None)
        func = call.func
        if (
            kwargs is not None
            and isinstance(func, Attr)
            and func.value == Name(kwargs)
            and func.attr in ("get", "pop", "setdefault")
            and call.args
            and isinstance(call.args[0].value, Lit)
            and isinstance(call.args[0].value.value, str)
        ):
            key = call.args[0].value.value
            if not self.assumes(key):
                return ParamRef(f"kwargs.{key}")
            value = evaluate(call.args[1].value, self) if len(call.args) > 1 else None
            return ParamRef(f"kwargs.{key}") if _caller_supplies(key, value) else value
        return ModuleScope(self.snapshot, self.path, shadowed=self.shadowed).call(call)

    def test(self, expr: Expr) -> bool | None:
        """Conditions inside ``__init__`` (decided in ``condition`` mode)."""
        return decide(expr, self.at(self.order, SYMBOLIC if self.mode == SYMBOLIC else CONDITION))

    def _params(self) -> tuple[Parameter, ...]:
        return self.cls.init.params if self.cls.init is not None else ()

    def _param(self, name: str) -> Parameter | None:
        params = self._params()
        return next((p for p in params[1:] if p.name == name), None)

    def latest(self, bindings: tuple[Binding, ...], name: str) -> Binding | None:
        """The binding of ``name`` in force here (the last whose branch may have run)."""
        found: Binding | None = None
        for binding in bindings:
            if binding.order >= self.order:
                break
            if binding.name == name and may_run(
                binding.conditions, self.at(binding.order, CONDITION)
            ):
                found = binding
        return found

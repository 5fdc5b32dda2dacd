"""What stage 1 keeps of one Python file: a :class:`ModuleSummary`, cached per blob as JSON.

A summary depends on the file's bytes only (and on :data:`EXTRACTOR_VERSION`): imports,
module-level bindings in order, classes with what their ``__init__`` builds, function
signatures and the calls that set up audio front ends. Values stay expression trees; stage 2
resolves them across the modules of a snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from auditor.extract.python.codec import decode, encode
from auditor.extract.python.expressions import Call, Expr

#: Bump when a summary of the same bytes would differ (format, visitor). The list of known
#: components is keyed apart (its digest is part of every cache key of Python facts).
EXTRACTOR_VERSION = 7


@dataclass(frozen=True)
class Import:
    """``import module as local`` (``name`` None) or ``from module import name as local``.

    ``level`` counts the leading dots of a relative import; ``local`` ``*`` is a star import.
    """

    local: str
    module: str
    name: str | None
    level: int
    line: int


@dataclass(frozen=True)
class Condition:
    """The test of an enclosing ``if``; ``holds`` is False inside its ``else`` branch."""

    test: Expr
    holds: bool


@dataclass(frozen=True)
class Binding:
    """``name = value`` (module level, an ``__init__`` local, or ``self.name = value``).

    ``order`` places it among the other statements of its scope; later bindings win.
    """

    name: str
    value: Expr
    line: int
    order: int
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """A parameter of a function: ``kind`` is ``positional``, ``keyword``, ``*`` or ``**``."""

    name: str
    default: Expr | None
    kind: str
    line: int


@dataclass(frozen=True)
class Function:
    """A function or method signature, ``self`` included."""

    name: str
    params: tuple[Parameter, ...]
    line: int


@dataclass(frozen=True)
class Submodule:
    """``self.attr = Callee(...)`` in ``__init__``, or ``self.attr.append(Callee(...))``."""

    attr: str
    call: Call
    line: int
    order: int
    conditions: tuple[Condition, ...] = ()
    append: bool = False


@dataclass(frozen=True)
class KwargDefault:
    """``kwargs.get("name", default)`` (or ``pop``) inside ``__init__``."""

    name: str
    default: Expr | None
    line: int


@dataclass(frozen=True)
class ClassSummary:
    """A top-level class: its bases (qualified), what its ``__init__`` binds and builds, and
    the names its body binds (``constants``: ``v2pro_set = {"v2Pro", "v2ProPlus"}``)."""

    name: str
    bases: tuple[str, ...]
    line: int
    init: Function | None = None
    locals: tuple[Binding, ...] = ()
    attributes: tuple[Binding, ...] = ()
    submodules: tuple[Submodule, ...] = ()
    kwarg_defaults: tuple[KwargDefault, ...] = ()
    constants: tuple[Binding, ...] = ()


@dataclass(frozen=True)
class CallSite:
    """A call that sets up an audio front end, resamples features or loads a checkpoint;
    ``scope`` is ``Class.method``, ``func``, ``<module>`` or ``<main>`` (a script's main
    block); ``shadowed`` are the local names of that scope (never module values)."""

    scope: str
    call: Call
    line: int
    shadowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForwardSite:
    """One reading of a class's ``forward``: ``kind`` ``cat`` (``label`` its number among the
    method's concatenations, ``values`` the operands as source text) or ``call`` (``label``
    the submodule attribute, ``values`` the sorted keywords of its calls)."""

    cls: str
    kind: str
    label: str
    values: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class CheckpointHeader:
    """Bytes a checkpoint-saving function (``scope``, ``Class.method`` or a function) writes
    over the head of what ``torch.save`` produced: ``tag`` (``"03"``), at ``line``."""

    scope: str
    tag: str
    line: int


@dataclass(frozen=True)
class LayerPick:
    """Which layers of an encoder a function keeps or reads.

    ``how`` is ``del`` (``del model.encoder.blocks[cut:]``: ``target`` ``encoder.blocks``,
    ``value`` the selection as text), ``index`` (``out.hidden_states[-3]``, ``layers[:9]``)
    or ``keyword`` (``output_layer=9`` of a call or a dict display: ``target``
    ``extract_features.output_layer``, the callee's name first, or ``output_layer`` for a
    dict; ``value`` the argument).
    """

    scope: str
    target: str
    how: str
    value: Expr
    line: int
    shadowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigWrite:
    """``cfg["model"]["ssl_dim"] = 1024``: a script writing a value into a config it emits
    (``keys`` are the string subscripts, outermost first), under the ``if`` tests around it;
    ``scope`` is the function it is in, or ``<module>``."""

    keys: tuple[str, ...]
    value: Expr
    line: int
    conditions: tuple[Condition, ...] = ()
    scope: str = "<module>"


@dataclass(frozen=True)
class ModuleSummary:
    """Everything stage 2 needs from one Python file; round-trips through JSON."""

    imports: tuple[Import, ...] = ()
    bindings: tuple[Binding, ...] = ()
    classes: tuple[ClassSummary, ...] = ()
    functions: tuple[Function, ...] = ()
    audio_calls: tuple[CallSite, ...] = ()
    #: Qualified names of everything the file calls or imports, anywhere (known components).
    callees: tuple[str, ...] = ()
    #: What reading the file had to work around (bytes that are not UTF-8 in comments).
    notes: tuple[str, ...] = ()
    config_writes: tuple[ConfigWrite, ...] = ()
    #: ``F.interpolate`` / ``nn.Upsample`` calls in methods (not ``__init__``) of classes.
    resample_calls: tuple[CallSite, ...] = ()
    #: Checkpoint loaders given a path or model id (``load_model("whisper/medium.pt")``),
    #: anywhere, a script's main block included (its scope is ``<main>``).
    loader_calls: tuple[CallSite, ...] = ()
    layer_picks: tuple[LayerPick, ...] = ()
    #: What each class's ``forward`` concatenates and passes to its submodules.
    forward_sites: tuple[ForwardSite, ...] = ()
    #: Version tags written over the first bytes of saved checkpoints.
    checkpoint_headers: tuple[CheckpointHeader, ...] = ()

    def to_json(self) -> str:
        """Compact ASCII JSON (lone surrogates in string literals survive), stable for equal
        summaries."""
        data = {
            "version": EXTRACTOR_VERSION,
            "imports": [[i.local, i.module, i.name, i.level, i.line] for i in self.imports],
            "bindings": [_binding(b) for b in self.bindings],
            "classes": [_class(c) for c in self.classes],
            "functions": [_function(f) for f in self.functions],
            "audio_calls": [_site(s) for s in self.audio_calls],
            "callees": list(self.callees),
            "notes": list(self.notes),
            "config_writes": [
                [list(w.keys), encode(w.value), w.line, _conditions(w.conditions), w.scope]
                for w in self.config_writes
            ],
            "resample_calls": [_site(s) for s in self.resample_calls],
            "loader_calls": [_site(s) for s in self.loader_calls],
            "layer_picks": [
                [p.scope, p.target, p.how, encode(p.value), p.line, list(p.shadowed)]
                for p in self.layer_picks
            ],
            "forward_sites": [
                [f.cls, f.kind, f.label, list(f.values), f.line] for f in self.forward_sites
            ],
            "checkpoint_headers": [[h.scope, h.tag, h.line] for h in self.checkpoint_headers],
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ModuleSummary:
        """The summary :meth:`to_json` wrote; ValueError for another extractor version."""
        data = json.loads(text)
        if data.get("version") != EXTRACTOR_VERSION:
            raise ValueError(f"summary from extractor version {data.get('version')!r}")
        return cls(
            imports=tuple(Import(*i) for i in data["imports"]),
            bindings=tuple(_read_binding(b) for b in data["bindings"]),
            classes=tuple(_read_class(c) for c in data["classes"]),
            functions=tuple(_read_function(f) for f in data["functions"]),
            audio_calls=tuple(_read_site(s) for s in data["audio_calls"]),
            callees=tuple(data["callees"]),
            notes=tuple(data.get("notes", ())),
            config_writes=tuple(
                ConfigWrite(tuple(keys), decode(value), line, _read_conditions(tests), scope)
                for keys, value, line, tests, scope in data.get("config_writes", ())
            ),
            resample_calls=tuple(_read_site(s) for s in data["resample_calls"]),
            loader_calls=tuple(_read_site(s) for s in data["loader_calls"]),
            layer_picks=tuple(
                LayerPick(scope, target, how, decode(value), line, tuple(shadowed))
                for scope, target, how, value, line, shadowed in data["layer_picks"]
            ),
            forward_sites=tuple(
                ForwardSite(cls, kind, label, tuple(values), line)
                for cls, kind, label, values, line in data["forward_sites"]
            ),
            checkpoint_headers=tuple(
                CheckpointHeader(scope, tag, line)
                for scope, tag, line in data["checkpoint_headers"]
            ),
        )


def _site(site: CallSite) -> list[Any]:
    return [site.scope, encode(site.call), site.line, list(site.shadowed)]


def _read_site(data: list[Any]) -> CallSite:
    scope, call, line, shadowed = data
    return CallSite(scope, _call(decode(call)), line, tuple(shadowed))


def _conditions(conditions: tuple[Condition, ...]) -> list[Any]:
    return [[encode(c.test), c.holds] for c in conditions]


def _read_conditions(data: list[Any]) -> tuple[Condition, ...]:
    return tuple(Condition(decode(test), holds) for test, holds in data)


def _binding(b: Binding) -> list[Any]:
    return [b.name, encode(b.value), b.line, b.order, _conditions(b.conditions)]


def _read_binding(data: list[Any]) -> Binding:
    name, value, line, order, conditions = data
    return Binding(name, decode(value), line, order, _read_conditions(conditions))


def _function(f: Function) -> list[Any]:
    params = [
        [p.name, None if p.default is None else encode(p.default), p.kind, p.line] for p in f.params
    ]
    return [f.name, params, f.line]


def _read_function(data: list[Any]) -> Function:
    name, params, line = data
    return Function(
        name,
        tuple(
            Parameter(n, None if d is None else decode(d), kind, pline)
            for n, d, kind, pline in params
        ),
        line,
    )


def _class(c: ClassSummary) -> dict[str, Any]:
    return {
        "name": c.name,
        "bases": list(c.bases),
        "line": c.line,
        "init": None if c.init is None else _function(c.init),
        "locals": [_binding(b) for b in c.locals],
        "attributes": [_binding(b) for b in c.attributes],
        "submodules": [
            [s.attr, encode(s.call), s.line, s.order, _conditions(s.conditions), s.append]
            for s in c.submodules
        ],
        "kwarg_defaults": [
            [k.name, None if k.default is None else encode(k.default), k.line]
            for k in c.kwarg_defaults
        ],
        "constants": [_binding(b) for b in c.constants],
    }


def _read_class(data: dict[str, Any]) -> ClassSummary:
    return ClassSummary(
        name=data["name"],
        bases=tuple(data["bases"]),
        line=data["line"],
        init=None if data["init"] is None else _read_function(data["init"]),
        locals=tuple(_read_binding(b) for b in data["locals"]),
        attributes=tuple(_read_binding(b) for b in data["attributes"]),
        submodules=tuple(
            Submodule(attr, _call(decode(call)), line, order, _read_conditions(conds), append)
            for attr, call, line, order, conds, append in data["submodules"]
        ),
        kwarg_defaults=tuple(
            KwargDefault(name, None if d is None else decode(d), line)
            for name, d, line in data["kwarg_defaults"]
        ),
        constants=tuple(_read_binding(b) for b in data["constants"]),
    )


def _call(expr: Expr) -> Call:
    if not isinstance(expr, Call):
        raise ValueError("expected a call in a module summary")
    return expr

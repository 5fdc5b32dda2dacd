"""What a training or inference script says about the models it builds (for inferred profiles).

One libcst pass over a script gathers, per scope (a function, a method, module level):

- constructions ``net_g = SomeClass(...)`` (also ``SomeClass(...).cuda(rank)``, and
  ``self.net = ...`` in a class that is not itself a module), as expression trees;
- what handles a model's weights: ``net.state_dict()``, ``net.load_state_dict(...)``, and a
  checkpoint function given the model (``utils.load_checkpoint(path, net_g, optim)``);
- the inference methods called on a model (``net_g.infer(x, x_lengths, sid=sid)``);
- the assignments of the scope (``spec_channels = hps.data.filter_length // 2 + 1``);
- the config files it names (string literals ending in ``.json``, ``.yaml``, ``.yml``), the
  config loaders it calls, and the folders it puts on ``sys.path``.

Nothing is resolved here: :mod:`auditor.runtime.roots` resolves classes across the repository.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor.extract.python.convert import ExpressionConverter
from auditor.extract.python.expressions import Call, Expr
from auditor.extract.python.syntax import dotted
from auditor.extract.python.unparse import unparse

#: Bytes a script must hold to be read at all: something handles weights.
MAY_HANDLE_WEIGHTS = re.compile(rb"state_dict|checkpoint|ckpt")
#: A function given a model that reads or writes its weights (``load_checkpoint``,
#: ``save_model``, ``load_ckpt``).
_WEIGHT_FUNCTION = re.compile(
    r"(?i)^(load|save)_?(checkpoint|ckpt|model|weights?|state|pretrained)|checkpoint$"
)
#: Calls that load a config (``get_hparams_from_file``, ``json.load``, ``OmegaConf.load``).
CONFIG_LOADER = re.compile(r"(?i)hparams|config|cfg|json\.loads?$|yaml|omegaconf")
CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
_NOT_MODELS = frozenset({"None", "True", "False", "self"})
#: Methods a script runs a model by.
INFERENCE_METHODS = frozenset(
    {"infer", "inference", "decode", "forward", "generate", "synthesize", "voice_conversion"}
)
#: Methods that return the model they are called on.
_SAME_MODEL = frozenset({"to", "cuda", "cpu", "eval", "train", "half", "float", "double"})


@dataclass(frozen=True)
class Assignment:
    """``target = value`` in a scope; ``target`` is a name or ``self.attr``."""

    target: str
    value: Expr
    line: int


@dataclass(frozen=True)
class Built:
    """``target = Callee(...)``: a construction a script makes (the callee still unresolved).

    ``owner`` is the class whose method it is in and ``owner_bases`` that class's bases (the
    qualified names), to leave out what a module builds inside itself.
    """

    scope: str
    target: str
    call: Call
    line: int
    owner: str | None = None
    owner_bases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Literal:
    """A string literal of a script (a config path, a ``sys.path`` entry) and its line."""

    value: str
    line: int


@dataclass(frozen=True)
class Script:
    """What one script says; ``weights`` maps a model's holder (``run:net_g``, or
    ``Svc:self.net_g_ms`` for an attribute) to what handles its weights, ``calls`` to the
    inference methods called on it."""

    path: str
    built: tuple[Built, ...] = ()
    weights: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Per holder, the inference calls made on it (``infer(x, x_lengths) at infer.py:40``).
    calls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assignments: dict[str, tuple[Assignment, ...]] = field(default_factory=dict)
    config_paths: tuple[Literal, ...] = ()
    config_loaders: tuple[str, ...] = ()
    sys_path: tuple[tuple[Expr, int], ...] = ()

    def holder(self, built: Built) -> str:
        """The key of ``weights`` for what BUILT builds."""
        return holder_key(built.scope, built.owner, built.target)


def holder_key(scope: str, owner: str | None, target: str) -> str:
    """A local name belongs to its scope, ``self.x`` to its class (any method may load it)."""
    if target.startswith("self.") and owner is not None:
        return f"{owner}:{target}"
    return f"{scope}:{target}"


def read_script(path: str, data: bytes) -> Script | None:
    """The facts of the script PATH (its bytes DATA); None when it handles no weights or
    does not parse."""
    if not MAY_HANDLE_WEIGHTS.search(data):
        return None
    try:
        module = cst.parse_module(data.decode("utf-8-sig", "replace"))
        imports = _Imports()
        module.visit(imports)
        visitor = _ScriptVisitor(path, imports.names)
        MetadataWrapper(module, unsafe_skip_copy=True).visit(visitor)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    return visitor.script()


@dataclass
class _Scope:
    name: str
    owner: str | None
    owner_bases: tuple[str, ...]


class _Imports(cst.CSTVisitor):
    """What the names a script imports stand for, wherever it imports them (a function may
    use a name the module imports below it): ``{"SynthesizerTrn": "models.SynthesizerTrn",
    "np": "numpy", "Net": ".nets.Net"}``; the first import of a name wins."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.names.setdefault(alias.asname.name.value, full)
            else:
                first = full.split(".")[0]
                self.names.setdefault(first, first)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = get_full_name_for_node(node.module) if node.module is not None else ""
        prefix = "." * len(node.relative) + (module or "")
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            joined = f"{prefix}.{name}" if prefix and not prefix.endswith(".") else prefix + name
            self.names.setdefault(local, joined)


#: Names Python itself gives every module (``len``, ``getattr``): ``builtins.len``.
_BUILTINS = frozenset(dir(builtins))


class _ScriptVisitor(cst.CSTVisitor):
    """Names are qualified through the script's imports only (not through scopes: a local
    that shadows an imported class is taken for the class), which spares libcst's scope
    analysis, most of the cost of reading a large web UI script."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, imports: dict[str, str]) -> None:
        super().__init__()
        self.path = path
        self._imports = imports
        self._expr = ExpressionConverter(self._qualified, self._line)
        self._scopes: list[_Scope] = [_Scope("<module>", None, ())]
        self._classes: list[tuple[str, tuple[str, ...]]] = []
        self._built: list[Built] = []
        self._weights: dict[str, list[str]] = {}
        self._calls: dict[str, list[str]] = {}
        self._assignments: dict[str, list[Assignment]] = {}
        self._literals: list[Literal] = []
        self._loaders: list[str] = []
        self._sys_path: list[tuple[Expr, int]] = []
        #: ``self.model = model``: the holder assigned to, and the one it holds the model of.
        self._aliases: list[tuple[str, str]] = []

    def script(self) -> Script:
        return Script(
            path=self.path,
            built=tuple(self._built),
            weights=self._through_aliases(self._weights),
            calls=self._through_aliases(self._calls),
            assignments={k: tuple(v) for k, v in self._assignments.items()},
            config_paths=tuple(self._literals),
            config_loaders=tuple(dict.fromkeys(self._loaders)),
            sys_path=tuple(self._sys_path),
        )

    def _through_aliases(self, found: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        """FOUND per holder, what is said of an alias (``self.model = model``) also said of
        the holder it was assigned from."""
        merged = {k: list(v) for k, v in found.items()}
        for target, source in self._aliases:
            if target in found:
                merged.setdefault(source, []).extend(found[target])
        return {k: tuple(dict.fromkeys(v)) for k, v in merged.items()}

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def _qualified(self, node: cst.BaseExpression) -> str:
        name = dotted(node)
        if name is None:
            return ""
        first, _, rest = name.partition(".")
        if first in self._imports:
            return self._imports[first] + (f".{rest}" if rest else "")
        if first in _BUILTINS and not rest:
            return f"builtins.{first}"
        return name

    # -- scopes
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(self._qualified(arg.value) for arg in node.bases)
        self._classes.append((node.name.value, bases))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner, bases = self._classes[-1] if self._classes else (None, ())
        name = f"{owner}.{node.name.value}" if owner else node.name.value
        self._scopes.append(_Scope(name, owner, bases))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    @property
    def _scope(self) -> _Scope:
        return self._scopes[-1]

    # -- statements
    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._assigned(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value)

    def _assigned(self, target_node: cst.BaseExpression, value: cst.BaseExpression) -> None:
        target = dotted(target_node)
        if (
            target is None
            or target.count(".") > 1
            or ("." in target and not target.startswith("self."))
        ):
            return
        scope = self._scope
        line = self._line(target_node)
        converted = self._expr.convert(value)
        self._assignments.setdefault(scope.name, []).append(Assignment(target, converted, line))
        source = dotted(value)
        if source is not None and (source.count(".") == 0 or source.startswith("self.")):
            self._aliases.append(
                (
                    holder_key(scope.name, scope.owner, target),
                    holder_key(scope.name, scope.owner, source),
                )
            )
        call = _model_call(value)
        if call is not None:
            self._built.append(
                Built(
                    scope.name,
                    target,
                    self._expr.call(call),
                    line,
                    scope.owner,
                    scope.owner_bases,
                )
            )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, str) and value.lower().endswith(CONFIG_SUFFIXES):
            self._literals.append(Literal(value, self._line(node)))

    def visit_Call(self, node: cst.Call) -> None:
        callee = self._qualified(node.func)
        scope = self._scope
        if callee in ("sys.path.append", "sys.path.insert") and node.args:
            self._sys_path.append((self._expr.convert(node.args[-1].value), self._line(node)))
            return
        if CONFIG_LOADER.search(callee):
            self._loaders.append(callee)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
            "state_dict",
            "load_state_dict",
        ):
            model = dotted(node.func.value)
            if model is not None:
                model = model.removesuffix(".module")
                key = holder_key(scope.name, scope.owner, model)
                said = f"{model}.{node.func.attr.value}() at {self.path}:{self._line(node)}"
                self._weights.setdefault(key, []).append(said)
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in INFERENCE_METHODS:
            model = dotted(node.func.value)
            if model is not None and (model.count(".") == 0 or model.startswith("self.")):
                text = unparse(self._expr.call(node)).removeprefix(f"{model}.")
                said = f"{_shortened(text)} at {self.path}:{self._line(node)}"
                self._calls.setdefault(holder_key(scope.name, scope.owner, model), []).append(said)
        short = callee.rsplit(".", 1)[-1]
        if _WEIGHT_FUNCTION.search(short):
            for arg in node.args:
                model = dotted(arg.value)
                if model is None or model.count(".") > 1 or model in _NOT_MODELS:
                    continue
                key = holder_key(scope.name, scope.owner, model)
                said = f"{short}(..., {model}, ...) at {self.path}:{self._line(node)}"
                self._weights.setdefault(key, []).append(said)


def _shortened(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _model_call(value: cst.BaseExpression) -> cst.Call | None:
    """The construction VALUE is, through ``.cuda(rank)``, ``.to(device)``, ``.eval()``."""
    while isinstance(value, cst.Call):
        func = value.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in _SAME_MODEL
            and isinstance(func.value, cst.Call)
        ):
            value = func.value
            continue
        return value if dotted(func) is not None else None
    return None

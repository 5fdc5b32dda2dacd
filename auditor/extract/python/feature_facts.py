"""Facts of the code around a model's weights that decides which features it sees.

- ``feature-rate``: a literal ``scale_factor`` or ``size`` of ``F.interpolate`` /
  ``nn.Upsample`` in a method of a model class (``SynthesizerTrnV3.forward.interpolate(fea)
  .scale_factor``). A ratio that depends on an attribute (``1.875 if self.version == "v3"
  else 2``) is its expression: the model sees another frame rate for some versions.
- ``feature-layer``: which layers of an encoder the features come from: a literal index or
  slice (``get_feature.hidden_states`` ``[-3]``), ``output_layer=9``, layers deleted
  (``load_model.encoder.blocks.deleted`` ``[-cut:]``).
- ``encoder-checkpoint``: the path or model id a loader is given, when it names a known
  component (``<main>.load_model.checkpoint`` ``whisper_pretrain/medium.pt``).
- ``audio-frontend``: literal sample rates, hops and windows a class's ``__init__`` sets on
  ``self`` (a dataset's ``self.hop_length_mel = 256``).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator

from auditor.domain import Fact, FactValue
from auditor.extract.python.checkpoint_names import families
from auditor.extract.python.components import Components
from auditor.extract.python.describe import NotAFactValue, as_fact_value, expression_text
from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import (
    Arg,
    Attr,
    Call,
    Comp,
    Expr,
    Name,
    Opaque,
    Seq,
    Subscript,
    walk,
)
from auditor.extract.python.kinds import (
    AUDIO_FRONTEND,
    ENCODER_CHECKPOINT,
    FEATURE_LAYER,
    FEATURE_RATE,
    PYTHON_FACT_KINDS,
)
from auditor.extract.python.scopes import ModuleScope
from auditor.extract.python.signatures import reaches_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import CallSite
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import ClassRef, Unresolved

#: The parameters of a resampling function and of a resampling layer, in positional order.
_FUNCTION_PARAMS = ("input", "size", "scale_factor")
_LAYER_PARAMS = ("size", "scale_factor")
_RATES = ("size", "scale_factor")
#: Suffixes of weight files (a loader named ``load`` reads many other files too).
_WEIGHTS = (".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".onnx", ".tar", ".model")
_GENERIC_LOADERS = frozenset({"load", "load_file"})
_JOIN = frozenset({"os.path.join", "posixpath.join", "path.join", "osp.join"})
#: A class attribute that sets an audio front end: ``hop_length``, ``sampling_rate_mel``.
_FRONTEND = re.compile(
    r"^(?:mel_)?(?:sampling_rate|sample_rate|sr|hop|hop_length|hop_size|n_fft|filter_length"
    r"|win_length|win_size|n_mels|num_mels|n_mel_channels|fmin|fmax|f_min|f_max)(?:_mel)?$"
)


def resample_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """``<Class>.<method>.<callee>(<input>).scale_factor``: resampling ratios of model code."""
    facts: list[Fact] = []
    seen: Counter[str] = Counter()
    kind = PYTHON_FACT_KINDS[FEATURE_RATE]
    for site in snapshot.summary(path).resample_calls:
        if not _in_model_class(snapshot, path, site.scope):
            continue
        leaf = site.call.callee.rsplit(".", 1)[-1]
        params = _LAYER_PARAMS if leaf[:1].isupper() else _FUNCTION_PARAMS
        label = _numbered(seen, f"{site.scope}.{leaf}{_input_label(site.call, params)}")
        scope = ModuleScope(snapshot, path, shadowed=frozenset(site.shadowed))
        for name, arg in _named_args(site.call, params):
            if name not in _RATES:
                continue
            value = literal_or_formula(arg.value, scope, site.shadowed)
            if value is not None and _is_rate(value):
                facts.append(Fact(kind, f"{label}.{name}", name, value, arg.line or site.line))
    return facts


def layer_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """Which layers features are read from: literal selections, ``output_layer``, deletions."""
    facts: list[Fact] = []
    seen: Counter[str] = Counter()
    kind = PYTHON_FACT_KINDS[FEATURE_LAYER]
    for pick in snapshot.summary(path).layer_picks:
        if pick.how == "del":
            key, parameter = f"{pick.scope}.{pick.target}.deleted", "deleted"
        else:
            key, parameter = f"{pick.scope}.{pick.target}", pick.target.rsplit(".", 1)[-1]
        if isinstance(pick.value, Opaque):
            value: FactValue = pick.value.text
        else:
            # a selection that depends on the caller's version is still a selection:
            # ``9 if version == "v1" else 12`` keeps its locals
            scope = ModuleScope(snapshot, path, shadowed=frozenset(pick.shadowed))
            value = literal_or_formula(pick.value, scope, ())
            if value is None:
                continue
        facts.append(Fact(kind, _numbered(seen, key), parameter, value, pick.line))
    return facts


def checkpoint_facts(snapshot: PythonSnapshot, path: str, components: Components) -> list[Fact]:
    """``<scope>.<loader>.checkpoint``: the path or model id given to a loader, when it (or the
    loader's name) names a known component."""
    facts: list[Fact] = []
    seen: Counter[str] = Counter()
    kind = PYTHON_FACT_KINDS[ENCODER_CHECKPOINT]
    for site in snapshot.summary(path).loader_calls:
        loader = _loader_name(site.call)
        text = _path_given(snapshot, path, site)
        if text is None:
            continue
        generic = loader.rsplit(".", 1)[-1] in _GENERIC_LOADERS
        if generic and not text.lower().endswith(_WEIGHTS):
            continue
        if not families(f"{text} {loader}", components):
            continue
        key = _numbered(seen, f"{site.scope}.{loader}") + ".checkpoint"
        facts.append(Fact(kind, key, "checkpoint", text, site.line))
    return facts


def frontend_attribute_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """``<Class>.__init__.self.hop_length_mel``: literal front-end values a class sets on
    ``self`` (the last assignment of each attribute; values read from a config are none)."""
    facts: list[Fact] = []
    kind = PYTHON_FACT_KINDS[AUDIO_FRONTEND]
    for cls in snapshot.summary(path).classes:
        if cls.init is None:
            continue
        local = frozenset({p.name for p in cls.init.params} | {b.name for b in cls.locals})
        scope = ModuleScope(snapshot, path, shadowed=local)
        last = {b.name: b for b in cls.attributes if _FRONTEND.match(b.name)}
        for name, binding in sorted(last.items()):
            try:
                value = as_fact_value(evaluate(binding.value, scope))
            except (Unresolved, RecursionError, NotAFactValue):
                continue
            if value is None or (_is_rate(value) and not isinstance(value, str)):
                key = f"{cls.name}.__init__.self.{name}"
                facts.append(Fact(kind, key, name, value, binding.line))
    return facts


def literal_or_formula(expr: Expr, scope: ModuleScope, shadowed: tuple[str, ...]) -> FactValue:
    """The value of EXPR, or its expression when it is a formula of literals, module names and
    ``self`` attributes (``1.875 if self.version == "v3" else 2``); None when it calls anything
    (``size=x.shape[-1]``: the data's length, not a setting) or reads one of the ``shadowed``
    locals."""
    try:
        return as_fact_value(evaluate(expr, scope))
    except (Unresolved, RecursionError, NotAFactValue):
        pass
    nodes = walk(expr)
    if any(isinstance(node, (Call, Comp, Opaque, Subscript)) for node in nodes):
        return None
    if any(isinstance(node, Name) and node.id in shadowed and node.id != "self" for node in nodes):
        return None
    return expression_text(expr, scope)


def _is_rate(value: FactValue) -> bool:
    if isinstance(value, tuple):
        return bool(value) and all(_is_rate(item) for item in value)
    if isinstance(value, str):
        return value.startswith("<expr:")
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_model_class(snapshot: PythonSnapshot, path: str, scope: str) -> bool:
    name = scope.split(".", 1)[0]
    if not any(cls.name == name for cls in snapshot.summary(path).classes):
        return False
    return reaches_module(snapshot, ClassRef(path, name))


def _numbered(seen: Counter[str], key: str) -> str:
    seen[key] += 1
    return key if seen[key] == 1 else f"{key}@{seen[key]}"


def _named_args(call: Call, params: tuple[str, ...]) -> Iterator[tuple[str, Arg]]:
    position = 0
    for arg in call.args:
        if arg.star:
            return
        if arg.keyword is not None:
            yield arg.keyword, arg
        elif position < len(params):
            yield params[position], arg
            position += 1


def _input_label(call: Call, params: tuple[str, ...]) -> str:
    """``(fea)``: the name of what a call resamples (the first name of its first argument),
    so that a call added before it does not renumber it."""
    if not params or params[0] != "input" or not call.args or call.args[0].keyword:
        return ""
    for node in walk(call.args[0].value):
        if isinstance(node, Name):
            return f"({node.id})" if node.id != "self" else ""
        if isinstance(node, Attr) and node.value == Name("self"):
            return f"(self.{node.attr})"
    return ""


def _loader_name(call: Call) -> str:
    """``torch.load``, ``HubertModel.from_pretrained``, ``load_model``: the last two names of
    the callee as written."""
    func = call.func
    if isinstance(func, (Name, Attr)):
        return ".".join(unparse(func).split(".")[-2:])
    return call.callee.rsplit(".", 1)[-1]


def _path_given(snapshot: PythonSnapshot, path: str, site: CallSite) -> str | None:
    """The string a loader's first argument resolves to (the first of a list, the parts of
    ``os.path.join`` joined with ``/``), with backslashes read as ``/``; None when unknown."""
    if not site.call.args or site.call.args[0].keyword or site.call.args[0].star:
        return None
    expr = site.call.args[0].value
    if isinstance(expr, Seq) and expr.items:
        expr = expr.items[0]
    scope = ModuleScope(snapshot, path, shadowed=frozenset(site.shadowed))
    try:
        if isinstance(expr, Call) and (expr.callee in _JOIN or unparse(expr.func) in _JOIN):
            parts = [evaluate(arg.value, scope) for arg in expr.args if not arg.star]
            if not parts or not all(isinstance(part, str) for part in parts):
                return None
            value: object = posixpath.join(*(str(part) for part in parts))
        else:
            value = evaluate(expr, scope)
    except (Unresolved, RecursionError):
        return None
    return value.replace("\\", "/") if isinstance(value, str) and value else None

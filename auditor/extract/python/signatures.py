"""What a call constructs, and the parameter names its positional arguments bind."""

from __future__ import annotations

from auditor.extract.python.expressions import Call
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.torch_signatures import (
    AUDIO_SIGNATURES,
    MODULE_BASES,
    TORCH_SIGNATURES,
)
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import (
    ClassRef,
    ExternalRef,
    FunctionRef,
    ModuleRef,
    Unresolved,
    Value,
)

_MAX_CHAIN = 20

#: Library objects an ``__init__`` builds that hold no weights of a checkpoint: optimisers,
#: schedulers, data utilities, distributions, AMP scalers, plain containers and types.
_NO_WEIGHTS_PREFIXES = (
    "torch.optim.",
    "torch.utils.",
    "torch.distributions.",
    "torch.cuda.",
    "torch.amp.",
    "torch.autograd.",
    "collections.",
    "typing.",
    "dataclasses.",
    "argparse.",
    "logging.",
)
#: ``torch.Tensor`` and friends, ``torch.Generator``, ``torch.device``: values, not modules.
_NO_WEIGHTS = {
    "torch.Tensor",
    "torch.FloatTensor",
    "torch.LongTensor",
    "torch.IntTensor",
    "torch.BoolTensor",
    "torch.HalfTensor",
    "torch.Generator",
    "torch.device",
    "torch.dtype",
}


def holds_no_weights(name: str) -> bool:
    """Whether a library class of this qualified name builds nothing a state dict holds: the
    names above, and torch's loss modules (``torch.nn.MSELoss``: no parameters, no buffers
    that a checkpoint keeps)."""
    if name in _NO_WEIGHTS or name.startswith(_NO_WEIGHTS_PREFIXES):
        return True
    return name.startswith("torch.nn.") and name.endswith("Loss")


def callee_value(snapshot: PythonSnapshot, path: str, call: Call) -> Value | None:
    """What a call calls, or None when it cannot be told."""
    try:
        return snapshot.callee(path, call)
    except (Unresolved, RecursionError):
        return None


def callee_name(snapshot: PythonSnapshot, path: str, call: Call, value: Value | None) -> str:
    """The qualified name users see: ``module.models.MelStyleEncoder``, ``torch.nn.Linear``."""
    if isinstance(value, (ClassRef, FunctionRef)):
        return f"{snapshot.dotted_name(value.path)}.{value.name}"
    if isinstance(value, ExternalRef):
        return value.name
    if isinstance(value, ModuleRef):
        return snapshot.dotted_name(value.path)
    return call.callee if call.callee and "<locals>" not in call.callee else unparse(call.func)


def constructed(snapshot: PythonSnapshot, path: str, call: Call) -> tuple[Call, str] | None:
    """The call that builds a submodule and its callee's name, or None when it is no module.

    A wrapper such as ``weight_norm(Conv1d(...))`` (a lower-case callee whose first argument
    is a call) stands for the call it wraps. Library objects that hold no weights (optimisers,
    loss modules, tensors: :func:`holds_no_weights`) are no modules.
    """
    for _ in range(4):
        value = callee_value(snapshot, path, call)
        name = callee_name(snapshot, path, call, value)
        last = name.rsplit(".", 1)[-1]
        if isinstance(value, ExternalRef) and holds_no_weights(name):
            return None
        if isinstance(value, ClassRef) or (
            not isinstance(value, (FunctionRef, ModuleRef)) and last[:1].isupper()
        ):
            return call, name
        first = call.args[0].value if call.args and call.args[0].keyword is None else None
        if not isinstance(first, Call) or last[:1].isupper():
            return None
        call = first
    return None


def positional_names(snapshot: PythonSnapshot, path: str, call: Call) -> tuple[str, ...]:
    """The names positional arguments bind: the callee's ``__init__`` (through its bases) or
    the known library signature; empty when unknown (arguments are then ``argN``)."""
    value = callee_value(snapshot, path, call)
    for _ in range(_MAX_CHAIN):
        if isinstance(value, ExternalRef):
            return TORCH_SIGNATURES.get(value.name) or AUDIO_SIGNATURES.get(value.name, ())
        if isinstance(value, FunctionRef):
            function = snapshot.function(value)
            params = function.params if function is not None else ()
            return tuple(p.name for p in params if p.kind == "positional")
        if not isinstance(value, ClassRef):
            return ()
        cls = snapshot.class_summary(value)
        if cls is None:
            return ()
        if cls.init is not None:
            return tuple(p.name for p in cls.init.params[1:] if p.kind == "positional")
        bases = snapshot.bases(value)
        value = bases[0] if bases else None
    return ()


def reaches_module(snapshot: PythonSnapshot, ref: ClassRef) -> bool:
    """Whether a class's base chain (through classes of the snapshot) reaches ``nn.Module``."""
    pending: list[Value] = [ref]
    seen: set[Value] = set()
    while pending and len(seen) < 200:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if isinstance(current, ExternalRef):
            if current.name in MODULE_BASES or current.name in TORCH_SIGNATURES:
                return True
        elif isinstance(current, ClassRef):
            pending.extend(snapshot.bases(current))
    return False

"""Inference on dummy inputs inside the runtime worker, and the comparison of two outputs.

The old revision's worker draws the inputs a profile describes from a seeded generator,
runs its model (with its own weights) and records inputs and outputs. The new revision's
worker, having loaded those weights, runs the recorded inputs through its own code, with
the generator seeded again before the call so that sampled noise is drawn alike, and
compares: output shapes, then the largest absolute difference and the relative error (that
difference over the largest absolute value of the old output). Weights that load but give
other outputs are the silent break: "it loads, but it's noise". Of the profile's input
alternatives, the first whose method the model has and whose inputs fit that method's
signature is run; an alternative's ``outputs`` say which of the returned values are compared.
torch is imported lazily;
like the worker, this module runs in the audited project's Python and imports only the
standard library (and torch). The inference call is timed (``seconds``); a model that calls
a stubbed module's function (:mod:`auditor.runtime.stubs`) is ``unavailable``, not failed.
"""

from __future__ import annotations

import inspect
import math
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.runtime.stubs import stub_failure
from auditor.runtime.terms import term_from_json


def last_line(error: BaseException) -> str:
    """The last line of ERROR as Python prints it (``ValueError: ...``)."""
    return traceback.format_exception_only(type(error), error)[-1].strip()


def clock(device: str) -> float:
    """Seconds on a monotonic clock, once the work queued on DEVICE (CUDA runs it
    asynchronously) is done."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    return time.perf_counter()


def run_inference(
    model: Any,
    choices: Sequence[Mapping[str, Any]],
    hps: Any,
    device: str,
    *,
    record: str | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    """Call ``model.<method>`` on seeded dummy inputs (or those recorded at REFERENCE).

    CHOICES are the profile's inputs in order: the first that fits the model (:func:`fits`)
    is run (the recorded one, when it fits). RECORD, when given, is where inputs and outputs
    are saved for the other revision; with REFERENCE the outputs are compared with the
    recorded ones (``comparison``).
    """
    import torch

    previous = None
    if reference and os.path.isfile(reference):
        previous = torch.load(reference, map_location="cpu", weights_only=True)
    inputs = choose(model, choices, recorded_choice(previous))
    if inputs is None:
        return {"ok": False, "error": none_fits(model, choices), "output_shapes": []}
    namespace = {"hps": hps, "model": model}
    seed = int(inputs.get("seed", 0))
    try:
        model.eval()
        torch.manual_seed(seed)
        args = [dummy(t, namespace, device) for t in inputs.get("args", [])]
        kwargs = {t["name"]: dummy(t, namespace, device) for t in inputs.get("kwargs", [])}
        names = [t["name"] for t in inputs.get("args", [])]
        differing = None if previous is None else input_difference(previous, args, kwargs, names)
        if previous is not None and previous["method"] != inputs["method"]:
            differing = f"{inputs['method']}() here, {previous['method']}() at the old revision"
        if previous is not None and differing is None:
            args = [t.to(device) for t in previous["args"]]
            kwargs = {k: t.to(device) for k, t in previous["kwargs"].items()}
        torch.manual_seed(seed)
        started = clock(device)
        with torch.no_grad():
            output = getattr(model, inputs["method"])(*args, **kwargs)
        seconds = round(clock(device) - started, 6)
        outputs = [t.detach().cpu() for t in tensors(selected(output, inputs.get("outputs")))]
    except (Exception, SystemExit) as error:
        stub = stub_failure(error)
        failed = {"ok": False, "error": stub or last_line(error), "output_shapes": []}
        return {**failed, "unavailable": True} if stub else failed
    result: dict[str, Any] = {
        "ok": True,
        "error": None,
        "method": inputs["method"],
        "output_shapes": [list(t.shape) for t in outputs],
        "seconds": seconds,
    }
    if record:
        saved = {
            "method": inputs["method"],
            "names": input_names(inputs),
            "args": [t.detach().cpu() for t in args],
            "kwargs": {k: t.detach().cpu() for k, t in kwargs.items()},
            "outputs": outputs,
        }
        torch.save(saved, record)
    if previous is not None:
        result["comparison"] = compare_outputs(previous["outputs"], outputs, differing)
    return result


def choose(
    model: Any,
    choices: Sequence[Mapping[str, Any]],
    recorded: tuple[str, list[str]] | None,
) -> Mapping[str, Any] | None:
    """The inputs to run: the RECORDED ones (method and input names) when they fit the model,
    else the first of CHOICES that fits."""
    usable = [c for c in choices if fits(model, c)]
    same = [c for c in usable if recorded == (c["method"], input_names(c))]
    return next(iter(same or usable), None)


def recorded_choice(previous: Mapping[str, Any] | None) -> tuple[str, list[str]] | None:
    """The method and input names of the inputs recorded at the old revision."""
    if previous is None:
        return None
    return str(previous["method"]), list(previous.get("names", ()))


def input_names(choice: Mapping[str, Any]) -> list[str]:
    """The names of CHOICE's positional inputs, in order, then of its keyword inputs, sorted."""
    args = [t["name"] for t in choice.get("args", [])]
    return [*args, *sorted(t["name"] for t in choice.get("kwargs", []))]


def fits(model: Any, choice: Mapping[str, Any]) -> bool:
    """Whether MODEL has CHOICE's method and CHOICE's inputs fit its parameters: each
    positional input is the parameter at its position, by name; each keyword input is a
    parameter (or the method takes ``**kwargs``); no parameter without a default is left out.
    A method whose signature cannot be read fits any inputs."""
    method = getattr(model, choice["method"], None)
    if not callable(method):
        return False
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return True
    kinds = inspect.Parameter
    params = list(signature.parameters.values())
    positional = [
        p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
    ]
    named = {p.name for p in params if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)}
    varargs = any(p.kind is kinds.VAR_POSITIONAL for p in params)
    varkw = any(p.kind is kinds.VAR_KEYWORD for p in params)
    args = [t["name"] for t in choice.get("args", [])]
    kwargs = [t["name"] for t in choice.get("kwargs", [])]
    if len(args) > len(positional) and not varargs:
        return False
    if any(name != p.name for name, p in zip(args, positional, strict=False)):
        return False
    if any(name not in named for name in kwargs) and not varkw:
        return False
    given = {*args, *kwargs}
    required = [
        p
        for p in params
        if p.default is p.empty and p.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
    ]
    return all(p.name in given for p in required)


def none_fits(model: Any, choices: Sequence[Mapping[str, Any]]) -> str:
    """Why none of CHOICES can be run: the methods the model lacks, or the signature of the
    one it has that none of their inputs fit."""
    methods = list(dict.fromkeys(c["method"] for c in choices))
    present = [m for m in methods if callable(getattr(model, m, None))]
    if not present:
        return f"the model has none of {', '.join(f'{m}()' for m in methods)}"
    said = []
    for name in present:
        try:
            params = inspect.signature(getattr(model, name)).parameters.values()
        except (TypeError, ValueError):
            params = None
        bare = [str(p.replace(annotation=p.empty)) for p in params or ()]
        said.append(f"{name}({', '.join(bare)})" if params is not None else f"{name}()")
    return f"none of the profile's inputs fit {', '.join(said)}"


def selected(output: Any, positions: Sequence[int] | None) -> Any:
    """The values of OUTPUT at POSITIONS (a value that is not a tuple or list is one value, at
    0); all of OUTPUT when POSITIONS is None."""
    if positions is None:
        return output
    values = list(output) if isinstance(output, (tuple, list)) else [output]
    beyond = [p for p in positions if p >= len(values)]
    if beyond:
        raise IndexError(
            f"the profile compares output {beyond[0]}, but the method returned "
            f"{len(values)} value{'s' if len(values) != 1 else ''}"
        )
    return [values[p] for p in positions]


def input_difference(
    previous: Mapping[str, Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    names: Sequence[str],
) -> str | None:
    """Why the recorded inputs cannot be given to this revision's model (None: they can)."""
    recorded = previous.get("names", names)
    old = [(name, t) for name, t in zip(recorded, previous["args"], strict=False)]
    old += [(k, t) for k, t in sorted(previous["kwargs"].items())]
    new = [(name, t) for name, t in zip(names, args, strict=True)]
    new += [(k, t) for k, t in sorted(kwargs.items())]
    if len(previous["args"]) != len(args) or [n for n, _ in old] != [n for n, _ in new]:
        return "the inputs differ in number or names"
    for (name, a), (_, b) in zip(old, new, strict=True):
        if tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype:
            return f"input {name}: {list(a.shape)} at the old revision, {list(b.shape)} at the new"
    return None


def compare_outputs(old: Sequence[Any], new: Sequence[Any], note: str | None) -> dict[str, Any]:
    """Shapes and errors of NEW against OLD; errors are None when they cannot be computed."""
    result: dict[str, Any] = {
        "old_shapes": [list(t.shape) for t in old],
        "new_shapes": [list(t.shape) for t in new],
        "max_abs_error": None,
        "max_rel_error": None,
        "compared": note is None,
        "note": note,
    }
    if note is not None or result["old_shapes"] != result["new_shapes"]:
        return result
    largest_error = 0.0
    largest_value = 0.0
    for a, b in zip(old, new, strict=True):
        if a.numel() == 0:
            continue
        a64, b64 = a.double(), b.double()
        both_nan = a64.isnan() & b64.isnan()
        error = float((a64 - b64).abs().masked_fill(both_nan, 0.0).max())
        if not math.isfinite(error):
            result["note"] = "the new outputs hold NaN or infinity where the old ones do not"
            return result
        largest_error = max(largest_error, error)
        finite = a64.masked_fill(~a64.isfinite(), 0.0)
        largest_value = max(largest_value, float(finite.abs().max()))
    if largest_error == 0.0:
        relative = 0.0
    else:
        relative = largest_error / largest_value if largest_value > 0 else math.inf
    result["max_abs_error"] = float(f"{largest_error:.6g}")
    if not math.isfinite(relative):
        result["note"] = "the old outputs are all zero; the new ones are not"
        return result
    result["max_rel_error"] = float(f"{relative:.6g}")
    return result


def dummy(spec: Mapping[str, Any], namespace: Mapping[str, Any], device: str) -> Any:
    """A random tensor as SPEC describes it (shape terms are evaluated over NAMESPACE)."""
    import torch

    shape = [int(term_from_json(t).value(namespace)) for t in spec["shape"]]
    dtype = spec.get("dtype", "float")
    if dtype == "float":
        return torch.randn(shape, device=device)
    if dtype == "bool":
        return torch.randint(0, 2, shape, device=device).bool()
    low = int(term_from_json(spec["low"]).value(namespace)) if spec.get("low") else 0
    high = int(term_from_json(spec["high"]).value(namespace)) if spec.get("high") else 2
    kind = torch.long if dtype == "long" else torch.int32
    return torch.randint(low, high, shape, dtype=kind, device=device)


def tensors(output: Any, limit: int = 16) -> list[Any]:
    """The tensors in OUTPUT (a tensor, or nested tuples, lists and dicts), in order."""
    import torch

    found: list[Any] = []
    pending = [output]
    while pending and len(found) < limit:
        item = pending.pop(0)
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            pending[:0] = list(item)
        elif isinstance(item, dict):
            pending[:0] = list(item.values())
    return found

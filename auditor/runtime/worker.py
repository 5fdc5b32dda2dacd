"""The runtime worker: builds a revision's models in its own process and reports on them.

Run as ``python -m auditor.runtime.worker REQUEST.json`` from the materialised tree. For each
model of the request it imports the repository's own code and builds the model on the
device. On the ``meta`` device nothing is allocated and the model's state-dict map (shape
and dtype of every key) is the whole answer. On a real device the worker saves the state
dict (plain tensors) when asked, and, when given another revision's saved state dict,
compares shapes, loads it with ``strict=False`` and runs inference on dummy inputs.
The result is one JSON document on stdout; anything the model code prints goes to stderr.
Fatal problems (no torch, no CUDA when asked for) are ``{"fatal": message}``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

EXIT_FATAL = 3
#: The first words of the error of a model whose code imports a module that is not installed.
UNAVAILABLE = "runtime check unavailable"


class Fatal(Exception):
    """The worker cannot run at all."""


def last_line(error: BaseException) -> str:
    """The last line of ERROR as Python prints it (``ValueError: ...``)."""
    return traceback.format_exception_only(type(error), error)[-1].strip()


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise Fatal("--device cuda was asked for, but torch sees no CUDA device")
    return requested


def run(request: Mapping[str, Any]) -> dict[str, Any]:
    """Build and check every model of REQUEST; the JSON-ready result."""
    try:
        import torch
    except ImportError:
        raise Fatal(
            "torch is not installed: install it (pip install 'model-repo-auditor[runtime]')"
        ) from None
    device = pick_device(request["device"])
    roots = list(request["sys_path"])
    sys.path[:0] = roots
    results = {m["name"]: check_model(m, device, roots) for m in request["models"]}
    return {"device": device, "torch": str(torch.__version__), "models": results}


def check_model(spec: Mapping[str, Any], device: str, roots: Sequence[str]) -> dict[str, Any]:
    """Build one model; its state-dict map, and the save, load and inference asked for."""
    import torch

    result: dict[str, Any] = {"built": False, "error": spec.get("error")}
    if result["error"] is not None:
        return result
    started = time.perf_counter()
    try:
        model = build(spec, device)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        message = build_error(error, roots)
        result.update(error=message, unavailable=message.startswith(UNAVAILABLE))
        return result
    state = model.state_dict()
    result.update(
        built=True,
        seconds=round(time.perf_counter() - started, 3),
        parameters={k: list(v.shape) for k, v in state.items()},
        dtypes={k: str(v.dtype).removeprefix("torch.") for k, v in state.items()},
    )
    if device == "meta":
        return result
    state = {k: v.detach().cpu() for k, v in state.items()}
    if spec.get("save"):
        torch.save(state, spec["save"])
    if spec.get("load"):
        loaded = load_into(model, spec["load"], state, device)
        result["load"] = loaded
        if loaded["loaded"] and spec.get("inputs") is not None:
            result["inference"] = infer(model, spec["inputs"], spec["hps"], device)
    return result


def build(spec: Mapping[str, Any], device: str) -> Any:
    """``module.class(*args, **kwargs)`` of SPEC, on DEVICE (meta: under ``torch.device``)."""
    import torch

    module = importlib.import_module(spec["module"])
    factory = getattr(module, spec["class"])
    torch.manual_seed(0)
    if device == "meta":
        with torch.device("meta"):
            return factory(*spec["args"], **spec["kwargs"])
    return factory(*spec["args"], **spec["kwargs"]).to(device)


def build_error(error: BaseException, roots: Sequence[str]) -> str:
    """What stopped a build; a third-party module that is not installed is said plainly."""
    if isinstance(error, ModuleNotFoundError) and error.name:
        top = error.name.split(".")[0]
        own = any(
            (Path(root) / top).is_dir() or (Path(root) / f"{top}.py").is_file() for root in roots
        )
        if not own:
            return f"{UNAVAILABLE}: module {error.name} not installed"
    return last_line(error)


def load_into(model: Any, path: str, own: Mapping[str, Any], device: str) -> dict[str, Any]:
    """Load the state dict at PATH into MODEL; shape mismatches are found before loading."""
    import torch

    old = torch.load(path, map_location=device, weights_only=True)
    mismatched = [
        {"key": k, "old": list(v.shape), "new": list(own[k].shape)}
        for k, v in old.items()
        if k in own and tuple(v.shape) != tuple(own[k].shape)
    ]
    outcome: dict[str, Any] = {
        "loaded": False,
        "missing": sorted(set(own) - set(old)),
        "unexpected": sorted(set(old) - set(own)),
        "mismatched": mismatched,
        "error": None,
    }
    if mismatched:
        return outcome
    try:
        keys = model.load_state_dict(old, strict=False)
    except Exception as error:
        outcome["error"] = last_line(error)
        return outcome
    outcome.update(
        loaded=True, missing=sorted(keys.missing_keys), unexpected=sorted(keys.unexpected_keys)
    )
    return outcome


def infer(model: Any, inputs: Mapping[str, Any], hps: Any, device: str) -> dict[str, Any]:
    """Call ``model.<method>`` on dummy inputs; the shapes of the tensors it returns."""
    import torch

    from auditor.runtime.inference import dummy, tensor_shapes

    namespace = {"hps": hps, "model": model}
    try:
        model.eval()
        torch.manual_seed(inputs.get("seed", 0))
        args = [dummy(t, namespace, device) for t in inputs.get("args", [])]
        kwargs = {t["name"]: dummy(t, namespace, device) for t in inputs.get("kwargs", [])}
        with torch.no_grad():
            output = getattr(model, inputs["method"])(*args, **kwargs)
    except Exception as error:
        return {"ok": False, "error": last_line(error), "output_shapes": []}
    return {"ok": True, "error": None, "output_shapes": tensor_shapes(output)}


def main(argv: list[str]) -> int:
    """Read the request file, run it, print the result as JSON on the original stdout."""
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the model code's prints, even from C, must not corrupt the JSON
    sys.stdout = sys.stderr
    code = 0
    try:
        with open(argv[0], encoding="utf-8") as handle:
            request = json.load(handle)
        result = run(request)
    except Fatal as error:
        result, code = {"fatal": str(error)}, EXIT_FATAL
    except Exception as error:
        result, code = {"fatal": f"worker error: {last_line(error)}"}, EXIT_FATAL
    report.write(json.dumps(result) + "\n")
    report.close()
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

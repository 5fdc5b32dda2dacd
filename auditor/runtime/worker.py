"""The runtime worker: builds a revision's models in its own process and reports on them.

Run as ``python -m auditor.runtime.worker REQUEST.json`` from the materialised tree. For each
model of the request it imports the repository's own code and builds the model on the
device. On the ``meta`` device nothing is allocated and the model's state-dict map (shape
and dtype of every key) is the whole answer. On a real device the worker saves the state
dict (plain tensors) when asked, and, when given another revision's saved state dict,
compares shapes, loads it with ``strict=False`` and runs inference on seeded dummy inputs:
the old revision records its inputs and outputs, the new one runs the same inputs and
compares its outputs with them. A model whose request asks to ``export`` is exported instead
(:mod:`auditor.runtime.export`) and the exported graph run against the eager model.
The result is one JSON document on stdout; anything the model code prints goes to stderr.
Before it, the worker says on a line of its own which model it starts (``{"starting": name,
"device": device}``) and, once done, that model's result (``{"finished": name, "result":
...}``): when a model hangs or kills the worker, the parent knows which one it was and keeps
the others' results. Fatal problems (no torch, no CUDA when asked for) are ``{"fatal":
message}``. The worker ignores SIGINT: on Ctrl-C the parent ends it.

A model names candidate modules (``"modules"``): the first that exists is imported; a
revision with none of them does not have the model (``not_applicable``, like a variant whose
class or constructor parameter is absent). The modules of the repository the profile stubs
for a model (``"stub_modules"``) are stubbed before its build. A third-party module the
model's module imports but that is not installed is stubbed (:mod:`auditor.runtime.imports`,
when the request says ``"stub_imports": true``) and the import tried again; a model built so
says which (``"stubbed": ["faiss"]``). A module that calls ``sys.exit`` while it is imported
(or a constructor that does) fails the build, naming the module; the worker goes on. Each
model's ``timings`` are the seconds its build (the first build of a module imports it too),
its ``load_state_dict`` and its inference call took.

The worker may run in the audited project's own Python, which has torch and the packages the
project's code imports but not the auditor's dependencies: it and the modules it imports
(:mod:`auditor.runtime.build`, :mod:`auditor.runtime.inference`, :mod:`auditor.runtime.terms`,
:mod:`auditor.runtime.evaluate`, :mod:`auditor.runtime.imports`, :mod:`auditor.runtime.stubs`,
:mod:`auditor.runtime.export`)
use only the standard library and torch.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Any

from auditor.runtime.build import NotApplicable, build, build_error, candidates
from auditor.runtime.export import export_model
from auditor.runtime.imports import stub_profile_modules, stubbing, stubs_of, tops
from auditor.runtime.inference import clock, last_line, run_inference
from auditor.runtime.stubs import UNAVAILABLE, stub_failure

EXIT_FATAL = 3
#: Told each progress line (``starting`` and ``finished``) while a request is answered.
Progress = Callable[[dict[str, Any]], None]


class Fatal(Exception):
    """The worker cannot run at all."""


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise Fatal("--device cuda was asked for, but torch sees no CUDA device")
    return requested


def run(request: Mapping[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Build and check every model of REQUEST; the JSON-ready result.

    PROGRESS is told when each model starts and what it gave when it finishes."""
    try:
        import torch
    except ImportError:
        raise Fatal(
            f"torch is not installed for {sys.executable}: install it "
            "(pip install 'model-repo-auditor[runtime]'), or run the check with a Python that "
            "has it (--python)"
        ) from None
    device = pick_device(request["device"])
    roots = list(request["sys_path"])
    sys.path[:0] = [root for root in roots if root not in sys.path]
    own = set(request.get("own_modules", ()))
    stub_imports = bool(request.get("stub_imports", False))
    restore_exports(request.get("exports", {}))
    results: dict[str, Any] = {}
    for model in request["models"]:
        if progress is not None:
            progress({"starting": model["name"], "device": device})
        results[model["name"]] = check_model(model, device, own, stub_imports)
        if progress is not None:
            progress({"finished": model["name"], "result": results[model["name"]]})
    return {"device": device, "torch": str(torch.__version__), "models": results}


def restore_exports(exports: Mapping[str, Any]) -> None:
    """Set on each library module of EXPORTS the names (``module.attribute``) it lacks; a
    library or name that is not installed is left alone (the build says what it misses)."""
    for library, names in exports.items():
        try:
            target = importlib.import_module(library)
        except ImportError:
            continue
        for dotted in names:
            source, _, attribute = dotted.rpartition(".")
            if hasattr(target, attribute):
                continue
            try:
                value = getattr(importlib.import_module(source), attribute)
            except (ImportError, AttributeError):
                continue
            setattr(target, attribute, value)


def check_model(
    spec: Mapping[str, Any], device: str, own: set[str], stub_imports: bool = False
) -> dict[str, Any]:
    """Build one model; its state-dict map, and the save, load and inference asked for.

    With STUB_IMPORTS, a third-party module its code imports but that is not installed is
    stubbed (OWN: the repository's own top-level modules, never stubbed)."""
    import torch

    result: dict[str, Any] = {"built": False, "error": spec.get("error")}
    if spec.get("not_applicable"):
        result["not_applicable"] = True
    if result["error"] is not None:
        return result
    modules = candidates(spec)
    stub_profile_modules(spec.get("stub_modules", ()), own | tops(modules))
    started = clock(device)
    built: list[str] = []
    try:
        if stub_imports:
            model = stubbing(lambda: build(spec, device, built), modules, own)
        else:
            model = build(spec, device, built)
    except NotApplicable as error:
        result.update(error=str(error), not_applicable=True)
        return result
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        message = build_error(error, own, spec)
        result.update(error=message, unavailable=message.startswith(UNAVAILABLE))
        return result
    timings: dict[str, Any] = {"device": device, "build": round(clock(device) - started, 6)}
    state = model.state_dict()
    result.update(
        built=True,
        timings=timings,
        stubbed=stubs_of(built[-1], own),
        parameters={k: list(v.shape) for k, v in state.items()},
        dtypes={k: str(v.dtype).removeprefix("torch.") for k, v in state.items()},
    )
    if device == "meta":
        return result
    if spec.get("export") is not None:
        result["export"] = export_model(
            model, spec.get("inputs") or [], spec["hps"], device, spec["export"].get("onnx_file")
        )
        seconds = result["export"].pop("seconds", None)
        if seconds is not None:
            timings["export"] = seconds
        return result
    state = {k: v.detach().cpu() for k, v in state.items()}
    if spec.get("save"):
        torch.save(state, spec["save"])
    if spec.get("load"):
        result["load"] = load_into(model, spec["load"], state, device)
        seconds = result["load"].pop("seconds", None)
        if seconds is not None:
            timings["load"] = seconds
        if not result["load"]["loaded"]:
            return result
    if spec.get("inputs") is not None and (spec.get("load") or spec.get("record")):
        result["inference"] = run_inference(
            model,
            spec["inputs"],
            spec["hps"],
            device,
            record=spec.get("record"),
            reference=spec.get("reference"),
        )
        seconds = result["inference"].pop("seconds", None)
        if seconds is not None:
            timings["inference"] = seconds
    return result


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
    started = clock(device)
    try:
        keys = model.load_state_dict(old, strict=False)
    except (Exception, SystemExit) as error:
        stub = stub_failure(error)
        outcome.update(error=stub or last_line(error), unavailable=stub is not None)
        return outcome
    finally:
        outcome["seconds"] = round(clock(device) - started, 6)
    outcome.update(
        loaded=True, missing=sorted(keys.missing_keys), unexpected=sorted(keys.unexpected_keys)
    )
    return outcome


def answer(path: str, progress: Progress | None = None) -> tuple[dict[str, Any], int]:
    """The result of the request stored at PATH, and the exit code it implies."""
    try:
        with open(path, encoding="utf-8") as handle:
            request = json.load(handle)
        return run(request, progress), 0
    except Fatal as error:
        return {"fatal": str(error)}, EXIT_FATAL
    except (Exception, SystemExit) as error:
        return {"fatal": f"worker error: {last_line(error)}"}, EXIT_FATAL


def main(argv: list[str]) -> int:
    """Answer the request file ARGV[0], or each request file named on a line of stdin.

    Answers are one JSON line each on the original stdout; the model code's own output goes
    to stderr. Serving several requests from one process lets a revision be built on the
    meta device and then for real with torch and the repository's code imported once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):  # the parent held SIGINT back while starting us
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the model code's prints, even from C, must not corrupt the JSON

    def say(line: dict[str, Any]) -> None:
        report.write(json.dumps(line) + "\n")
        report.flush()

    sys.stdout = sys.stderr
    code = 0
    paths = argv[:1] or iter(sys.stdin.readline, "")
    for line in paths:
        result, code = answer(line.strip(), say)
        say(result)
    report.close()
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

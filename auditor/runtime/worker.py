"""The runtime worker: builds a revision's models in its own process and reports on them.

Run as ``python -m auditor.runtime.worker REQUEST.json`` from the materialised tree. For each
model of the request it imports the repository's own code and builds the model on the
device. On the ``meta`` device nothing is allocated and the model's state-dict map (shape
and dtype of every key) is the whole answer. On a real device the worker saves the state
dict (plain tensors) when asked, and, when given another revision's saved state dict,
compares shapes, loads it with ``strict=False`` and runs inference on seeded dummy inputs:
the old revision records its inputs and outputs, the new one runs the same inputs and
compares its outputs with them.
The result is one JSON document on stdout; anything the model code prints goes to stderr.
Before it, the worker says on a line of its own which model it starts (``{"starting": name,
"device": device}``) and, once done, that model's result (``{"finished": name, "result":
...}``): when a model hangs or kills the worker, the parent knows which one it was and keeps
the others' results. Fatal problems (no torch, no CUDA when asked for) are ``{"fatal":
message}``. The worker ignores SIGINT: on Ctrl-C the parent ends it.

A third-party module the model's module imports but that is not installed is stubbed
(:mod:`auditor.runtime.imports`, when the request says ``"stub_imports": true``) and the
import tried again; a model built so says which (``"stubbed": ["faiss"]``). Each model's
``timings`` are the seconds its build (the first build of a module imports it too), its
``load_state_dict`` and its inference call took.

The worker may run in the audited project's own Python, which has torch and the packages the
project's code imports but not the auditor's dependencies: it and the modules it imports
(:mod:`auditor.runtime.inference`, :mod:`auditor.runtime.terms`,
:mod:`auditor.runtime.evaluate`, :mod:`auditor.runtime.imports`, :mod:`auditor.runtime.stubs`)
use only the standard library and torch.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from auditor.runtime.imports import import_model_module, stubbing, stubs_of
from auditor.runtime.inference import clock, last_line, run_inference
from auditor.runtime.stubs import UNAVAILABLE, stub_failure

EXIT_FATAL = 3
#: Told each progress line (``starting`` and ``finished``) while a request is answered.
Progress = Callable[[dict[str, Any]], None]


class Fatal(Exception):
    """The worker cannot run at all."""


class NotApplicable(Exception):
    """A variant does not exist at this revision (its class or a parameter it needs)."""


def parameters(factory: Any) -> set[str]:
    """The named parameters FACTORY's constructor takes (``**kwargs`` names none)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return set()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in signature.parameters.values() if p.kind in kinds}


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
    results: dict[str, Any] = {}
    for model in request["models"]:
        if progress is not None:
            progress({"starting": model["name"], "device": device})
        results[model["name"]] = check_model(model, device, own, stub_imports)
        if progress is not None:
            progress({"finished": model["name"], "result": results[model["name"]]})
    return {"device": device, "torch": str(torch.__version__), "models": results}


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
    started = clock(device)
    try:
        if stub_imports:
            model = stubbing(lambda: build(spec, device), spec["module"], own)
        else:
            model = build(spec, device)
    except NotApplicable as error:
        result.update(error=str(error), not_applicable=True)
        return result
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        message = build_error(error, own)
        result.update(error=message, unavailable=message.startswith(UNAVAILABLE))
        return result
    timings: dict[str, Any] = {"device": device, "build": round(clock(device) - started, 6)}
    state = model.state_dict()
    result.update(
        built=True,
        timings=timings,
        stubbed=stubs_of(spec["module"], own),
        parameters={k: list(v.shape) for k, v in state.items()},
        dtypes={k: str(v.dtype).removeprefix("torch.") for k, v in state.items()},
    )
    if device == "meta":
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


def build(spec: Mapping[str, Any], device: str) -> Any:
    """``module.class(*args, **kwargs)`` of SPEC, on DEVICE (meta: under ``torch.device``)."""
    import torch

    module = import_model_module(spec["module"])
    factory = getattr(module, spec["class"], None)
    if factory is None and spec.get("variant"):
        raise NotApplicable(f"{spec['module']} has no {spec['class']} at this revision")
    if factory is None:
        raise AttributeError(f"module {spec['module']!r} has no attribute {spec['class']!r}")
    absent = [name for name in spec.get("requires", ()) if name not in parameters(factory)]
    if absent:
        raise NotApplicable(f"{spec['class']} takes no {', '.join(absent)} at this revision")
    torch.manual_seed(0)
    if device == "meta":
        with torch.device("meta"), _no_random_init_on_meta():
            return factory(*spec["args"], **spec["kwargs"])
    return factory(*spec["args"], **spec["kwargs"]).to(device)


#: In-place random initialisers; on meta tensors they have nothing to fill.
_INITIALISERS = ("normal_", "uniform_", "random_", "exponential_", "log_normal_", "cauchy_")


@contextmanager
def _no_random_init_on_meta() -> Iterator[None]:
    """Make random initialisation of meta tensors a no-op while a model is built.

    On ``meta`` these fall back to Python decompositions whose first use imports
    ``torch._dynamo`` (over a second, more than building the model); the values they would
    draw do not exist on meta anyway.
    """
    import torch

    saved = {name: getattr(torch.Tensor, name) for name in _INITIALISERS}

    def skipping(original: Any) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return self if self.is_meta else original(self, *args, **kwargs)

        return method

    for name, original in saved.items():
        setattr(torch.Tensor, name, skipping(original))
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(torch.Tensor, name, original)


def build_error(error: BaseException, own: set[str]) -> str:
    """What stopped a build; a third-party module that is not installed, or a stub standing
    for one, is said plainly (starting with :data:`UNAVAILABLE`).

    OWN are the top-level modules the repository holds: a missing one of those is a build
    failure of the repository, not a package to install.
    """
    stub = stub_failure(error)
    if stub is not None:
        return stub
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    if missing and missing.split(".")[0] not in own:
        return f"{UNAVAILABLE}: module {missing} not installed"
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
    started = clock(device)
    try:
        keys = model.load_state_dict(old, strict=False)
    except Exception as error:
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
    except Exception as error:
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

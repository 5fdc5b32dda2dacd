"""Export inside the runtime worker: a built model to TorchScript and ONNX, run against itself.

The profile's inference inputs are drawn from a seeded generator as for the runtime
comparison (:mod:`auditor.runtime.inference`). The model's inference method is traced with
``torch.jit.trace`` (it is scripted with ``torch.jit.script`` when tracing fails); the
exported graph and the eager model then run the same inputs, the generator seeded again
before each call so that sampled noise is drawn alike, and their outputs are compared. A
trace records the path one input took: a branch on a tensor's value is frozen in it. So the
graph also runs a second draw of the same shapes (seed + 1), where a frozen branch shows.
With the ``onnx`` package importable the method is exported to ONNX as well and, with
``onnxruntime``, that graph runs both draws too.

Like the worker, this module runs in the audited project's Python: standard library and
torch (onnx and onnxruntime when they are there).
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.runtime.inference import (
    choose,
    clock,
    compare_outputs,
    dummy,
    last_line,
    none_fits,
    selected,
    tensors,
)
from auditor.runtime.stubs import stub_failure

#: What is said when the ``onnx`` package cannot be imported (not a failure).
ONNX_MISSING = "onnx not installed"
ONNXRUNTIME_MISSING = "onnxruntime not installed: the ONNX graph was exported, not run"
#: ONNX operators that draw random numbers with the runtime's own generator: a graph holding
#: one (a decoder that samples noise) cannot give the eager model's outputs.
RANDOM_OPS = frozenset(
    {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial"}
)
#: How many warnings of the tracer are kept per model.
WARNINGS_KEPT = 5


def method_module(
    model: Any,
    method: str,
    positional: int,
    names: Sequence[str],
    positions: Sequence[int] | None = None,
) -> Any:
    """A module whose ``forward`` is METHOD of MODEL, taking its POSITIONAL inputs and then its
    keyword inputs (NAMES) positionally, and returning the outputs at POSITIONS (all: None):
    what tracing and ONNX export need."""
    import torch

    class Method(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            kwargs = dict(zip(names, inputs[positional:], strict=True))
            output = getattr(self.model, method)(*inputs[:positional], **kwargs)
            return output if positions is None else tuple(selected(output, positions))

    return Method()


def draw(
    choice: Mapping[str, Any], hps: Any, model: Any, device: str, seed: int
) -> tuple[list[Any], list[str]]:
    """CHOICE's inputs drawn with SEED: positional ones, then keyword ones by name; and the
    keyword inputs' names, in that order."""
    import torch

    namespace = {"hps": hps, "model": model}
    torch.manual_seed(seed)
    args = [dummy(t, namespace, device) for t in choice.get("args", [])]
    kwargs = {t["name"]: dummy(t, namespace, device) for t in choice.get("kwargs", [])}
    names = sorted(kwargs)
    return [*args, *(kwargs[n] for n in names)], names


def run(
    function: Any, inputs: Sequence[Any], seed: int, positions: Sequence[int] | None = None
) -> list[Any]:
    """FUNCTION on INPUTS, the generator seeded first; the tensors of its outputs at POSITIONS
    (all: None)."""
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        output = function(*inputs)
    return [t.detach().cpu() for t in tensors(selected(output, positions))]


def export_model(
    model: Any,
    choices: Sequence[Mapping[str, Any]],
    hps: Any,
    device: str,
    onnx_file: str | None = None,
) -> dict[str, Any]:
    """Export MODEL's inference method (the first of CHOICES that fits) and compare.

    The answer says whether the eager model ran (``ok``, ``error``), how the TorchScript
    graph was made (``torchscript.how``: ``trace`` or ``script``) or why it could not be
    (``torchscript.error``), and, per draw, how its outputs compare with the eager model's
    (:func:`~auditor.runtime.inference.compare_outputs`); ``onnx`` says the same of the ONNX
    export to ONNX_FILE, or why it was not done.
    """
    choice = choose(model, choices, None)
    if choice is None:
        return {"ok": False, "error": none_fits(model, choices)}
    model.eval()
    seed = int(choice.get("seed", 0))
    positions = choice.get("outputs")
    started = clock(device)
    try:
        first, names = draw(choice, hps, model, device, seed)
        second, _ = draw(choice, hps, model, device, seed + 1)
        positional = len(choice.get("args", []))
        eager = method_module(model, choice["method"], positional, names, positions)
        expected = [run(eager, first, seed), run(eager, second, seed + 1)]
    except (Exception, SystemExit) as error:
        stub = stub_failure(error)
        failed = {"ok": False, "error": stub or last_line(error)}
        return {**failed, "unavailable": True} if stub else failed
    result: dict[str, Any] = {
        "ok": True,
        "error": None,
        "method": choice["method"],
        "output_shapes": [list(t.shape) for t in expected[0]],
        "torchscript": torchscript(
            eager,
            model,
            choice["method"] == "forward" and not names,
            [(seed, first), (seed + 1, second)],
            expected,
            positions,
        ),
        "onnx": onnx_export(eager, [(seed, first), (seed + 1, second)], expected, onnx_file),
    }
    result["seconds"] = round(clock(device) - started, 6)
    return result


def torchscript(
    eager: Any,
    model: Any,
    scriptable: bool,
    draws: Sequence[tuple[int, Sequence[Any]]],
    expected: Sequence[Sequence[Any]],
    positions: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Trace EAGER on the first of DRAWS (``(seed, inputs)``), else script MODEL when it is
    SCRIPTABLE (its ``forward`` takes the inputs as they come); the graph's outputs on each
    draw (a scripted model's at POSITIONS: EAGER selects its own) compared with EXPECTED."""
    import torch
    from torch.jit._trace import TracerWarning

    trace: Any = torch.jit.trace
    found: dict[str, Any] = {"how": None, "error": None, "warnings": [], "comparisons": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TracerWarning)
        try:
            graph = trace(eager, tuple(draws[0][1]), check_trace=False)
            found["how"] = "trace"
        except Exception as error:
            found["error"] = f"trace: {last_line(error)}"
            graph = None
    found["warnings"] = _tracer_warnings(caught)
    if graph is None:
        if not scriptable:
            return found
        try:
            graph = torch.jit.script(model)
        except Exception as error:
            found["error"] += f"; script: {_first_line(error)}"
            return found
        found.update(how="script", error=None)
    else:
        positions = None
    try:
        for (seed, inputs), wanted in zip(draws, expected, strict=True):
            got = run(graph, inputs, seed, positions)
            found["comparisons"].append(compare_outputs(wanted, got, None))
    except Exception as error:
        found["error"] = f"running the {found['how']}d graph: {last_line(error)}"
    return found


def _first_line(error: BaseException) -> str:
    """The first line of ERROR's last line (TorchScript quotes the source below it)."""
    return last_line(error).splitlines()[0]


def _tracer_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """The first lines of the tracer's warnings, each once, in order."""
    from torch.jit._trace import TracerWarning

    said = [
        str(w.message).strip().splitlines()[0].split(". ")[0].rstrip(".") + "."
        for w in caught
        if issubclass(w.category, TracerWarning) and str(w.message).strip()
    ]
    return list(dict.fromkeys(said))[:WARNINGS_KEPT]


def onnx_export(
    eager: Any,
    draws: Sequence[tuple[int, Sequence[Any]]],
    expected: Sequence[Sequence[Any]],
    path: str | None,
) -> dict[str, Any]:
    """Export EAGER to ONNX at PATH on the first of DRAWS (``(seed, inputs)``) and, with
    onnxruntime installed, run the graph on each draw; its outputs compared with EXPECTED.

    An ONNX graph belongs to no device and onnxruntime runs it on the CPU here: a model on
    another device is moved to the CPU first (tensors the model's code makes on the CPU then
    meet its own), and the graph is compared with its outputs there.
    """
    if importlib.util.find_spec("onnx") is None:
        return {"status": "not-installed", "error": None, "note": ONNX_MISSING}
    if path is None:
        return {"status": "not-run", "error": None, "note": "no file to export to"}
    import torch

    try:
        if _devices(draws) - {"cpu"}:  # the last use of the model: moved, not copied
            eager = eager.cpu()
            draws = [(seed, [_on_cpu(value) for value in inputs]) for seed, inputs in draws]
            expected = [run(eager, inputs, seed) for seed, inputs in draws]
        torch.manual_seed(draws[0][0])
        torch.onnx.export(eager, tuple(draws[0][1]), path, dynamo=False)
    except Exception as error:  # the exporter's messages run over lines: one line of them
        return {"status": "failed", "error": " ".join(last_line(error).split()), "note": None}
    random = random_ops(path)
    if importlib.util.find_spec("onnxruntime") is None:
        return {"status": "exported", "error": None, "note": ONNXRUNTIME_MISSING}
    comparisons = []
    try:
        onnxruntime = importlib.import_module("onnxruntime")
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        for (_, inputs), wanted in zip(draws, expected, strict=True):
            feeds = {
                entry.name: tensor.detach().cpu().numpy()
                for entry, tensor in zip(session.get_inputs(), inputs, strict=False)
            }
            got = [torch.from_numpy(value) for value in session.run(None, feeds)]
            comparisons.append(compare_outputs(wanted, got, None))
    except Exception as error:
        failed = f"running the ONNX graph: {_first_line(error)}"
        return {"status": "failed", "error": failed, "note": None}
    found: dict[str, Any] = {"status": "ran", "error": None, "note": None}
    found["comparisons"] = comparisons
    if random:
        found["random_ops"] = random
    return found


def _devices(draws: Sequence[tuple[int, Sequence[Any]]]) -> set[str]:
    """The device types of the tensors among DRAWS' inputs."""
    return {
        value.device.type for _, inputs in draws for value in inputs if hasattr(value, "device")
    }


def _on_cpu(value: Any) -> Any:
    return value.cpu() if hasattr(value, "cpu") else value


def random_ops(path: str) -> list[str]:
    """The operators of the ONNX graph at PATH (its subgraphs included) that draw random
    numbers, sorted."""
    onnx = importlib.import_module("onnx")
    pending = [onnx.load(path).graph]
    found: set[str] = set()
    while pending:
        graph = pending.pop()
        for node in graph.node:
            if node.op_type in RANDOM_OPS:
                found.add(str(node.op_type))
            pending += [a.g for a in node.attribute if a.HasField("g")]
            pending += [g for a in node.attribute for g in a.graphs]
    return sorted(found)

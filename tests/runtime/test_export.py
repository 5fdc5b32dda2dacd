"""The worker side of ``export-check``: trace or script a built model, run the graph against it."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.runtime.export import ONNX_MISSING, export_model
from tests.export_models import NETS, branching_nets

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

#: The profile's inputs as the worker receives them: one ``x`` of width 4.
INPUTS = [
    {
        "method": "forward",
        "seed": 0,
        "args": [
            {
                "name": "x",
                "dtype": "float",
                "shape": [{"key": "a", "literal": 1}, {"key": "b", "literal": 4}],
            }
        ],
        "kwargs": [],
        "outputs": None,
    }
]


@pytest.fixture
def nets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """nets.py with Branchy branching on its input, imported from a temporary folder."""
    (tmp_path / "export_nets.py").write_text(branching_nets(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import export_nets

    yield export_nets
    sys.modules.pop("export_nets", None)


def exported(module: Any, name: str, choices: list[dict[str, Any]] = INPUTS) -> dict[str, Any]:
    torch.manual_seed(0)
    return export_model(getattr(module, name)(4), choices, {}, "cpu", None)


def test_a_model_that_traces_matches_on_both_draws(nets: Any) -> None:
    found = exported(nets, "Plain")
    assert found["ok"] and found["method"] == "forward"
    assert found["output_shapes"] == [[1, 4]]
    script = found["torchscript"]
    assert script["how"] == "trace" and script["error"] is None and script["warnings"] == []
    assert [c["max_rel_error"] for c in script["comparisons"]] == [0.0, 0.0]


def test_noise_is_drawn_alike_in_the_trace_and_the_model(nets: Any) -> None:
    script = exported(nets, "Noisy")["torchscript"]
    assert [c["max_rel_error"] for c in script["comparisons"]] == [0.0, 0.0]


def test_a_branch_on_a_value_is_frozen_in_the_trace_and_the_second_draw_shows_it(
    nets: Any,
) -> None:
    script = exported(nets, "Branchy")["torchscript"]
    assert script["how"] == "trace"
    assert any("Python boolean" in w for w in script["warnings"])
    first, second = script["comparisons"]
    assert first["max_rel_error"] == 0.0  # the draw it was traced on takes the same branch
    assert second["max_rel_error"] > 0.1


def test_a_model_that_neither_traces_nor_scripts_says_both_errors(nets: Any) -> None:
    script = exported(nets, "Opaque")["torchscript"]
    assert script["how"] is None and script["comparisons"] == []
    assert script["error"].startswith("trace: RuntimeError: Only tensors")
    assert "; script: " in script["error"] and "\n" not in script["error"]


def test_a_forward_that_does_not_trace_is_scripted(tmp_path: Path, nets: Any) -> None:
    source = NETS + (
        "\n\nclass Counted(Plain):\n"
        "    def forward(self, x):\n"
        "        y = self.proj(x)\n"
        '        return y, "frames"\n'
    )
    (tmp_path / "counted_nets.py").write_text(source, encoding="utf-8")
    import counted_nets

    try:
        script = exported(counted_nets, "Counted")["torchscript"]
    finally:
        sys.modules.pop("counted_nets", None)
    assert script["how"] == "script" and script["error"] is None
    assert [c["max_rel_error"] for c in script["comparisons"]] == [0.0, 0.0]


def test_onnx_is_exported_only_when_installed(nets: Any) -> None:
    onnx = exported(nets, "Plain")["onnx"]
    if importlib.util.find_spec("onnx") is None:
        assert onnx == {"status": "not-installed", "error": None, "note": ONNX_MISSING}
    else:
        assert onnx["status"] != "not-installed"


def test_the_onnx_graph_runs_both_draws(nets: Any, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")

    def onnx(name: str) -> dict[str, Any]:
        torch.manual_seed(0)
        found = export_model(getattr(nets, name)(4), INPUTS, {}, "cpu", str(tmp_path / "m.onnx"))
        return dict(found["onnx"])

    plain = onnx("Plain")
    assert plain["status"] == "ran"
    assert [c["max_rel_error"] < 1e-6 for c in plain["comparisons"]] == [True, True]
    first, second = onnx("Branchy")["comparisons"]  # the ONNX exporter traces too
    assert first["max_rel_error"] < 1e-6 and second["max_rel_error"] > 0.1
    noisy = onnx("Noisy")  # ONNX draws its noise with its own generator
    assert noisy["random_ops"] == ["RandomNormalLike"] and noisy["status"] == "ran"
    failed = onnx("Opaque")
    assert failed["status"] == "failed" and "\n" not in failed["error"]


def test_inputs_that_fit_no_method_are_not_run(nets: Any) -> None:
    choices = [{**INPUTS[0], "method": "decode"}]
    found = exported(nets, "Plain", choices)
    assert found == {"ok": False, "error": "the model has none of decode()"}


def test_only_the_outputs_the_profile_compares_are_traced(nets: Any) -> None:
    choices = [{**INPUTS[0], "outputs": [0]}]
    found = exported(nets, "Opaque", choices)  # its float output is left out: it traces
    assert found["output_shapes"] == [[1, 4]]
    script = found["torchscript"]
    assert script["how"] == "trace" and script["error"] is None
    assert [c["max_rel_error"] for c in script["comparisons"]] == [0.0, 0.0]

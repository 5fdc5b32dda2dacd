"""``model-audit export-check``: JSON and table output, a range, exit codes 0, 1, 2 and 3."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.export_models import NETS, profile
from tests.gitrepo import GitRepo
from tests.test_cli import run


@pytest.mark.torch
def test_a_revision_where_a_trace_differs_exits_1(
    export_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    code, out, err = run(capsys, "export-check", str(export_repo.path), "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    validate(document, "export-check")
    assert document["profile"] == "tiny-export"  # the repository's own profile
    assert document["revision"]["revision"] == "HEAD" and document["device"] == "cpu"
    outcomes = {m["name"]: m["outcome"] for m in document["models"]}
    assert outcomes == {"plain": "exports", "branchy": "exported-output-differs"}
    assert document["verdict"] == "breaks" and document["range"] is None
    assert document["copy_drift"] == []


@pytest.mark.torch
def test_a_revision_where_every_model_exports_exits_0(
    export_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    code, out, err = run(capsys, "export-check", str(export_repo.path), "--rev", "v1")
    assert code == 0, err
    assert "export-check: v1" in out and "profile tiny-export, device cpu" in out
    assert out.count("torchscript (trace): max relative error 0 over 2 draws") == 2
    assert "onnx" in out


@pytest.mark.torch
def test_a_range_names_the_commit_that_breaks_export(
    export_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    args = ("export-check", str(export_repo.path), "--range", "v1..HEAD", "--format", "json")
    code, out, err = run(capsys, *args, "--no-cache")
    assert code == 1, err
    document = json.loads(out)
    validate(document, "export-check")
    found = document["range"]
    assert found["verdict"] == "found" and found["parent_exports"] is True
    assert found["first_breaking"]["subject"] == "normalise loud inputs"
    assert document["revision"]["sha"] == found["first_breaking"]["sha"]
    assert "(base): exports, exports" in err  # each commit exported is said on stderr
    assert "(parent): breaks, breaks" in err


@pytest.mark.torch
def test_a_model_that_needs_a_module_not_installed_exits_3(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = make_repo()
    extras = "import sovits_cuda_kernels\n\nfrom nets import Plain as Kernel\n"
    own = profile("plain:Plain") + profile("kernel:Kernel").split("models:\n")[1]
    own = own.replace("module: nets\n    class: Kernel", "module: extras\n    class: Kernel")
    files = {"nets.py": NETS, "extras.py": extras, "conf.json": '{"width": 4}'}
    repo.commit("nets", {**files, ".model-audit-profile.yaml": own})
    code, out, err = run(capsys, "export-check", str(repo.path), "--no-stub-imports")
    assert code == 3, err
    assert "│ kernel " in out and "unavailable" in out
    assert "could not check kernel: unavailable: " in err
    assert "sovits_cuda_kernels" in err


@pytest.mark.torch
def test_the_sample_repository_exports_and_its_export_copy_drifted(
    sample_repo: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    repo = str(sample_repo("mini_sovits"))
    code, out, err = run(capsys, "export-check", repo, "--rev", "v3.2", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "export-check")
    assert document["profile"] == "gpt-sovits"
    assert {m["name"]: m["outcome"] for m in document["models"]} == {
        "sovits": "exports",
        "sovits@v1": "exports",
        "sovits@v2": "exports",
        "sovits@v2Pro": "exports",
    }
    assert ("gpt", "the profile gives no inference inputs to trace it on") in {
        (s["model"], s["reason"]) for s in document["skipped"]
    }
    drift = {(d["copy"], d["class"]): d for d in document["copy_drift"]}
    synthesizer = drift["GPT_SoVITS/module/models_onnx.py", "SynthesizerTrn"]
    assert synthesizer["original"] == "GPT_SoVITS/module/models.py" and synthesizer["drifted"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rev", "HEAD", "--range", "HEAD~1..HEAD"], "give --rev or --range, not both"),
        (["--rev", "nope"], "unknown revision 'nope'"),
        (["--range", "HEAD"], "--range needs A..B"),
        (["--device", "tpu"], "Invalid value for '--device'"),
        (["--profile", "nope"], "no profile named 'nope'"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(
    export_repo: GitRepo, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "export-check", str(export_repo.path), *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert [line for line in err.splitlines() if line.lower().startswith("error")] != []


@pytest.mark.torch
@pytest.mark.gpu
def test_export_on_cuda_checks_the_graph_on_the_device(
    export_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device: torch.cuda.is_available() is False")
    args = ("export-check", str(export_repo.path), "--rev", "v1", "--device", "cuda")
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    validate(document, "export-check")
    assert document["device"] == "cuda"
    assert {m["outcome"] for m in document["models"]} == {"exports"}
    if importlib.util.find_spec("onnx") is not None:  # exported from a CPU copy
        onnx = [g for m in document["models"] for g in m["graphs"] if g["kind"] == "onnx"]
        assert onnx and all(g["how"] in ("ran", "exported") for g in onnx), onnx

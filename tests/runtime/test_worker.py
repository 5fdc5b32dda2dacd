"""Runtime confirmation on the mini_sovits sample: workers, outcomes, temporary folders."""

from __future__ import annotations

import importlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auditor.runtime.confirm import WorkerError, confirm
from auditor.runtime.maps import state_maps
from auditor.runtime.materialise import ConfigUnavailable, materialise, read_config
from auditor.runtime.outcome import Side, outcome
from auditor.runtime.profile import load_profile, parse_profile
from auditor.runtime.report_text import render_json, render_table, runtime_document
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport
from tests.conftest import validate
from tests.gitrepo import GitRepo

confirm_module = importlib.import_module("auditor.runtime.confirm")
PROFILE = load_profile("gpt-sovits")
SOVITS = PROFILE.models[0]
#: The default SoVITS model alone: every real build costs seconds on a CPU.
SOVITS_ONLY = replace(PROFILE, models=(SOVITS,))


def commit_with_subject(repo: Path, subject: str) -> str:
    log = subprocess.run(
        ["git", "log", "--all", "--format=%H %s"], cwd=repo, capture_output=True, text=True
    ).stdout
    return next(line.split(" ", 1)[0] for line in log.splitlines() if line.endswith(subject))


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


@pytest.fixture(scope="module")
def temp_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every temporary folder the runs make goes here, so the tests can see it is removed."""
    root = tmp_path_factory.mktemp("runtime-temp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(root))
        yield root


@pytest.fixture(scope="module")
def reports(mini_sovits: Path, temp_root: Path) -> dict[tuple[str, str], RuntimeReport]:
    pytest.importorskip("torch")
    real = [("v1.0", "v1.0"), ("v3.1", "v3.2")]
    found = {pair: confirm(mini_sovits, *pair, SOVITS_ONLY, "cpu") for pair in real}
    # the state-dict maps settle these: every model and variant, nothing built for real
    maps_only = [("v1.0", "v2.0"), ("v2.0", "v3.0"), ("v3.0", "v3.1")]
    found.update({pair: confirm(mini_sovits, *pair, PROFILE, "cpu") for pair in maps_only})
    return found


def by_name(report: RuntimeReport) -> dict[str, ModelResult]:
    return {m.name: m for m in report.models}


@pytest.mark.torch
def test_same_revision_loads_and_runs(reports: dict[tuple[str, str], RuntimeReport]) -> None:
    report = reports["v1.0", "v1.0"]
    (result,) = report.models
    assert result.outcome is Outcome.LOADS
    assert report.all_load and report.device == "cpu"
    assert result.old_config == result.new_config == "GPT_SoVITS/configs/s2.json"
    assert (result.missing_keys, result.unexpected_keys, result.mismatches) == ((), (), ())
    assert result.method == "forward"
    assert result.output_shapes == ((1, 1, 10 * 640),)
    # the same code with the same weights on the same seeded inputs: the very same output
    assert result.comparison is not None and result.comparison.matches
    assert (result.comparison.max_abs_error, result.comparison.max_rel_error) == (0.0, 0.0)


@pytest.mark.torch
def test_a_silent_break_loads_but_its_output_differs(
    reports: dict[tuple[str, str], RuntimeReport],
) -> None:
    report = reports["v3.1", "v3.2"]
    (result,) = report.models
    assert result.outcome is Outcome.LOADS_OUTPUT_DIFFERS
    assert not report.all_load
    assert (result.missing_keys, result.unexpected_keys, result.mismatches) == ((), (), ())
    assert result.old_tensors == result.new_tensors > 0
    found = result.comparison
    assert found is not None and found.compared and not found.matches
    assert found.old_shapes == found.new_shapes == result.output_shapes == ((1, 1, 10 * 960),)
    assert found.max_rel_error is not None and found.max_rel_error > 0.01
    assert found.tolerance == PROFILE.models[0].tolerance == 1e-4


@pytest.mark.torch
def test_v1_to_v2_fails_to_load_with_the_mismatches(
    reports: dict[tuple[str, str], RuntimeReport],
) -> None:
    result = by_name(reports["v1.0", "v2.0"])["sovits"]
    assert result.outcome is Outcome.FAILS_TO_LOAD
    shapes = {m.key: (m.old, m.new) for m in result.mismatches}
    old, new = shapes["enc_p.text_embedding.weight"]
    assert old[1] == 192 and new[1] == 256
    assert old[0] < new[0]  # the symbol table grew with ja/ko/yue phonemes
    assert shapes["emb_g.weight"] == ((300, 512), (500, 1024))  # speakers, gin_channels
    assert shapes["enc_p.ssl_proj.weight"] == ((192, 768, 1), (256, 768, 1))
    # 6 -> 8 layers: the new layers are missing from the old weights
    assert "enc_p.encoder_text.attn_layers.7.in_proj_weight" in result.missing_keys
    assert result.method is None and result.output_shapes == ()


@pytest.mark.torch
def test_the_samples_rename_is_reported_beside_the_mismatch(
    reports: dict[tuple[str, str], RuntimeReport],
) -> None:
    report = reports["v3.0", "v3.1"]
    result = by_name(report)["sovits"]
    assert result.outcome is Outcome.FAILS_TO_LOAD
    assert [(m.key, m.old, m.new) for m in result.mismatches] == [
        ("quantizer.layers.0.weight", (1024, 768), (2048, 768))
    ]
    (rename,) = result.renames
    assert (rename.old, rename.new) == ("ref_enc", "ref_encoder")
    assert rename.tensors == len(result.missing_keys) == len(result.unexpected_keys)
    assert report.device == "meta"  # the maps settled it: nothing was built for real


@pytest.mark.torch
def test_each_version_is_a_variant(reports: dict[tuple[str, str], RuntimeReport]) -> None:
    report = reports["v2.0", "v3.0"]
    results = by_name(report)
    assert list(results) == ["sovits", "sovits@v1", "sovits@v2", "sovits@v2Pro", "gpt"]
    pro = results["sovits@v2Pro"]
    # v2.0 has no s2v2Pro.json: its one model's weights are what v2Pro users start from
    assert (pro.old_model, pro.old_config) == ("sovits", "GPT_SoVITS/configs/s2.json")
    assert pro.new_config == "GPT_SoVITS/configs/s2v2Pro.json"
    assert pro.outcome is Outcome.FAILS_TO_LOAD
    shapes = {m.key: (m.old, m.new) for m in pro.mismatches}
    assert shapes["enc_p.text_embedding.weight"][1] == (714, 192)
    assert results["sovits@v1"].old_model is None
    assert results["gpt"].outcome is Outcome.LOADS and results["gpt"].method is None
    assert dict(report.skipped) == {
        "sovits@v2ProPlus": "no GPT_SoVITS/configs/s2v2ProPlus.json or "
        "GPT_SoVITS/configs_v2/s2v2ProPlus.json at this revision",
        "sovits@v3": "module.models has no SynthesizerTrnV3 at this revision",
        "sovits@v4": "module.models has no SynthesizerTrnV3 at this revision",
        "gpt@v2": "no GPT_SoVITS/configs/s1longer-v2.yaml or "
        "GPT_SoVITS/configs_v2/s1longer-v2.yaml at this revision",
    }
    assert report.device == "meta"
    document = runtime_document(report)
    validate(document, "runtime")
    assert document["models"][3]["old_model"] == "sovits"
    rows = [" ".join(line.split()) for line in render_table(report).splitlines()]
    assert (
        "│ sovits@v3 │ skipped │ module.models has no SynthesizerTrnV3 at this revision │" in rows
    )


@pytest.mark.torch
def test_reports_render_and_follow_the_schema(
    reports: dict[tuple[str, str], RuntimeReport],
) -> None:
    for report in reports.values():
        validate(runtime_document(report), "runtime")
        assert render_json(report).endswith("}\n")
    text = render_table(reports["v1.0", "v2.0"])
    assert "fails-to-load" in text and "enc_p.ssl_proj.weight" in text
    assert "more shape mismatches" in text


@pytest.mark.torch
def test_temporary_folders_are_removed(
    reports: dict[tuple[str, str], RuntimeReport], temp_root: Path
) -> None:
    assert reports and list(temp_root.iterdir()) == []


def test_temporary_folders_are_removed_on_errors(
    mini_sovits: Path, temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> dict[str, Any]:
        raise WorkerError("no answer")

    monkeypatch.setattr(confirm_module, "RevisionWorker", broken)
    with pytest.raises(WorkerError):
        confirm(mini_sovits, "v1.0", "v2.0", SOVITS_ONLY)
    assert list(temp_root.iterdir()) == []


class FakeBlobs:
    """A BlobReader stand-in: blob ``sha-N`` holds ``CONTENT[sha]``; others are missing."""

    def __init__(self, content: dict[str, bytes]) -> None:
        self.content = content

    def read(self, sha: str) -> bytes | None:
        return self.content.get(sha)


def test_absent_blobs_are_reported_not_fatal(tmp_path: Path) -> None:
    blobs: Any = FakeBlobs({"a": b"x = 1\n"})
    tree = {"pkg/a.py": "a", "pkg/b.py": "b", "README.md": "c"}
    done = materialise(blobs, tree, ["pkg/**/*.py"], tmp_path / "tree")
    assert (done.files, done.missing) == (("pkg/a.py",), ("pkg/b.py",))
    assert (tmp_path / "tree" / "pkg" / "a.py").read_text() == "x = 1\n"


def test_config_candidates_first_present_wins() -> None:
    blobs: Any = FakeBlobs({"j": b'{\n  // a comment\n  "a": 1\n}', "y": b"a: 2\n", "bad": b"{"})
    assert read_config(blobs, {"c2/s2.json": "j"}, ["c/s2.json", "c2/s2.json"]) == (
        "c2/s2.json",
        {"a": 1},
    )
    assert read_config(blobs, {"s.yaml": "y"}, ["s.yaml"]) == ("s.yaml", {"a": 2})
    with pytest.raises(ConfigUnavailable, match="none of the config candidates"):
        read_config(blobs, {}, ["c/s2.json"])
    with pytest.raises(ConfigUnavailable, match="cannot parse"):
        read_config(blobs, {"s2.json": "bad"}, ["s2.json"])


def side(models: dict[str, Any]) -> Side:
    return Side(device="cpu", models=models, configs={"sovits": "s2.json"})


BUILT = {"built": True, "parameters": {"w": [2], "b": [2]}}
LOADED = {"loaded": True, "missing": [], "unexpected": []}


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ({**BUILT, "load": LOADED}, Outcome.LOADS),
        ({**BUILT}, Outcome.LOADS),  # meta maps alone, no real build
        (
            {"built": True, "parameters": {"w": [2], "b": [2], "x": [1]}, "load": LOADED},
            Outcome.LOADS_WITH_MISSING_KEYS,
        ),
        ({"built": True, "parameters": {"w": [3], "b": [2]}}, Outcome.FAILS_TO_LOAD),
        (
            {**BUILT, "load": {**LOADED, "loaded": False, "error": "RuntimeError: x"}},
            Outcome.FAILS_TO_LOAD,
        ),
        ({"built": False, "error": "ImportError: no module named x"}, Outcome.BUILD_FAILED),
        (
            {
                "built": False,
                "error": "runtime check unavailable: module numpy not installed",
                "unavailable": True,
            },
            Outcome.UNAVAILABLE,
        ),
        (
            {"built": False, "error": "the runtime worker for sovits ...", "stopped": "timeout"},
            Outcome.TIMEOUT,
        ),
        (
            {"built": False, "error": "the runtime worker for sovits ...", "stopped": "crashed"},
            Outcome.CRASHED,
        ),
        (
            {
                **BUILT,
                "load": LOADED,
                "inference": {"ok": False, "error": "RuntimeError: bad", "output_shapes": []},
            },
            Outcome.INFERENCE_FAILED,
        ),
        (  # the model's forward calls a stubbed module: it needs it after all
            {
                **BUILT,
                "load": LOADED,
                "inference": {
                    "ok": False,
                    "error": "runtime check unavailable: librosa.stft was called, but ...",
                    "output_shapes": [],
                    "unavailable": True,
                },
            },
            Outcome.UNAVAILABLE,
        ),
    ],
)
def test_outcomes(new: dict[str, Any], expected: Outcome) -> None:
    result = outcome(SOVITS, side({"sovits": BUILT}), side({"sovits": new}))
    assert result.outcome is expected
    if expected is Outcome.BUILD_FAILED:
        assert (result.side, result.error) == ("new", "ImportError: no module named x")
    if expected is Outcome.FAILS_TO_LOAD and not new.get("load"):
        assert [(m.key, m.old, m.new) for m in result.mismatches] == [("w", (2,), (3,))]


def test_timings_are_those_of_one_device() -> None:
    real = {"device": "cuda", "build": 0.5, "inference": 1.6}
    both = outcome(
        SOVITS,
        side({"sovits": {**BUILT, "timings": real}}),
        side({"sovits": {**BUILT, "timings": {**real, "build": 0.55, "load": 0.02}}}),
    ).timings
    assert (both.device, both.old_build, both.new_build, both.load) == ("cuda", 0.5, 0.55, 0.02)
    assert (both.old_inference, both.new_inference) == (1.6, 1.6)
    # settled on meta at the new revision, built for real at the old one (for a variant)
    mixed = outcome(
        SOVITS,
        side({"sovits": {**BUILT, "timings": real}}),
        side({"sovits": {**BUILT, "timings": {"device": "meta", "build": 4.1}}}),
    ).timings
    assert (mixed.device, mixed.old_build, mixed.new_build, mixed.old_inference) == (
        "cuda",
        0.5,
        None,
        1.6,
    )
    meta = outcome(
        SOVITS,
        side({"sovits": {**BUILT, "timings": {"device": "meta", "build": 0.2}}}),
        side({"sovits": {**BUILT, "timings": {"device": "meta", "build": 0.3}}}),
    ).timings
    assert (meta.device, meta.old_build, meta.new_build, meta.load) == ("meta", 0.2, 0.3, None)


def test_output_comparison_and_tolerance() -> None:
    compared = {
        "old_shapes": [[1, 4]],
        "new_shapes": [[1, 4]],
        "max_abs_error": 0.02,
        "max_rel_error": 0.01,
        "compared": True,
        "note": None,
    }
    new = {**BUILT, "load": LOADED, "inference": {"ok": True, "output_shapes": [[1, 4]]}}
    new["inference"]["comparison"] = compared
    old = {**BUILT, "inference": {"ok": True, "output_shapes": [[1, 4]]}}
    strict = outcome(SOVITS, side({"sovits": old}), side({"sovits": new}))
    assert strict.outcome is Outcome.LOADS_OUTPUT_DIFFERS
    assert strict.comparison is not None and strict.comparison.tolerance == 1e-4
    loose = outcome(SOVITS, side({"sovits": old}), side({"sovits": new}), tolerance=0.01)
    assert loose.outcome is Outcome.LOADS and loose.comparison is not None
    assert loose.comparison.matches
    assert "outputs match the old revision's: max abs error 0.02, relative 0.01" in (
        render_table(replace(REPORT, models=(loose,)))
    )
    other_inputs = {**compared, "compared": False, "note": "input ssl: [1] vs [2]"}
    new["inference"]["comparison"] = other_inputs
    assert outcome(SOVITS, side({"sovits": old}), side({"sovits": new})).outcome is Outcome.LOADS
    failed = {**BUILT, "inference": {"ok": False, "error": "RuntimeError: x", "output_shapes": []}}
    result = outcome(SOVITS, side({"sovits": failed}), side({"sovits": new}))
    assert (result.outcome, result.side) == (Outcome.INFERENCE_FAILED, "old")


REPORT = RuntimeReport(
    repository="r",
    profile="p",
    old="a",
    new="b",
    old_sha="0" * 40,
    new_sha="1" * 40,
    device="cpu",
    models=(),
)


@pytest.mark.torch
@pytest.mark.gpu
def test_cuda_device(mini_sovits: Path) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device: torch.cuda.is_available() is False")
    report = confirm(mini_sovits, "v1.0", "v1.0", SOVITS_ONLY, "cuda")
    assert report.device == "cuda" and report.all_load


@pytest.mark.torch
def test_every_model_and_variant_maps_on_meta(mini_sovits: Path, temp_root: Path) -> None:
    pytest.importorskip("torch")
    built = {m.name: m for m in state_maps(mini_sovits, "v1.0", PROFILE).models}
    sovits = built["sovits"]
    assert sovits.shapes["enc_p.text_embedding.weight"] == (300, 192)
    assert sovits.dtypes["emb_g.weight"] == "float32"
    # the GPT stage, built from the whole s1longer.yaml as its Lightning module builds it
    assert built["gpt"].config == "GPT_SoVITS/configs/s1longer.yaml"
    assert built["gpt"].shapes["ar_text_embedding.weight"] == (512, 512)
    assert built["gpt"].shapes["ar_predict_layer.weight"] == (1025, 512)
    # a version is a constructor argument: v2 reads 704 spectrogram bins for its reference
    assert built["sovits@v1"].shapes == sovits.shapes
    assert built["sovits@v2"].shapes["ref_enc.spectral.0.weight"] == (128, 704)
    assert sovits.shapes["ref_enc.spectral.0.weight"] == (128, 1025)
    pro = built["sovits@v2Pro"]
    assert not pro.built and "no GPT_SoVITS/configs/s2v2Pro.json" in str(pro.error)
    assert list(temp_root.iterdir()) == []


NETS = """
import torch
from torch import nn

import {imported}


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)
"""

TINY = """
name: tiny
files: ["*.py", "*.json"]
models:
  - name: net
    module: nets
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
  - name: net2
    module: nets
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
"""


@pytest.mark.torch
@pytest.mark.parametrize(
    ("imported", "outcome", "error"),
    [
        (
            "sovits_cuda_kernels",
            Outcome.UNAVAILABLE,
            "runtime check unavailable: module sovits_cuda_kernels not installed",
        ),
        # a module of the repository itself that is missing is a build failure, not this
        (
            "helpers",
            Outcome.BUILD_FAILED,
            "nets.py:5: ModuleNotFoundError: No module named 'helpers'",
        ),
    ],
)
def test_a_module_that_is_not_installed_makes_the_check_unavailable(
    make_repo: Callable[..., GitRepo], imported: str, outcome: Outcome, error: str
) -> None:
    pytest.importorskip("torch")
    repo = make_repo()
    files = {"nets.py": NETS.format(imported=imported), "conf.json": '{"width": 4}'}
    repo.commit("Net", {**files, "helpers/README.md": "the helpers package lives elsewhere"})
    report = confirm(repo.path, "HEAD", "HEAD", parse_profile(TINY, "tiny.yaml"), "cpu")
    # the second model of the same module gets the same error, not a half-imported module's
    for result in report.models:
        assert (result.outcome, result.error, result.side) == (outcome, error, "old")
    assert "Traceback" not in render_table(report)


#: A model module whose utilities import modules that are not installed anywhere: at the top
#: level (a decorator, a subclass, a call), and through a module of the repository itself.
STUBBED_NETS = """
import torch
from torch import nn

import faiss_not_installed_xyz
from librosa_missing_abc.filters import mel as mel_fn
from numba_missing_q import jit

from helpers import audio

MEL_BASIS = mel_fn(sr=16000, n_fft=1024, n_mels=80)


@jit(nopython=True)
def half(x):
    return x // 2


class Index(faiss_not_installed_xyz.IndexFlatL2):
    pass


class Net(nn.Module):
    def __init__(self, width, mel: audio.Spectrogram = None):
        super().__init__()
        self.proj = nn.Linear(width, half(2 * width))

    def forward(self, x):
        return self.proj(x)


class NeedsMel(Net):
    def __init__(self, width):
        super().__init__(width)
        self.register_buffer("mel", torch.tensor(mel_fn(sr=16000, n_fft=1024)))
"""
HELPERS = """
import gradio_missing_zz as gr

Spectrogram = gr.Audio
"""
STUBBED_PROFILE = """
name: stubbed
files: ["**/*.py", "*.json"]
models:
  - name: net
    module: nets
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
    inputs:
      - method: forward
        args:
          - {name: x, dtype: float, shape: [2, hps.width]}
  - name: mel
    module: nets
    class: NeedsMel
    config: conf.json
    kwargs: {width: hps.width}
"""
STUBBED = ("faiss_not_installed_xyz", "gradio_missing_zz", "librosa_missing_abc", "numba_missing_q")


@pytest.fixture
def stubbed_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    files = {"nets.py": STUBBED_NETS, "helpers/audio.py": HELPERS, "conf.json": '{"width": 4}'}
    repo.commit("nets that import what is not installed", {**files, "helpers/__init__.py": ""})
    return repo


@pytest.mark.torch
def test_a_model_builds_loads_and_runs_with_stubbed_imports(stubbed_repo: GitRepo) -> None:
    pytest.importorskip("torch")
    profile = parse_profile(STUBBED_PROFILE, "stubbed.yaml")
    report = confirm(stubbed_repo.path, "HEAD", "HEAD", profile, "cpu", stub_imports=True)
    net, mel = report.models
    assert (net.outcome, net.error, net.stubbed_imports) == (Outcome.LOADS, None, STUBBED)
    assert net.comparison is not None and net.comparison.matches
    times = net.timings
    assert times.device == "cpu"
    measured = [times.old_build, times.new_build, times.load, times.old_inference]
    assert all(t is not None and t >= 0 for t in [*measured, times.new_inference])
    # a model that calls a stubbed function while it is built cannot be checked here
    assert (mel.outcome, mel.side) == (Outcome.UNAVAILABLE, "old")
    assert mel.error == (
        "runtime check unavailable: librosa_missing_abc.filters.mel was called, but "
        "librosa_missing_abc is stubbed (not installed)"
    )
    document = runtime_document(report)
    validate(document, "runtime")
    assert document["models"][0]["stubbed_imports"] == list(STUBBED)
    assert set(document["models"][0]["timings"]) == {
        "device",
        "old_build",
        "new_build",
        "load",
        "old_inference",
        "new_inference",
    }
    text = " ".join(render_table(report, width=200).split())
    assert f"built with stubbed imports: {', '.join(STUBBED)}" in text
    assert "times on cpu: build " in text and ", load " in text and ", inference " in text


@pytest.mark.torch
def test_without_stubs_a_module_not_installed_makes_the_check_unavailable(
    stubbed_repo: GitRepo,
) -> None:
    pytest.importorskip("torch")
    profile = parse_profile(STUBBED_PROFILE, "stubbed.yaml")
    report = confirm(stubbed_repo.path, "HEAD", "HEAD", profile, "cpu")
    for result in report.models:
        assert result.outcome is Outcome.UNAVAILABLE and result.stubbed_imports == ()
        assert (
            result.error
            == "runtime check unavailable: module faiss_not_installed_xyz not installed"
        )
    maps = state_maps(stubbed_repo.path, "HEAD", profile, stub_imports=True)
    net, mel = maps.models
    assert net.built and net.stubbed_imports == STUBBED
    assert net.shapes == {"proj.weight": (4, 4), "proj.bias": (4,)}
    assert mel.unavailable and not mel.built


def test_names_a_library_stopped_exporting_are_restored_for_star_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types
    import typing

    from auditor.runtime.worker import restore_exports

    library = types.ModuleType("library_that_dropped_tuple")
    library.Optional = "its own"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, library.__name__, library)
    restore_exports(
        {
            library.__name__: ["typing.Tuple", "typing.Optional", "typing.NoSuchName"],
            "library_not_installed_xyz": ["typing.List"],
        }
    )
    dropped = getattr(typing, "Tuple")  # noqa: B009 (the name the library no longer binds)
    assert library.Tuple is dropped  # type: ignore[attr-defined]
    assert library.Optional == "its own"  # what it still exports is left alone
    assert not hasattr(library, "NoSuchName")
    (tmp_path / "star_user.py").write_text(
        f"from {library.__name__} import *\n\nPAIR = Tuple[int, int]\n", "utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    pair = importlib.import_module("star_user").PAIR
    assert pair == dropped[int, int]

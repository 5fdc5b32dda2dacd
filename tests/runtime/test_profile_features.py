"""The profile format at work on a tiny repository whose model moved and changed: candidate
modules, the repository's own modules stubbed, a module that exits when imported, models
absent at a revision, variant keyword arguments and fallbacks, terms with fallbacks and string
literals, inputs chosen by signature and outputs chosen by position."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditor.runtime.confirm import Plan, confirm
from auditor.runtime.profile import parse_profile
from auditor.runtime.report_text import render_table, runtime_document
from auditor.runtime.results import Outcome, RuntimeReport
from tests.conftest import validate
from tests.gitrepo import GitRepo

#: The model module, at the old revision in old_pack/ and at the new one in new_pack/. It
#: imports a package whose compiled extension (align/align/core) is never committed, and
#: config.py, which exits when imported. The new infer returns the audio alone, the old one
#: (audio, f0); NetV2 is new.
MODELS = """
import torch
from torch import nn

import align
import config


class Net(nn.Module):
    def __init__(self, width, sr, rate, use_f0=True):
        super().__init__()
        assert sr == "40k" and rate == 40000, (sr, rate)
        self.proj = nn.Linear(width, width)
        if use_f0:
            self.f0 = nn.Linear(width, width)

    def infer(self, x):
        y = self.proj(x)
        return {returns}
"""
NET_V2 = """

class NetV2(Net):
    pass
"""
#: A module the profile does not stub config for: it exits the worker's import.
EXITING = """
import config
from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
"""
#: The inference method changes its parameters: the new one needs a scale.
SIGNATURE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)

    def infer(self, x{scale}):
        return self.proj(x)
"""
PROFILE = """
name: features
files: ["**/*.py", "*.json"]
stub_modules: [align.align]
models:
  - name: net
    module: [new_pack.models, old_pack.models]
    class: Net
    config: conf.json
    stub_modules: [config]
    kwargs:
      width: hps.width
      sr: {literal: "40k"}
      rate: {first: [hps.sample_rate, hps.sampling_rate]}
    inputs:
      method: infer
      args: [{name: x, shape: [1, hps.width]}]
      outputs: [0]
    variants:
      - name: nof0
        kwargs: {use_f0: false}
      - name: v2-nof0
        class: NetV2
        kwargs: {use_f0: false}
        fallback: nof0
  - name: exits
    module: exiting
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
  - name: after
    module: [new_pack.models, old_pack.models]
    class: Net
    config: conf.json
    stub_modules: [config]
    kwargs: {width: hps.width, sr: {literal: "40k"}, rate: 40000}
  - name: signature
    module: sig
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
    inputs:
      - method: infer
        args: [{name: x, shape: [1, hps.width]}, {name: scale, shape: [1]}]
      - method: infer
        args: [{name: x, shape: [1, hps.width]}]
  - name: newcomer
    module: sig
    class: Net
    config: new.json
    kwargs: {width: hps.width}
  - name: gone
    module: [gone_pack.models, gone]
    class: Net
    config: conf.json
    kwargs: {width: hps.width}
"""


def features_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit(
        "old layout",
        {
            "align/__init__.py": "from .align.core import maximum_path_c\n",
            "config.py": "import sys\n\nsys.exit(0)\n",
            "old_pack/models.py": MODELS.format(returns="y, x.sum(-1)"),
            "exiting.py": EXITING,
            "sig.py": SIGNATURE.format(scale=""),
            "conf.json": '{"width": 4, "sampling_rate": 40000}',
        },
    )
    repo.commit(
        "new layout",
        {
            "old_pack/models.py": None,
            "new_pack/models.py": MODELS.format(returns="y") + NET_V2,
            "sig.py": SIGNATURE.format(scale=", scale"),
            "conf.json": '{"width": 4, "sample_rate": 40000}',
            "new.json": '{"width": 4}',
        },
    )
    return repo


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> RuntimeReport:
    pytest.importorskip("torch")
    repo = features_repo(lambda: GitRepo(tmp_path_factory.mktemp("features") / "repo"))
    profile = parse_profile(PROFILE, "features.yaml")
    return confirm(repo.path, "HEAD~1", "HEAD", profile, "cpu", stub_imports=True)


def results(report: RuntimeReport) -> dict[str, Outcome]:
    return {m.name: m.outcome for m in report.models}


@pytest.mark.torch
def test_a_moved_module_with_its_extension_stubbed_loads_and_compares_its_audio(
    report: RuntimeReport,
) -> None:
    net = {m.name: m for m in report.models}["net"]
    assert net.outcome is Outcome.LOADS, net.error
    # the first output alone: the old infer also returns its f0, the new one does not
    assert net.comparison is not None and net.comparison.matches
    assert net.comparison.old_shapes == net.comparison.new_shapes == ((1, 4),)
    # the profile's stubs are no module missing here
    assert net.stubbed_imports == ()


@pytest.mark.torch
def test_variant_keywords_and_a_fallback_variant(report: RuntimeReport) -> None:
    models = {m.name: m for m in report.models}
    nof0 = models["net@nof0"]
    assert nof0.outcome is Outcome.LOADS and nof0.new_tensors == 2  # no f0 layer
    v2 = models["net@v2-nof0"]
    # no NetV2 at the old revision: the weights of the variant it falls back to, not net's
    assert (v2.outcome, v2.old_model) == (Outcome.LOADS, "net@nof0")
    assert v2.missing_keys == v2.unexpected_keys == ()


@pytest.mark.torch
def test_a_module_that_exits_fails_its_build_and_the_worker_goes_on(
    report: RuntimeReport,
) -> None:
    models = {m.name: m for m in report.models}
    exits = models["exits"]
    assert (exits.outcome, exits.side) == (Outcome.BUILD_FAILED, "old")
    assert exits.error == "SystemExit: module config called sys.exit(0) while it was imported"
    # the next model, with config stubbed again, is built by the same worker
    assert models["after"].outcome is Outcome.LOADS


@pytest.mark.torch
def test_inputs_follow_each_revisions_signature(report: RuntimeReport) -> None:
    signature = {m.name: m for m in report.models}["signature"]
    # the old infer takes x alone, the new one x and scale: each runs, they are not compared
    assert signature.outcome is Outcome.LOADS and signature.method == "infer"
    assert signature.comparison is not None and not signature.comparison.compared
    assert signature.comparison.note == "the inputs differ in number or names"


@pytest.mark.torch
def test_models_a_revision_lacks_are_skipped_with_the_reason(report: RuntimeReport) -> None:
    assert dict(report.skipped) == {
        "newcomer": "no new.json at the old revision",
        "gone": "no module gone_pack.models or gone at this revision",
    }
    assert report.verdict.value == "breaks"  # exits
    document = runtime_document(report)
    validate(document, "runtime")
    assert document["skipped"] == [
        {"model": "newcomer", "reason": "no new.json at the old revision"},
        {"model": "gone", "reason": "no module gone_pack.models or gone at this revision"},
    ]
    text = render_table(report, width=200)
    rows = [" ".join(line.split()) for line in text.splitlines()]
    assert "│ newcomer │ skipped │ no new.json at the old revision │" in rows
    assert not any(line.startswith("skipped ") for line in text.splitlines())


def test_a_fallback_chain_ends_at_the_first_model_the_old_revision_has() -> None:
    profile = parse_profile(PROFILE, "features.yaml")
    absent = {"not_applicable": True, "error": "NetV2: not here"}
    built = {"built": True}
    old = {"net": built, "net@nof0": absent, "net@v2-nof0": absent}
    new = {"net": built, "net@nof0": built, "net@v2-nof0": built}
    plan = Plan.of(profile, old, new)
    assert plan.source("net@v2-nof0") == "net"  # v2-nof0 -> nof0 -> net
    assert plan.source("net@nof0") == "net"
    # without the model either, nothing at the old revision can give weights
    gone = Plan.of(
        profile, {**old, "net": {"not_applicable": True, "error": "no x at this revision"}}, new
    )
    assert "net@v2-nof0" not in {m.name for m in gone.models}
    assert dict(gone.skipped)["net"] == "no x at the old revision"

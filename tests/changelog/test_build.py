"""The changelog of a history whose audit is incomplete says so in every format."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

S2 = '{"model": {"gin_channels": %d}}\n'


@pytest.fixture
def broken_release(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2 % 512, "module/models.py": "X = 1\n"})
    repo.git("tag", "v1")
    repo.commit("half a class", {"module/models.py": "class A(:\n"})
    repo.git("tag", "v2")
    return repo


def test_markdown_and_json_say_the_audit_is_incomplete(
    broken_release: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["changelog", str(broken_release.path), "--no-cache", "--all-tags"]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "Checkpoints from v1 load into v2: yes (incomplete audit: 1 warning)" in out
    assert "> **Incomplete audit:** 1 warning" in out
    assert "module/models.py: cannot read: invalid Python at line 1" in out
    code, out, _ = run(capsys, *args, "--format", "json")
    document = json.loads(out)
    validate(document, "changelog")
    (v2, v1) = document["releases"]
    assert (v2["incomplete"], v1["incomplete"]) == (True, False)
    assert v2["warnings"][0]["file"] == "module/models.py"
    assert v2["verdict"] == "yes (incomplete audit: 1 warning)"


MODELS = "GPT_SoVITS/module/models.py"
BASE_MODELS = """\
from torch import nn


class Flow(nn.Module):
    def __init__(self, channels=192):
        super().__init__()
        self.proj = nn.Conv1d(channels, channels, 1)


class SynthesizerTrn(nn.Module):
    def __init__(self, hidden=192):
        super().__init__()
        self.enc = nn.Conv1d(hidden, hidden, 1)
"""
NEW_MODEL = """

class SynthesizerTrnV3(nn.Module):
    def __init__(self, hidden=192):
        super().__init__()
        self.flow = Flow(hidden)
"""


def _newest_release(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> dict[str, Any]:
    """The newest release of ``changelog --all-tags --format json``, checked against its
    schema."""
    code, out, err = run(
        capsys, "changelog", str(repo.path), "--no-cache", "--all-tags", "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    validate(document, "changelog")
    release: dict[str, Any] = document["releases"][0]
    return release


def test_what_only_a_model_added_in_the_release_builds_breaks_no_checkpoint(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    """The release adds SynthesizerTrnV3, the only class that builds Flow, and changes Flow:
    checkpoints of SynthesizerTrn, the model at the base, still load."""
    repo = make_repo()
    repo.commit("root", {MODELS: BASE_MODELS})
    repo.git("tag", "v1")
    wider = BASE_MODELS.replace("channels, channels, 1)", "channels, channels, 3)")
    repo.commit("v3 model", {MODELS: wider + NEW_MODEL})
    repo.git("tag", "v2")
    v2 = _newest_release(capsys, repo)
    flow = [e for e in v2["entries"] if "Flow" in e["key"]]
    assert flow, v2["entries"]
    assert {e["scope"] for e in flow} == {"other"}
    assert v2["verdict"].startswith("yes"), v2["verdict"]


SOVITS = """\
from torch import nn


class SynthesizerTrn(nn.Module):
    def __init__(self, spec_channels, segment_size, version="v2", gin_channels=512, **kwargs):
        super().__init__()
        self.version = version
        self.ref_enc = nn.Linear(spec_channels, gin_channels)
        if self.version in {"v2Pro", "v2ProPlus"}:
            self.sv_emb = nn.Linear(20480, gin_channels)
"""
SV = """\
import torch
from ERes2NetV2 import ERes2NetV2


class SV:
    def __init__(self, device):
        self.embedding_model = ERes2NetV2(baseWidth=24, scale=4, expansion=4)
"""
WEBUI = """\
from module.models import SynthesizerTrn

vq_model = SynthesizerTrn(1025, 32, version=model_version)
"""
WEBUI_SV = """\
from module.models import SynthesizerTrn
from sv import SV


def init_sv():
    global sv_model
    sv_model = SV("cpu")


if model_version in {"v2Pro", "v2ProPlus"}:
    init_sv()
vq_model = SynthesizerTrn(1025, 32, version=model_version)
"""


@pytest.mark.parametrize("guarded", [True, False])
def test_a_speaker_encoder_fed_only_to_pro_versions_leaves_the_others_loading(
    make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str], guarded: bool
) -> None:
    """The release adds a speaker encoder that the inference script builds only for v2Pro:
    SoVITS v1 and v2 checkpoints still load with the same output. Built for every version,
    it changes what every version is fed."""
    repo = make_repo()
    configs = {"GPT_SoVITS/configs/s2.json": '{"model": {"gin_channels": 512}}\n'}
    repo.commit("root", {MODELS: SOVITS, "GPT_SoVITS/inference_webui.py": WEBUI, **configs})
    repo.git("tag", "v1")
    webui = (
        WEBUI_SV
        if guarded
        else WEBUI_SV.replace('if model_version in {"v2Pro", "v2ProPlus"}:\n    ', "")
    )
    added = {
        "GPT_SoVITS/sv.py": SV,
        "GPT_SoVITS/eres2net/ERes2NetV2.py": "class ERes2NetV2:\n    pass\n",
        "GPT_SoVITS/configs/s2v2Pro.json": '{"model": {"gin_channels": 512}}\n',
        "GPT_SoVITS/inference_webui.py": webui,
    }
    repo.commit("support v2Pro", added)
    repo.git("tag", "v2")
    v2 = _newest_release(capsys, repo)
    assert any(e["key"] == "component.speaker-encoder" for e in v2["entries"]), v2["entries"]
    answers = {g["generation"]: g["answer"] for g in v2["generations"]}
    older = "yes" if guarded else "loads, wrong output"
    assert answers == {"v1": older, "v2": older, "v2Pro": "new generation"}, answers
    # the model's own row: fed to a new generation alone, the encoder is a variant's
    (sovits,) = [m for m in v2["models"] if m["model"] == "SoVITS generator"]
    assert sovits["answer"] == older and sovits["new_variants"] == (1 if guarded else 0)

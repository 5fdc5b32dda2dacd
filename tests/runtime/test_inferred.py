"""Profiles inferred from the code of a repository whose layout no shipped profile fits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from auditor.runtime.inferred import infer_profile
from auditor.runtime.profile import ProfileError, parse_profile
from tests.gitrepo import GitRepo

MODELS = """\
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.proj = nn.Linear(channels, channels)


class VoiceNet(nn.Module):
    def __init__(self, n_symbols, n_mels, hidden_channels, n_layers=1, **kwargs):
        super().__init__()
        self.emb = nn.Embedding(n_symbols, hidden_channels)
        self.pre = nn.Linear(n_mels, hidden_channels)
        self.blocks = nn.ModuleList([Block(hidden_channels) for _ in range(n_layers)])


class Critic(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.score = nn.Linear(width, 1)
"""

TEXT = """\
symbols = ["_"] + list("abcdef")
"""

TRAIN = """\
import argparse
import json
import os
import sys

import torch

sys.path.append(os.getcwd())
from src.net.models import Critic, VoiceNet  # noqa: E402
from src.net.text import symbols  # noqa: E402


def get_config():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", default="configs/base.json")
    parser.add_argument("--width", type=int, default=8)
    args = parser.parse_args()
    with open(args.config) as f:
        return json.load(f), args


def main():
    hps, args = get_config()
    net = VoiceNet(len(symbols), hps["data"]["n_mels"] * 2, **hps["model"])
    critic = Critic(args.width)
    torch.save({"net": net.state_dict(), "critic": critic.state_dict()}, "ckpt.pt")


if __name__ == "__main__":
    main()
"""

INFER = """\
import torch

from src.net.models import VoiceNet


def main(hps, ids):
    net = VoiceNet(7, hps["data"]["n_mels"] * 2, **hps["model"])
    net.load_state_dict(torch.load("ckpt.pt")["net"])
    with torch.no_grad():
        return net.forward(ids)
"""

BASE = '{"data": {"n_mels": 4}, "model": {"hidden_channels": %d, "n_layers": 2}}\n'
LARGE = '{"data": {"n_mels": 4}, "model": {"hidden_channels": 32, "n_layers": 3}}\n'


def voicenet_repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """A repository no shipped profile fits, with two commits: the second widens the model
    (hidden_channels 16 to 24 in configs/base.json)."""
    repo = make_repo()
    repo.commit(
        "VoiceNet",
        {
            "src/net/__init__.py": "",
            "src/net/models.py": MODELS,
            "src/net/text.py": TEXT,
            "scripts/train.py": TRAIN,
            "scripts/infer.py": INFER,
            "configs/base.json": BASE % 16,
            "configs/large.json": LARGE,
            "configs/notes.yaml": "about: the configs\n",
        },
    )
    repo.git("tag", "v1")
    repo.commit("Wider", {"configs/base.json": BASE % 24})
    repo.git("tag", "v2")
    return repo


def test_the_profile_the_code_says(make_repo: Callable[..., GitRepo]) -> None:
    repo = voicenet_repo(make_repo)
    found = infer_profile(repo.path, "v2")
    document = yaml.safe_load(found.text)
    assert document["sys_path"] == ["scripts", "."]
    assert document["files"] == ["**/*.py", "configs/base.json", "configs/large.json"]
    assert document["models"] == [
        {
            "name": "VoiceNet",
            "module": "src.net.models",  # as the script imports it, from the root
            "class": "VoiceNet",
            "config": "configs/base.json",  # the argparse default of the script
            "args": [7, "hps.data.n_mels * 2"],  # len(symbols) computed from the code
            "splat": ["hps.model"],
            "variants": [{"name": "large", "config": "configs/large.json"}],
        }
    ]
    assert found.profile.source == "inferred from scripts/train.py:24"
    assert [m.name for m in found.profile.models] == ["VoiceNet", "VoiceNet@large"]
    # the critic's width comes from the command line: left out, and said where and why
    critic = "scripts/train.py:25 Critic(...): args.width: args is neither the config nor"
    assert len(found.left_out) == 1 and found.left_out[0].startswith(critic)
    assert f"#   {found.left_out[0]}\n" in found.text
    # the comments say where each value comes from
    assert "#   config: configs/base.json (named at scripts/train.py:15)\n" in found.text
    assert "#   len(symbols) = 7, computed from the code\n" in found.text
    assert "#   weights: net.state_dict() at scripts/train.py:26\n" in found.text
    # the inference script builds it too, and says how it runs it; no inputs are guessed
    assert "#   also built at scripts/infer.py:7\n" in found.text
    assert "#   runs: forward(ids) at scripts/infer.py:10\n" in found.text
    assert all(m.inputs is None for m in found.profile.models)


def test_the_text_parses_back_into_the_profile(make_repo: Callable[..., GitRepo]) -> None:
    found = infer_profile(voicenet_repo(make_repo).path, "v1")
    again = parse_profile(found.text, "again")
    assert [(m.name, m.modules, m.class_name, m.config) for m in again.models] == [
        (m.name, m.modules, m.class_name, m.config) for m in found.profile.models
    ]
    assert [[t.to_json() for t in m.args] for m in again.models] == [
        [t.to_json() for t in m.args] for m in found.profile.models
    ]
    assert again.sys_path == found.profile.sys_path


def test_a_named_config_that_is_not_committed(make_repo: Callable[..., GitRepo]) -> None:
    repo = voicenet_repo(make_repo)
    repo.commit("Moved", moves={"configs/base.json": "configs/small.json"})
    found = infer_profile(repo.path, "HEAD")
    (model,) = yaml.safe_load(found.text)["models"]
    # the first config of the named folder that holds every key the construction reads
    assert model["config"] == "configs/large.json"
    assert model["variants"] == [{"name": "small", "config": "configs/small.json"}]
    assert "named but not committed: configs/base.json" in found.text


def test_no_config_holds_what_the_construction_reads(make_repo: Callable[..., GitRepo]) -> None:
    repo = voicenet_repo(make_repo)
    repo.commit("Flat", {"configs/base.json": "{}", "configs/large.json": None})
    with pytest.raises(ProfileError) as raised:
        infer_profile(repo.path, "HEAD")
    message = str(raised.value)
    assert message.startswith("no profile can be inferred from the code at HEAD: ")
    assert "scripts/train.py:24 VoiceNet(...): no config holds data.n_mels, model" in message


def test_an_uncommitted_extension_is_stubbed(make_repo: Callable[..., GitRepo]) -> None:
    repo = voicenet_repo(make_repo)
    repo.commit(
        "Cython",
        {
            "src/net/align/__init__.py": "from .align.core import maximum_path\n",
            "src/net/align/core.pyx": "def maximum_path(): pass\n",
        },
    )
    document = yaml.safe_load(infer_profile(repo.path, "HEAD").text)
    assert document["stub_modules"] == ["src.net.align.align"]

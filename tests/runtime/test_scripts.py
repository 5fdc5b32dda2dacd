"""What a script says about the models it builds: constructions, weights, configs, sys.path."""

from __future__ import annotations

import textwrap

from auditor.extract.python.expressions import Lit
from auditor.runtime.scripts import Script, read_script

TRAIN = """\
    import os
    import sys

    import torch

    import utils
    from models import SynthesizerTrn, MultiPeriodDiscriminator

    sys.path.append(os.getcwd())


    def run(rank, n_gpus, hps):
        spec_channels = hps.data.filter_length // 2 + 1
        net_g = SynthesizerTrn(spec_channels, **hps.model).cuda(rank)
        net_d = MultiPeriodDiscriminator(hps.model.use_spectral_norm).cuda(rank)
        utils.load_checkpoint("G_0.pth", net_g, None)
        torch.save(net_d.module.state_dict(), "D.pth")
        scaler = torch.cuda.amp.GradScaler()


    def main():
        hps = utils.get_hparams_from_file("configs/base.json")
        run(0, 1, hps)
"""

SVC = """\
    import torch
    from models import SynthesizerTrn


    class Svc(object):
        def __init__(self, path):
            self.net_g_ms = SynthesizerTrn(self.hps.data.filter_length // 2 + 1)

        def load(self, path):
            self.net_g_ms.load_state_dict(torch.load(path))

        def infer(self, c, f0, sid):
            return self.net_g_ms.infer(c, f0, g=sid, noice_scale=0.4)[0]
"""


def _read(path: str, source: str) -> Script | None:
    return read_script(path, textwrap.dedent(source).encode())


def test_constructions_weights_assignments_and_configs() -> None:
    script = _read("train.py", TRAIN)
    assert script is not None
    built = {b.target: b for b in script.built}
    # every call assigned is a construction until roots.py resolves the callee
    assert set(built) == {"net_g", "net_d", "scaler", "hps"}
    assert built["net_g"].call.callee == "models.SynthesizerTrn"  # through .cuda(rank)
    assert (built["net_g"].scope, built["net_g"].line) == ("run", 14)
    assert script.weights == {
        "run:net_g": ("load_checkpoint(..., net_g, ...) at train.py:16",),
        "run:net_d": ("net_d.state_dict() at train.py:17",),  # DDP's .module stripped
    }
    assert [a.target for a in script.assignments["run"]] == [
        "spec_channels",
        "net_g",
        "net_d",
        "scaler",
    ]
    assert [(c.value, c.line) for c in script.config_paths] == [("configs/base.json", 22)]
    assert "utils.get_hparams_from_file" in script.config_loaders
    assert [line for _, line in script.sys_path] == [9]


def test_an_attribute_of_a_plain_class_is_held_by_the_class() -> None:
    script = _read("inference/infer_tool.py", SVC)
    assert script is not None
    (built,) = script.built
    assert (built.target, built.owner, built.owner_bases) == (
        "self.net_g_ms",
        "Svc",
        ("builtins.object",),
    )
    # loaded in another method of the same class
    assert script.holder(built) == "Svc:self.net_g_ms"
    assert "Svc:self.net_g_ms" in script.weights
    # the inference method called on it, in yet another method
    assert script.calls == {
        "Svc:self.net_g_ms": ("infer(c, f0, g=sid, noice_scale=0.4) at inference/infer_tool.py:13",)
    }


def test_a_model_handed_to_an_attribute_is_held_by_both() -> None:
    source = """\
        from models import Net


        class Api:
            def __init__(self):
                model = Net(4)
                self.model = model

            def load(self, path):
                self.model.load_state_dict(path)
    """
    script = _read("api.py", source)
    assert script is not None
    (built,) = [b for b in script.built if b.target == "model"]
    assert script.weights[script.holder(built)] == ("self.model.load_state_dict() at api.py:10",)


def test_a_script_that_handles_no_weights_is_not_read() -> None:
    assert _read("prepare.py", "import json\nconfig = json.load(open('c.json'))\n") is None
    assert _read("broken.py", "def f(:\n    state_dict\n") is None


def test_sys_path_entries_keep_their_expression() -> None:
    script = _read("tools/x.py", "import sys\nsys.path.insert(0, 'GPT_SoVITS')\nnet.state_dict()\n")
    assert script is not None
    assert script.sys_path == ((Lit("GPT_SoVITS"), 2),)

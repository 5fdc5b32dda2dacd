"""A script's construction call in profile terms, and what cannot be said in them."""

from __future__ import annotations

import textwrap

import pytest

from auditor.extract.python import summarise_module
from auditor.extract.python.expressions import Call
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.runtime.scripts import Script, read_script
from auditor.runtime.translate import Construction, Untranslatable, config_name, translate

SYMBOLS = """\
    _pad = "_"
    _letters = "abcdefghijklmnopqrstuvwxyz"
    symbols = [_pad] + list(_letters)
"""


def _snapshot(script: str, source: str) -> tuple[PythonSnapshot, Script]:
    text = textwrap.dedent(source)
    modules = {
        script: summarise_module(text.encode()),
        "text/symbols.py": summarise_module(textwrap.dedent(SYMBOLS).encode()),
        "text/__init__.py": summarise_module(b""),
        "models.py": summarise_module(b"from torch import nn\nclass Net(nn.Module):\n    pass\n"),
    }
    found = read_script(script, text.encode())
    assert found is not None
    return PythonSnapshot(modules), found


def _translated(source: str, target: str = "net_g", script: str = "train.py") -> Construction:
    snapshot, found = _snapshot(script, source)
    (built,) = [b for b in found.built if b.target == target]
    return translate(
        built.call, snapshot, script, found.assignments.get(built.scope, ()), built.line
    )


VITS = """\
    import torch
    from text.symbols import symbols
    from models import Net

    HIDDEN = 192


    def run(rank, hps):
        net_g = Net(
            len(symbols),
            hps.data.filter_length // 2 + 1,
            hps.train.segment_size // hps.data.hop_length,
            n_speakers=hps.data.n_speakers,
            width=HIDDEN * 2,
            name="generator",
            **hps.model).cuda(rank)
        torch.save(net_g.state_dict(), "G.pth")
"""


def test_a_vits_construction() -> None:
    construction = _translated(VITS)
    assert construction.args == (
        27,
        "hps.data.filter_length // 2 + 1",
        "hps.train.segment_size // hps.data.hop_length",
    )
    assert construction.kwargs == (
        ("n_speakers", "hps.data.n_speakers"),
        ("width", "192 * 2"),
        ("name", {"literal": "generator"}),
    )
    assert construction.splat == ("hps.model",)
    assert construction.reads == {
        ("data", "filter_length"),
        ("train", "segment_size"),
        ("data", "hop_length"),
        ("data", "n_speakers"),
        ("model",),
    }
    # a value fixed by the code, not the config, is said so
    assert construction.notes == (
        "len(symbols) = 27, computed from the code",
        "HIDDEN = 192, computed from the code",
    )


def test_subscripts_locals_and_another_name_for_the_config() -> None:
    source = """\
        import json
        import torch
        from models import Net


        def main():
            config = json.load(open("configs/base.json"))
            spec = config["data"]["n_fft"] // 2 + 1
            net = Net(spec, config["model"]["hidden"])
            torch.save(net.state_dict(), "net.pt")
    """
    construction = _translated(source, "net")
    assert construction.args == ("hps.data.n_fft // 2 + 1", "hps.model.hidden")
    assert construction.reads == {("data", "n_fft"), ("model", "hidden")}


def test_the_config_held_by_the_scripts_object() -> None:
    source = """\
        from models import Net


        class Svc:
            def load(self):
                self.net = Net(self.hps.data.filter_length // 2 + 1, **self.hps.model)
                self.net.load_state_dict({})
    """
    construction = _translated(source, "self.net")
    assert construction.args == ("hps.data.filter_length // 2 + 1",)
    assert construction.splat == ("hps.model",)


def test_len_and_getattr_of_config_values() -> None:
    source = """\
        from models import Net


        def load(hps):
            model = Net(len(hps.symbols), len(getattr(hps, "tones", [])), getattr(hps, "k", 3))
            model.load_state_dict({})
    """
    construction = _translated(source, "model")
    assert construction.args == (
        "len(hps.symbols)",
        {"first": ["len(hps.tones)", 0]},
        {"first": ["hps.k", 3]},
    )
    assert construction.reads == {("symbols",)}  # tones and k have defaults


@pytest.mark.parametrize(
    ("call", "expression", "why"),
    [
        ("Net(args.width, hps.model.x)", "args.width", "args is neither the config nor"),
        ("Net(int(hps.model.x))", "int(hps.model.x)", "a call whose value is known only"),
        ("Net(*hps.sizes)", "*hps.sizes", "positional splats"),
        ("Net(hps.a if hps.b else 0)", "hps.a if hps.b else 0", "known only when the script runs"),
        ("Net(width)", "width", "width is bound more than once before it (lines 5, 7)"),
    ],
)
def test_what_cannot_be_said_names_the_expression(call: str, expression: str, why: str) -> None:
    source = f"""\
        from models import Net


        def run(hps, args, flag):
            width = 1
            if flag:
                width = 2
            net = {call}
            net.load_state_dict({{}})
    """
    with pytest.raises(Untranslatable) as caught:
        _translated(source, "net")
    assert caught.value.expression == expression
    assert why in caught.value.why


def test_the_config_name_is_the_splats_else_the_commonest_root() -> None:
    _, found = _snapshot(
        "t.py", "from models import Net\nnet = Net(a.x, h.y, h.z)\nnet.state_dict()\n"
    )
    (built,) = found.built
    assert config_name(built.call) == "h"
    assert config_name(Call(built.call.func, built.call.callee, ())) is None


def test_a_name_is_the_config_by_its_name_or_its_loader() -> None:
    source = """\
        import argparse
        from models import Net


        def main(parser):
            opts = load_config("c.json")
            args = parser.parse_args()
            net = Net(opts.model.width)
            critic = Net(args.width)
            net.state_dict()
            critic.state_dict()
    """
    _, found = _snapshot("t.py", source)
    local = {a.target: a.value for a in found.assignments["main"]}
    calls = {b.target: b.call for b in found.built}
    assert config_name(calls["net"], local) == "opts"
    assert config_name(calls["critic"], local) is None

"""Model roots: modules scripts build outside any module and whose weights they handle."""

from __future__ import annotations

import textwrap

from auditor.extract.python import summarise_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.values import ClassRef, ExternalRef
from auditor.runtime.roots import find_roots, is_module, training_first
from auditor.runtime.scripts import Script, read_script

MODELS = """\
    import torch.nn as nn


    class Base(nn.Module):
        pass


    class VoiceNet(Base):
        def __init__(self, width):
            super().__init__()
            self.body = nn.Linear(width, width)


    class Helper:
        pass
"""

TRAIN = """\
    import torch
    from net.models import VoiceNet, Helper


    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = VoiceNet(4)
            self.inner.load_state_dict({})


    def main(hps):
        net = VoiceNet(hps.model.width).cuda()
        helper = Helper()
        unsaved = VoiceNet(8)
        torch.save({"net": net.state_dict(), "helper": helper.state_dict()}, "ckpt.pt")
"""

INFER = """\
    from net.models import VoiceNet

    model = VoiceNet(4)
    model.load_state_dict(torch.load("ckpt.pt"))
"""


def _setup() -> tuple[PythonSnapshot, list[Script]]:
    sources = {
        "src/net/models.py": MODELS,
        "src/net/__init__.py": "",
        "src/train.py": TRAIN,
        "src/infer.py": INFER,
    }
    texts = {path: textwrap.dedent(text).encode() for path, text in sources.items()}
    snapshot = PythonSnapshot({path: summarise_module(data) for path, data in texts.items()})
    scripts = [read_script(path, texts[path]) for path in ("src/infer.py", "src/train.py")]
    return snapshot, [s for s in scripts if s is not None]


def test_only_saved_modules_built_outside_a_module_are_roots() -> None:
    snapshot, scripts = _setup()
    roots = find_roots(snapshot, scripts)
    assert [(r.site, r.cls) for r in roots] == [
        ("src/infer.py:3", ClassRef("src/net/models.py", "VoiceNet")),
        ("src/train.py:13", ClassRef("src/net/models.py", "VoiceNet")),
    ]
    # the Wrapper's submodule, the plain Helper and the unsaved VoiceNet are not roots
    assert roots[1].weights == ("net.state_dict() at src/train.py:16",)


def test_training_scripts_come_first() -> None:
    snapshot, scripts = _setup()
    assert [r.site for r in training_first(find_roots(snapshot, scripts))] == [
        "src/train.py:13",
        "src/infer.py:3",
    ]


def test_a_module_through_its_bases() -> None:
    snapshot, _ = _setup()
    assert is_module(snapshot, ClassRef("src/net/models.py", "VoiceNet"))
    assert not is_module(snapshot, ClassRef("src/net/models.py", "Helper"))
    assert is_module(snapshot, ExternalRef("torch.nn.Conv1d"))
    assert is_module(snapshot, ExternalRef("pytorch_lightning.LightningModule"))
    assert not is_module(snapshot, ExternalRef("torch.optim.AdamW"))


def test_a_class_under_a_namespace_package_the_script_imports() -> None:
    texts = {
        "rvc/lib/models.py": textwrap.dedent(MODELS).encode(),
        "rvc/train/train.py": textwrap.dedent(
            """\
            import torch
            import rvc.lib.zluda


            def run(hps):
                from rvc.lib.models import VoiceNet

                net_g = VoiceNet(hps.model.width)
                net_g.load_state_dict({})
            """
        ).encode(),
        "rvc/lib/zluda.py": b"ZLUDA = False\n",
    }
    snapshot = PythonSnapshot({path: summarise_module(data) for path, data in texts.items()})
    script = read_script("rvc/train/train.py", texts["rvc/train/train.py"])
    assert script is not None
    # ``import rvc.lib.zluda`` binds rvc, a folder without __init__.py
    (root,) = find_roots(snapshot, [script])
    assert root.cls == ClassRef("rvc/lib/models.py", "VoiceNet")

"""Stage 2: forward-input facts of model classes only, and of their submodules only."""

from __future__ import annotations

import textwrap

from auditor.domain import FactKind
from auditor.extract.python import ModuleSummary, resolve_python_facts, summarise_module

MODELS = """\
import torch
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.encoder = nn.Linear(hidden, hidden)
        self.proj = nn.Conv1d(hidden, hidden, 1)

    def forward(self, x, x_mask, g=None):
        x = self.encoder(x * x_mask, g=g)
        x = torch.cat([x, x_mask], dim=1)
        return self.proj(x) + self.helper(x, scale=2)

    def helper(self, x, scale):
        return x * scale


class Plain:
    def forward(self, x):
        return torch.cat([x, x])
"""


def facts(source: str) -> dict[str, object]:
    modules: dict[str, ModuleSummary] = {"models.py": summarise_module(source.encode())}
    return {
        f.key: f.value
        for f in resolve_python_facts("models.py", modules)
        if f.kind is FactKind.FORWARD_INPUT
    }


def test_model_classes_give_their_concatenations_and_submodule_keywords() -> None:
    assert facts(MODELS) == {
        "TextEncoder.forward.cat[0]": ("x", "x_mask"),
        "TextEncoder.forward.self.encoder.keywords": ("g",),
        "TextEncoder.forward.self.proj.keywords": (),
    }


def test_a_method_call_is_not_a_submodule_input() -> None:
    assert not any("helper" in key for key in facts(MODELS))


def test_a_class_that_is_no_module_has_none() -> None:
    plain = textwrap.dedent("""\
        import torch


        class Plain:
            def forward(self, x):
                return torch.cat([x, x])
        """)
    assert facts(plain) == {}

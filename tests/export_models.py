"""Tiny models that export, export with other outputs, or do not export, and profiles of them
(``export-check``'s tests)."""

from __future__ import annotations

#: ``Plain`` traces; ``Opaque`` returns a Python float beside its tensor (no trace) and takes
#: ``**options`` (no script); ``Branchy`` is ``Plain`` until a commit makes it branch on a
#: tensor's value (the trace freezes the branch its first draw took); ``Noisy`` samples noise.
NETS = """
import torch
from torch import nn


class Plain(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        return torch.tanh(self.proj(x))


class Branchy(Plain):
    pass


class Noisy(Plain):
    def forward(self, x):
        y = self.proj(x)
        return y + 0.1 * torch.randn_like(y)


class Opaque(Plain):
    def forward(self, x, **options):
        y = self.proj(x)
        return y, float(y.mean())
"""
BRANCHING = """

    def forward(self, x):
        if x.abs().max() > 2.0:  # a loud input is normalised first
            x = x / x.abs().max()
        return torch.tanh(self.proj(x))
"""


def profile(*models: str) -> str:
    """A profile of MODELS (``NAME:CLASS`` of nets.py), each run on one ``x`` of conf.json's
    width."""
    lines = ["name: tiny-export", 'files: ["*.py", "*.json"]', "models:"]
    for model in models:
        name, cls = model.split(":")
        lines += [
            f"  - name: {name}",
            "    module: nets",
            f"    class: {cls}",
            "    config: conf.json",
            "    kwargs: {width: hps.width}",
            "    inputs:",
            "      - method: forward",
            "        args:",
            "          - name: x",
            '            shape: [1, "hps.width"]',
        ]
    return "\n".join(lines) + "\n"


def branching_nets() -> str:
    """NETS with ``Branchy.forward`` branching on its input's loudest value."""
    return NETS.replace("class Branchy(Plain):\n    pass\n", "class Branchy(Plain):" + BRANCHING)

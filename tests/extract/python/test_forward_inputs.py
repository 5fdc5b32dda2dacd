"""Stage 1: what each class's forward concatenates, and the keywords of its submodule calls."""

from __future__ import annotations

import libcst as cst

from auditor.extract.python.forward_inputs import forward_sites
from auditor.extract.python.summary import ForwardSite, ModuleSummary

SOURCE = """\
import torch
from torch import nn


class Generator(nn.Module):
    def forward(self, x, mel, g=None):
        if g is not None:
            mel += self.cond(g)
        x = torch.cat([mel, x], dim=1)
        h = torch.cat((x,  g * 2), 1)
        y = self.enc(x, mask, g=g)

        def helper():
            return torch.cat([a, b]) + self.hidden(q=1)

        return self.enc(y, reverse=True) + torch.cat(parts)

    def infer(self, x):
        return torch.cat([x, x])


def forward(self, x):
    return torch.cat([x, x])
"""


def test_concatenations_in_order_and_submodule_keywords() -> None:
    sites = forward_sites(cst.parse_module(SOURCE))
    assert sites == (
        ForwardSite("Generator", "cat", "0", ("mel", "x"), 9),
        ForwardSite("Generator", "cat", "1", ("x", "g*2"), 10),
        ForwardSite("Generator", "call", "cond", (), 8),
        ForwardSite("Generator", "call", "enc", ("g", "reverse"), 11),
    )


def test_a_module_without_forward_has_no_sites() -> None:
    assert forward_sites(cst.parse_module("class A:\n    def infer(self):\n        pass\n")) == ()


def test_sites_round_trip_through_the_summary() -> None:
    summary = ModuleSummary(forward_sites=forward_sites(cst.parse_module(SOURCE)))
    assert ModuleSummary.from_json(summary.to_json()) == summary


#: Lines counted along the whole file: decorators and comments before the method, a one-line
#: class, an async forward, two classes of one name, a second forward, a multi-line string
#: and a continued line before it.
PLACED = """\
import torch


class Tiny: pass


NOTE = '''a
string'''; X = 1 + \\
    2


class Net(torch.nn.Module):
    # the forward below is decorated
    @torch.no_grad()

    @staticmethod
    def forward(x, y):
        return torch.cat(
            [y, x]
        )


class Net(torch.nn.Module):
    async def forward(self, a, b):
        return self.proj(a, g=b)

    def forward(self, a, b):
        return torch.cat([b, a])
"""


def test_lines_are_those_of_the_whole_file() -> None:
    module = cst.parse_module(PLACED)
    expected = (
        ForwardSite("Net", "cat", "0", ("y", "x"), 18),
        ForwardSite("Net", "call", "proj", ("g",), 25),
        ForwardSite("Net", "cat", "0", ("b", "a"), 28),
    )
    assert forward_sites(module) == expected

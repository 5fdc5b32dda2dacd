"""Bodies stage 1 does not read are stubbed in the text before libcst parses it; every line
keeps its number."""

from __future__ import annotations

import ast

import libcst as cst

from auditor.extract.python.components import builtin_components
from auditor.extract.python.prune import (
    forward_sources,
    keeps_function,
    keeps_main,
    prune_tree,
    pruned_source,
    source_lines,
)

SOURCE = """\
import torch


def helper(x):  # a helper: no fact here
    y = x * 2
    # a comment
    return y


def mel(wav):
    return torchaudio.transforms.MelSpectrogram()(wav)


def one_liner(x): return x


class Generator(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.pre = torch.nn.Conv1d(hidden, hidden, 1)

    @torch.no_grad()
    def forward(self, x,
                g=None):
        x = torch.cat([x, g], dim=1)
        return self.pre(x)
        # trailing, deeper than the class


if __name__ == "__main__":
    model = Generator(192)
    print(model)
else:
    value = 1
"""


def _pruned(source: str = SOURCE) -> str:
    return pruned_source(source_lines(source), ast.parse(source), builtin_components())


def test_bodies_without_facts_become_pass_and_keep_every_line_number() -> None:
    pruned = _pruned()
    assert pruned.count("\n") == SOURCE.count("\n")
    lines = pruned.splitlines()
    assert lines[3] == "def helper(x):  # a helper: no fact here"
    assert [line for line in lines[4:7]] == ["", "", "    pass"]
    assert "return torchaudio.transforms.MelSpectrogram()(wav)" in pruned  # a front end
    assert "def one_liner(x): return x" in pruned
    assert "        self.pre = torch.nn.Conv1d(hidden, hidden, 1)" in pruned  # __init__ read
    assert "torch.cat" not in pruned  # forward is read apart, see forward_sources
    assert lines.index("class Generator(torch.nn.Module):") == 16
    assert "print(model)" not in pruned and "    value = 1" in pruned  # only the main block


def test_the_stubbed_text_parses_to_what_the_libcst_tree_pruning_gives() -> None:
    from_text = ast.dump(ast.parse(_pruned()))
    from_tree = ast.dump(ast.parse(prune_tree(cst.parse_module(SOURCE), builtin_components()).code))
    assert from_text == from_tree


def test_each_forward_method_is_kept_alone_under_its_class() -> None:
    snippets = forward_sources(source_lines(SOURCE), ast.parse(SOURCE))
    assert snippets == [
        (
            21,
            "class Generator:\n"
            "    @torch.no_grad()\n"
            "    def forward(self, x,\n"
            "                g=None):\n"
            "        x = torch.cat([x, g], dim=1)\n"
            "        return self.pre(x)\n",
        )
    ]
    assert (
        forward_sources(source_lines("def f():\n    pass\n"), ast.parse("def f():\n    pass\n"))
        == []
    )


def test_what_a_body_must_hold_to_be_read() -> None:
    components = builtin_components()
    assert keeps_function("    return librosa.load(path)\n", components)
    assert keeps_function('    cfg["model"]["ssl_dim"] = 768\n', components)
    assert not keeps_function("    return x + 1\n", components)
    assert keeps_main('    torch.load("G_0.pth")\n')
    assert not keeps_main("    main()\n")


def test_line_ends_are_python_s_own() -> None:
    assert source_lines("a = 1\r\nb = '\x0c'\rc = 3") == ["a = 1\r\n", "b = '\x0c'\r", "c = 3"]
    source = "def f():\r\n    return 1\r\n\r\nx = 2\r\n"
    assert _pruned(source) == "def f():\r\n    pass\r\n\r\nx = 2\r\n"

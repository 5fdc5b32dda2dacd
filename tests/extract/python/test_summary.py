from __future__ import annotations

import textwrap

import pytest

from auditor.extract.python import (
    EXTRACTOR_VERSION,
    ModuleSummary,
    PythonParseError,
    may_hold_facts,
    summarise_module,
)
from auditor.extract.python.expressions import (
    Arg,
    Attr,
    BinOp,
    Call,
    Compare,
    Lit,
    Name,
    Seq,
)
from auditor.extract.python.summary import (
    Binding,
    Condition,
    Import,
    KwargDefault,
    Parameter,
)


def summarise(source: str) -> ModuleSummary:
    return summarise_module(textwrap.dedent(source).encode())


MODELS = """\
    import torch
    import torch.nn as nn
    from torch.nn import Conv1d
    from . import commons
    from ..text.symbols import symbols as table

    HIDDEN = 192


    class MRTE(nn.Module):
        def forward(self, x):
            # a long inference path that the summary skips
            y = x * 2
            return y

        def __init__(self, hidden_channels, gin_channels=512, version="v1", **kwargs):
            super().__init__()
            ssl_dim = kwargs.get("ssl_dim", 768)
            self.version = version
            self.proj = Conv1d(ssl_dim, hidden_channels, 1)
            if version == "v1":
                self.ref = nn.Linear(704, gin_channels)
            else:
                self.ref = nn.Linear(1024, gin_channels)
            self.convs = nn.ModuleList()
            for _ in range(3):
                self.convs.append(nn.Conv1d(HIDDEN, HIDDEN, 3))
    """


def test_imports_with_levels_and_aliases() -> None:
    summary = summarise(MODELS)
    assert summary.imports == (
        Import("torch", "torch", None, 0, 1),
        Import("nn", "torch.nn", None, 0, 2),
        Import("Conv1d", "torch.nn", "Conv1d", 0, 3),
        Import("commons", "", "commons", 1, 4),
        Import("table", "text.symbols", "symbols", 2, 5),
    )


def test_module_constants_and_classes() -> None:
    summary = summarise(MODELS)
    assert summary.bindings == (Binding("HIDDEN", Lit(192), 7, 0),)
    (cls,) = summary.classes
    assert (cls.name, cls.bases, cls.line) == ("MRTE", ("torch.nn.Module",), 10)
    assert cls.init is not None
    assert cls.init.params == (
        Parameter("self", None, "positional", 16),
        Parameter("hidden_channels", None, "positional", 16),
        Parameter("gin_channels", Lit(512), "positional", 16),
        Parameter("version", Lit("v1"), "positional", 16),
        Parameter("kwargs", None, "**", 16),
    )
    assert cls.kwarg_defaults == (KwargDefault("ssl_dim", Lit(768), 18),)
    assert [(b.name, b.line) for b in cls.locals] == [("ssl_dim", 18), ("_", 26)]
    assert cls.attributes[0] == Binding("version", Name("version"), 19, 2)


def test_submodules_keep_their_branch_conditions_and_qualified_callees() -> None:
    (cls,) = summarise(MODELS).classes
    proj, ref_v1, ref_else, convs, conv = cls.submodules
    assert proj.attr == "proj" and proj.line == 20 and proj.conditions == ()
    assert proj.call == Call(
        Name("Conv1d"),
        "torch.nn.Conv1d",
        (
            Arg(Name("ssl_dim"), line=20),
            Arg(Name("hidden_channels"), line=20),
            Arg(Lit(1), line=20),
        ),
    )
    is_v1 = Compare(Name("version"), (("==", Lit("v1")),))
    assert ref_v1.conditions == (Condition(is_v1, True),)
    assert ref_else.conditions == (Condition(is_v1, False),)
    assert ref_v1.call.callee == ref_else.call.callee == "torch.nn.Linear"
    assert (convs.attr, convs.append, conv.attr, conv.append) == ("convs", False, "convs", True)
    assert conv.call.func == Attr(Name("nn"), "Conv1d")


def test_symbol_table_statements_become_rebindings() -> None:
    summary = summarise(
        """\
        punctuation = ["!", "?"]
        punctuation.append("-")
        pu_symbols = punctuation + ["SP"]
        symbols = [pad] + pu_symbols
        symbols = sorted(set(symbols))
        symbols += ["[", "]"]
        if __name__ == "__main__":
            symbols = []
        """
    )
    names = [(b.name, b.line) for b in summary.bindings]
    assert names == [
        ("punctuation", 1),
        ("punctuation", 2),
        ("pu_symbols", 3),
        ("symbols", 4),
        ("symbols", 5),
        ("symbols", 6),
    ]
    assert summary.bindings[1].value == BinOp("+", Name("punctuation"), Seq("list", (Lit("-"),)))
    assert summary.bindings[5].value == BinOp(
        "+", Name("symbols"), Seq("list", (Lit("["), Lit("]")))
    )


def test_summary_round_trips_through_json() -> None:
    summary = summarise(MODELS)
    text = summary.to_json()
    assert ModuleSummary.from_json(text) == summary
    assert f'"version":{EXTRACTOR_VERSION}' in text


def test_summary_of_another_extractor_version_is_refused() -> None:
    text = (
        summarise(MODELS)
        .to_json()
        .replace(f'"version":{EXTRACTOR_VERSION}', f'"version":{EXTRACTOR_VERSION + 1}')
    )
    with pytest.raises(ValueError, match="extractor version"):
        ModuleSummary.from_json(text)


def test_pruned_methods_keep_every_line_number() -> None:
    source = textwrap.dedent(MODELS) + "\n\nclass After(nn.Module):\n    def __init__(self):\n"
    (_, after) = summarise(source + "        pass\n").classes
    assert after.line == source.count("\n") - 1


def test_text_the_standard_parser_cannot_read_is_read_by_libcst_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = textwrap.dedent(MODELS) + textwrap.dedent(
        """
        class Decoder(nn.Module):
            def forward(self, x, mel):
                return self.post(torch.cat([mel, x], dim=1), g=mel)
        """
    )
    both_parsers = summarise(source)
    assert both_parsers.forward_sites and both_parsers.classes
    monkeypatch.setattr("auditor.extract.python.parse._standard_tree", lambda text: None)
    assert summarise(source) == both_parsers


def test_syntax_error_says_where() -> None:
    with pytest.raises(PythonParseError) as caught:
        summarise_module(b"import torch\n\nclass A(nn.Module:\n    pass\n")
    assert caught.value.line == 3
    assert str(caught.value).startswith("invalid Python at line 3, column ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x\xff = 1\n", "not UTF-8"),
        (b"\x00\x01binary", "binary"),
    ],
)
def test_unreadable_bytes(data: bytes, message: str) -> None:
    with pytest.raises(PythonParseError, match=message):
        summarise_module(data)


@pytest.mark.parametrize(
    "source",
    [
        "class A(nn.Module):\n" + "    pass\n" * 300,
        "symbols = sorted(set(a + b))\n" + "# padding\n" * 300,
        "HIDDEN = 192\n" + "# padding\n" * 300,
        "from transformers import HubertModel\n" + "# padding\n" * 300,
        "",
    ],
)
def test_may_hold_facts(source: str) -> None:
    assert may_hold_facts(source.encode())


def test_may_not_hold_facts() -> None:
    helper = "def helper(x):\n    return x + 1\n" * 80
    assert not may_hold_facts(helper.encode())
    assert not may_hold_facts(b"\x00" * 4096)


def test_bytes_that_are_not_utf8_in_a_comment_are_replaced_and_noted() -> None:
    from auditor.extract.python.parse import summarise_module

    source = (
        b"import torch.nn as nn\n# \xbb a comment in another encoding\n"
        b"class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        b"        self.proj = nn.Linear(3, 4)  # \xd6\xd0\n"
    )
    summary = summarise_module(source)
    assert [c.name for c in summary.classes] == ["A"]
    assert summary.notes == (
        "not UTF-8 text (invalid byte 0xbb at line 2): Python cannot import the file as committed",
    )
    assert ModuleSummary.from_json(summary.to_json()) == summary


def test_a_coding_declaration_is_honoured_and_bad_bytes_in_code_are_an_error() -> None:
    from auditor.extract.python.parse import PythonParseError, summarise_module

    declared = "# -*- coding: gbk -*-\n# 中文\nHIDDEN = 192\n".encode("gbk")
    assert summarise_module(declared).notes == ()
    with pytest.raises(PythonParseError, match="invalid byte 0xbb at line 1"):
        summarise_module(b"x\xbb = 1\n")

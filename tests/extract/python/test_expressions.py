from __future__ import annotations

import pytest

from auditor.extract.python.codec import decode, encode
from auditor.extract.python.evaluate import Scope, evaluate
from auditor.extract.python.expressions import (
    Arg,
    Attr,
    BinOp,
    BoolOp,
    Call,
    Comp,
    Compare,
    DictExpr,
    Expr,
    Generator,
    IfExp,
    Lit,
    Name,
    Opaque,
    Seq,
    Starred,
    Subscript,
    Unary,
    normalise_source,
    walk,
)
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import DictValue, ParamRef, Unresolved, Value, truth


class Names:
    """A scope of plain names; conditions are decided by evaluating them."""

    def __init__(self, **values: Value) -> None:
        self.values = values

    def name(self, name: str) -> Value:
        if name not in self.values:
            raise Unresolved(name)
        return self.values[name]

    def self_attribute(self, attr: str) -> Value:
        raise Unresolved(attr)

    def member(self, value: Value, attr: str) -> Value:
        raise Unresolved(attr)

    def call(self, call: Call) -> Value:
        raise Unresolved(call.callee)

    def test(self, expr: Expr) -> bool | None:
        try:
            return truth(evaluate(expr, self))
        except Unresolved:
            return None


def call(name: str, *args: Expr, **keywords: Expr) -> Call:
    return Call(
        Name(name),
        f"builtins.{name}",
        tuple(Arg(a) for a in args) + tuple(Arg(v, k) for k, v in keywords.items()),
    )


def strings(*items: str) -> Seq:
    return Seq("list", tuple(Lit(i) for i in items))


EVERY_NODE: Expr = Call(
    Attr(Name("nn"), "Conv1d"),
    "torch.nn.Conv1d",
    (
        Arg(BinOp("//", Name("kernel_size"), Lit(2)), line=3),
        Arg(Unary("-", Name("x")), "padding", line=4),
        Arg(Name("rest"), star="*"),
        Arg(Seq("tuple", (Starred(Name("more")), Lit(1)))),
        Arg(DictExpr(((Lit("a"), Lit(1.5)),)), star="**"),
        Arg(IfExp(Compare(Name("version"), (("==", Lit("v1")),)), Lit(704), Lit(512))),
        Arg(BoolOp("and", Lit(True), Lit(None))),
        Arg(Seq("set", (Lit("b"), Lit("a")))),
        Arg(Comp("list", Name("t"), (Generator(("t",), False, Name("ts"), (Name("t"),)),))),
        Arg(Subscript(Name("config"), Lit("model"))),
        Arg(Opaque("lambda x: x")),
    ),
)


def test_every_node_round_trips_through_json() -> None:
    import json

    assert decode(json.loads(json.dumps(encode(EVERY_NODE)))) == EVERY_NODE


def test_render_is_the_normalised_source() -> None:
    assert unparse(EVERY_NODE) == (
        "nn.Conv1d(kernel_size // 2, *rest, (*more, 1), 704 if version == 'v1' else 512, "
        "True and None, {'b', 'a'}, [t for t in ts if t], config['model'], lambda x: x, "
        "padding=-x, **{'a': 1.5})"
    )


def test_render_substitutes_names() -> None:
    expr = BinOp("*", Name("HIDDEN"), Name("n"))
    assert unparse(expr, lambda leaf: Lit(192) if leaf == Name("HIDDEN") else None) == "192 * n"


def test_normalised_source_ignores_layout_comments_and_quotes() -> None:
    black = 'MelStyleEncoder(\n    704,  # v2 mel bins\n    style_vector_dim="x",\n)'
    assert normalise_source(black) == normalise_source("MelStyleEncoder(704, style_vector_dim='x')")


def test_walk_visits_every_node_root_first() -> None:
    nodes = walk(BinOp("+", Name("a"), Call(Name("len"), "builtins.len", (Arg(Name("b")),))))
    assert nodes[0] == BinOp("+", Name("a"), Call(Name("len"), "builtins.len", (Arg(Name("b")),)))
    assert Name("a") in nodes and Name("b") in nodes and Name("len") in nodes


def test_symbol_table_built_by_concatenation_sorted_set_and_comprehension() -> None:
    scope = Names(
        pad="_",
        c=("b", "a", "c"),
        finals=("an", "en"),
        punctuation=("!", "?"),
    )
    tones = Comp(
        "list",
        BinOp("+", Name("f"), call("str", Name("t"))),
        (
            Generator(("f",), False, Name("finals"), ()),
            Generator(("t",), False, call("range", Lit(1), Lit(3)), ()),
        ),
    )
    table = BinOp(
        "+", BinOp("+", Seq("list", (Name("pad"),)), Name("c")),
        BinOp("+", tones, Name("punctuation")),
    )  # fmt: skip
    assert evaluate(table, scope) == ("_", "b", "a", "c", "an1", "an2", "en1", "en2", "!", "?")
    assert evaluate(call("len", call("sorted", call("set", table))), scope) == 10
    merged = evaluate(call("sorted", call("set", BinOp("+", table, Name("c")))), scope)
    assert isinstance(merged, tuple)
    assert merged[:3] == ("!", "?", "_")


def test_sets_dicts_and_strings() -> None:
    scope = Names()
    assert evaluate(Seq("set", (Lit("b"), Lit("a"), Lit("b"))), scope) == ("a", "b")
    arpa = DictExpr(((Lit("AH0"), Lit(1)), (Lit("S"), Lit(2))))
    assert evaluate(call("list", arpa), scope) == ("AH0", "S")
    assert evaluate(arpa, scope) == DictValue((("AH0", 1), ("S", 2)))
    assert evaluate(call("len", Lit("ㄱㄴㄷ")), scope) == 3
    assert evaluate(call("sorted", call("list", Lit("cab"))), scope) == ("a", "b", "c")


def test_arithmetic_and_comparisons() -> None:
    scope = Names(filter_length=2048, version="v2")
    assert evaluate(BinOp("+", BinOp("//", Name("filter_length"), Lit(2)), Lit(1)), scope) == 1025
    assert evaluate(Unary("-", Lit(3)), scope) == -3
    assert evaluate(Compare(Name("version"), (("in", Seq("set", (Lit("v1"), Lit("v2")))),)), scope)
    assert evaluate(Compare(Name("version"), (("!=", Lit("v1")),)), scope) is True
    assert (
        evaluate(IfExp(Compare(Name("version"), (("==", Lit("v1")),)), Lit(704), Lit(512)), scope)
        == 512
    )


@pytest.mark.parametrize(
    "expr",
    [
        Name("unknown"),
        BinOp("+", Name("p"), Lit(1)),
        Compare(Name("p"), (("==", Lit("v1")),)),
        BinOp("**", Lit(10), Lit(1000)),
        BinOp("*", Seq("list", (Lit(0),)), Lit(10**9)),
        BinOp("//", Lit(1), Lit(0)),
        call("range", Lit(10**9)),
        call("sorted", Seq("list", (Lit(1), Lit("a")))),
        Call(Name("open"), "builtins.open", (Arg(Lit("x")),)),
        Opaque("lambda: 0"),
    ],
)
def test_what_cannot_be_known_is_unresolved(expr: Expr) -> None:
    with pytest.raises(Unresolved):
        evaluate(expr, Names(p=ParamRef("p")))


def test_an_undecidable_conditional_expression_is_unresolved() -> None:
    scope: Scope = Names(use_sdp=ParamRef("use_sdp"))
    with pytest.raises(Unresolved):
        evaluate(IfExp(Name("use_sdp"), Lit(192), Lit(256)), scope)

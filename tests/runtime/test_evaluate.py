"""The profile expression evaluator: a small grammar, evaluated without ``eval``."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.runtime.evaluate import ExpressionError, evaluate, parse_expression

HPS: dict[str, Any] = {
    "data": {"filter_length": 2048, "hop_length": 640, "n_speakers": 300},
    "train": {"segment_size": 20480},
    "model": {"hidden_channels": 192},
    "symbols": ["_", "a", "b"],
}


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("hps.data.filter_length // 2 + 1", 1025),
        ("hps.train.segment_size // hps.data.hop_length", 32),
        ("hps.data.n_speakers", 300),
        ("2 * hps.model.hidden_channels - 1", 383),
        ("-1 + 3", 2),
        ("hps.model", {"hidden_channels": 192}),
        ("len(hps.symbols) + 1", 4),
        ("len(hps.model)", 1),
    ],
)
def test_values(source: str, value: Any) -> None:
    assert evaluate(parse_expression(source), {"hps": HPS}) == value


def test_objects_are_read_by_public_attribute() -> None:
    class Embedding:
        num_embeddings = 714

    class Model:
        text_embedding = Embedding()

    expression = parse_expression("model.text_embedding.num_embeddings")
    assert evaluate(expression, {"model": Model()}) == 714
    assert expression.names == frozenset({"model"})


def test_len_is_called_not_read() -> None:
    expression = parse_expression("len(hps.symbols)")
    assert expression.names == frozenset({"hps"})
    with pytest.raises(ExpressionError, match=r"len\(\) of hps.data.n_speakers, a int"):
        evaluate(parse_expression("len(hps.data.n_speakers)"), {"hps": HPS})


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "hps.data.__class__",
        "hps.data.filter_length ** 2",
        "hps.data.filter_length / 2",
        "hps['data']",
        "len(hps, 1)",
        "len(*hps)",
        "max(hps.data.n_speakers)",
        "hps.symbols.count()",
        "1.5 * 2",
        "'text'",
        "lambda: 1",
        "hps.data +",
    ],
)
def test_anything_beyond_the_grammar_is_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("hps.data.nope", "hps.data has no key 'nope'"),
        ("cfg.data", "unknown name 'cfg'"),
        ("hps.data // 2", "arithmetic on dict"),
        ("hps.data.hop_length // 0", "division by zero"),
    ],
)
def test_evaluation_errors_say_what_is_wrong(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate(parse_expression(source), {"hps": HPS})

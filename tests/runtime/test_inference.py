"""Output comparison inside the worker: shapes, absolute and relative errors, NaN."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.runtime.inference import (
    choose,
    compare_outputs,
    fits,
    input_difference,
    none_fits,
    selected,
    tensors,
)

pytestmark = pytest.mark.torch


def test_identical_outputs_have_no_error() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor([[0.5, -2.0]])
    found = compare_outputs([a], [a.clone()], None)
    assert (found["max_abs_error"], found["max_rel_error"], found["compared"]) == (0.0, 0.0, True)


def test_errors_are_relative_to_the_largest_old_value() -> None:
    torch = pytest.importorskip("torch")
    old = [torch.tensor([1.0, -4.0]), torch.tensor([2.0])]
    new = [torch.tensor([1.0, -4.0]), torch.tensor([1.0])]
    found = compare_outputs(old, new, None)
    assert (found["max_abs_error"], found["max_rel_error"]) == (1.0, 0.25)
    assert found["old_shapes"] == found["new_shapes"] == [[2], [1]]


def test_other_shapes_are_not_compared_by_value() -> None:
    torch = pytest.importorskip("torch")
    found = compare_outputs([torch.zeros(1, 4)], [torch.zeros(1, 6)], None)
    assert (found["old_shapes"], found["new_shapes"]) == ([[1, 4]], [[1, 6]])
    assert found["max_abs_error"] is None and found["compared"]


def test_nan_where_there_was_none_differs() -> None:
    torch = pytest.importorskip("torch")
    nan = float("nan")
    same = compare_outputs([torch.tensor([nan, 1.0])], [torch.tensor([nan, 1.0])], None)
    assert same["max_rel_error"] == 0.0
    found = compare_outputs([torch.tensor([0.0, 1.0])], [torch.tensor([nan, 1.0])], None)
    assert found["max_rel_error"] is None and "NaN" in found["note"]


def test_other_inputs_are_not_compared() -> None:
    torch = pytest.importorskip("torch")
    previous = {"args": [torch.zeros(1, 768, 20)], "kwargs": {}}
    assert input_difference(previous, [torch.ones(1, 768, 20)], {}, ["ssl"]) is None
    why = input_difference(previous, [torch.zeros(1, 1024, 20)], {}, ["ssl"])
    assert why == "input ssl: [1, 768, 20] at the old revision, [1, 1024, 20] at the new"
    found = compare_outputs([torch.zeros(2)], [torch.ones(2)], why)
    assert not found["compared"] and found["note"] == why


def test_tensors_are_found_in_nested_outputs() -> None:
    torch = pytest.importorskip("torch")
    a, b, c = torch.zeros(1), torch.zeros(2), torch.zeros(3)
    assert [t.shape[0] for t in tensors((a, [b, {"x": c}], "text"))] == [1, 2, 3]


def test_the_first_method_the_model_has_is_run() -> None:
    class Decoder:
        def decode(self) -> None: ...

    class Plain:
        def forward(self) -> None: ...

    choices = [{"method": "decode"}, {"method": "forward"}]
    assert choose(Decoder(), choices, None) == {"method": "decode"}
    assert choose(Plain(), choices, None) == {"method": "forward"}
    # the new revision runs what the old one recorded, when it can
    recorded = ("decode", [])
    assert choose(Decoder(), [{"method": "forward"}, {"method": "decode"}], recorded) == {
        "method": "decode"
    }
    assert choose(object(), choices, None) is None


def inputs(*args: str, kwargs: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "method": "infer",
        "args": [{"name": name} for name in args],
        "kwargs": [{"name": name} for name in kwargs],
    }


class V23:
    """Bert-VITS2 2.3's infer: three BERT streams."""

    def infer(
        self,
        x: Any,
        x_lengths: Any,
        sid: Any,
        bert: Any,
        ja_bert: Any,
        en_bert: Any,
        noise_scale: Any = 0.667,
    ) -> None: ...


class V21:
    """2.1 and 2.2: an emotion input beside them."""

    def infer(
        self,
        x: Any,
        x_lengths: Any,
        sid: Any,
        bert: Any,
        ja_bert: Any,
        en_bert: Any,
        emo: Any = None,
        noise_scale: Any = 0.667,
    ) -> None: ...


class V10:
    """1.0: one BERT stream."""

    def infer(
        self, x: Any, x_lengths: Any, sid: Any, bert: Any, noise_scale: Any = 0.667
    ) -> None: ...


EMO = inputs("x", "x_lengths", "sid", "bert", "ja_bert", "en_bert", "emo")
THREE = inputs("x", "x_lengths", "sid", "bert", "ja_bert", "en_bert")
ONE = inputs("x", "x_lengths", "sid", "bert")


def test_inputs_are_chosen_by_the_methods_signature() -> None:
    choices = [EMO, THREE, ONE]
    assert choose(V21(), choices, None) is EMO
    assert choose(V23(), choices, None) is THREE  # no emo parameter
    assert choose(V10(), choices, None) is ONE  # en_bert would land on noise_scale
    # a parameter without a default must be given
    assert not fits(V23(), inputs("x", "x_lengths", "sid"))
    assert "none of the profile's inputs fit infer(x, x_lengths, sid, bert" in none_fits(
        V10(), [EMO, THREE]
    )
    assert none_fits(object(), [EMO]) == "the model has none of infer()"


def test_keyword_inputs_must_be_parameters_unless_the_method_takes_any() -> None:
    class Kw:
        def infer(self, c: Any, f0: Any, g: Any = None, **kwargs: Any) -> None: ...

    class Strict:
        def infer(self, c: Any, f0: Any, g: Any = None) -> None: ...

    vol = inputs("c", "f0", kwargs=("g", "vol"))
    assert fits(Kw(), vol) and not fits(Strict(), vol)
    assert fits(Strict(), inputs("c", "f0", kwargs=("g",)))
    assert fits(Strict(), inputs("c", kwargs=("f0",)))  # a positional parameter, by name


def test_the_recorded_inputs_win_when_they_fit() -> None:
    assert choose(V21(), [EMO, THREE], ("infer", THREE_NAMES)) is THREE
    assert choose(V23(), [EMO, THREE], ("infer", EMO_NAMES)) is THREE  # they do not fit


THREE_NAMES = ["x", "x_lengths", "sid", "bert", "ja_bert", "en_bert"]
EMO_NAMES = [*THREE_NAMES, "emo"]


def test_outputs_are_picked_by_position() -> None:
    torch = pytest.importorskip("torch")
    audio, f0 = torch.zeros(1, 1, 8), torch.zeros(1, 2)
    # so-vits-svc 4.1 returns (audio, f0), 4.0 the audio alone: [0] is the audio of both
    assert selected((audio, f0), [0]) == [audio]
    assert selected(audio, [0]) == [audio]
    assert selected((audio, f0), None) == (audio, f0)
    assert [t.shape for t in tensors(selected((audio, (f0, audio)), [1]))] == [(1, 2), (1, 1, 8)]
    with pytest.raises(IndexError, match=r"compares output 1, but the method returned 1 value$"):
        selected(audio, [0, 1])

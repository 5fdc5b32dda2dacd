"""Output comparison inside the worker: shapes, absolute and relative errors, NaN."""

from __future__ import annotations

import pytest

from auditor.runtime.inference import choose, compare_outputs, input_difference, tensors

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
    assert choose(Decoder(), [{"method": "forward"}, {"method": "decode"}], "decode") == {
        "method": "decode"
    }
    assert choose(object(), choices, None) is None

"""Profile terms: literals (strings too), expressions, and the first of several that
resolves; as the worker receives them (JSON)."""

from __future__ import annotations

import pytest

from auditor.runtime.evaluate import ExpressionError
from auditor.runtime.profile import BUILD_NAMES, term
from auditor.runtime.terms import term_from_json

OLD = {"data": {"sampling_rate": 40000, "hop_length": 400}}
NEW = {"data": {"sample_rate": 48000, "hop_length": 480}}
RENAMED = {"first": ["hps.data.sample_rate", "hps.data.sampling_rate"]}


def test_a_string_literal_is_itself_not_an_expression() -> None:
    sr = term({"literal": "40k"}, "models[0].kwargs.sr", BUILD_NAMES)
    assert (sr.literal, sr.expression, sr.value({})) == ("40k", None, "40k")
    assert term({"literal": None}, "k", BUILD_NAMES).value({}) is None


def test_first_is_the_first_term_that_resolves() -> None:
    sr = term(RENAMED, "models[0].kwargs.sr", BUILD_NAMES)
    assert sr.value({"hps": OLD}) == 40000
    assert sr.value({"hps": NEW}) == 48000
    assert [t.key for t in sr.first] == [
        "models[0].kwargs.sr.first[0]",
        "models[0].kwargs.sr.first[1]",
    ]
    assert [e.source for e in sr.expressions] == ["hps.data.sample_rate", "hps.data.sampling_rate"]
    # a literal ends the list: it always resolves
    frames = term({"first": ["hps.data.frames", 20]}, "k", BUILD_NAMES)
    assert frames.value({"hps": OLD}) == 20


def test_when_none_resolves_each_reason_is_said() -> None:
    sr = term(RENAMED, "models[0].kwargs.sr", BUILD_NAMES)
    with pytest.raises(ExpressionError) as raised:
        sr.value({"hps": {"data": {}}})
    assert str(raised.value) == (
        "models[0].kwargs.sr: none resolves: 'hps.data.sample_rate': hps.data has no key "
        "'sample_rate'; 'hps.data.sampling_rate': hps.data has no key 'sampling_rate'"
    )


def test_the_expressions_of_first_are_checked_when_the_profile_loads() -> None:
    with pytest.raises(ExpressionError, match=r"k\.first\[1\]: 'model\.x' reads model"):
        term({"first": ["hps.a", "model.x"]}, "k", BUILD_NAMES)


@pytest.mark.parametrize("value", [RENAMED, {"literal": "40k"}, "hps.data.hop_length * 2", 3])
def test_terms_travel_to_the_worker_as_json(value: object) -> None:
    written = term(value, "k", BUILD_NAMES)
    again = term_from_json(written.to_json())
    assert again.to_json() == written.to_json()
    assert again.value({"hps": OLD}) == written.value({"hps": OLD})

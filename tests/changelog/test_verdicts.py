"""Per-model verdicts: the worst effect, the change that decides it, new models, variants."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.changelog.contents import Entry, Scope
from auditor.changelog.verdicts import model_verdicts, variant_only
from auditor.classify.effects import Effect, Loads
from auditor.domain import Category, Severity
from tests.changelog.helpers import SHA, entry

ORDER = {SHA["a"]: 0, SHA["b"]: 1, SHA["c"]: 2}


def placed(key: str, model: str = "gen", **changes: Any) -> Entry:
    return replace(entry(key, **changes), scope=Scope.CHECKPOINT, models=(model,))


def test_a_shape_change_decides_before_an_earlier_input_change() -> None:
    entries = [
        placed("data.sampling_rate", severity=Severity.HIGH, effect=Effect.INPUTS, commits=("a",)),
        placed("model.hidden", commits=("b",)),
        placed("model.gin", commits=("c",)),
    ]
    (gen,) = model_verdicts(entries, ["gen"], ORDER)
    assert gen.loads is Loads.NO
    assert gen.first is not None and gen.first.key == "model.hidden"
    assert gen.counts == ((Severity.CRITICAL, 2), (Severity.HIGH, 1))


def test_keys_only_load_with_strict_false_and_other_models_are_untouched() -> None:
    entries = [placed("Net.__init__.self.sv", severity=Severity.MEDIUM, effect=Effect.MISSING_KEYS)]
    gen, gpt = model_verdicts(entries, ["gen", "gpt"], ORDER)
    assert (gen.loads, gpt.loads) == (Loads.NON_STRICT, Loads.YES)
    assert gpt.first is None and gpt.counts == ()


def test_variants_and_conditioned_keys_do_not_decide() -> None:
    branch = placed(
        "Net.__init__[version=v3].self.cfm", severity=Severity.MEDIUM, effect=Effect.KEYS
    )
    new = placed("model.hidden", category=Category.NEW_VARIANT, severity=Severity.LOW, effect=None)
    assert variant_only(branch) and variant_only(new)
    (gen,) = model_verdicts([branch, new], ["gen"], ORDER)
    assert (gen.loads, gen.new_variants) == (Loads.YES, 2)


def test_a_model_the_previous_release_lacks_is_new() -> None:
    (voc,) = model_verdicts([placed("x", model="voc")], ["voc"], ORDER, before=("gen",))
    assert voc.new and voc.loads is Loads.YES


def test_a_removed_code_file_of_a_shipped_model_is_not_the_model_gone() -> None:
    removed = placed("cuda/act.py", severity=Severity.MEDIUM, effect=Effect.MODEL_MISSING)
    (kept,) = model_verdicts([removed], ["gen"], ORDER, shipped=("gen",))
    (gone,) = model_verdicts([removed], ["gen"], ORDER)
    assert (kept.loads, gone.loads) == (Loads.YES, Loads.NO)

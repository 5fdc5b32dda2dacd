"""Per-model verdicts: the worst effect, the change that decides it, new models, variants."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.changelog.contents import Entry, Scope
from auditor.changelog.generations import Generation
from auditor.changelog.verdicts import generation_verdicts, model_verdicts, variant_only
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


def _generation(name: str, cls: str = "Trn", configs: tuple[str, ...] = ("s2.json",)) -> Generation:
    return Generation("gen", name, f"sovits@{name}", cls, configs, (f"version={name}",))


def test_each_generation_takes_its_own_branches_classes_and_configs() -> None:
    v1, pro, v3 = (
        _generation("v1"),
        _generation("v2Pro", configs=("s2v2Pro.json",)),
        _generation("v3", cls="TrnV3"),
    )
    entries = [
        placed("Trn.__init__[version=v2Pro].self.sv_emb", effect=Effect.MISSING_KEYS),
        placed("TrnV3.forward.scale", severity=Severity.HIGH, effect=Effect.INPUTS, file="m.py"),
        placed("model.gin_channels", file="s2v2Pro.json", commits=("b",)),
        placed("data.hop", severity=Severity.HIGH, effect=Effect.INPUTS, file="s2.json"),
    ]
    verdicts = generation_verdicts(entries, [v1, pro, v3], ORDER, before={("gen", "v1")})
    by_name = {v.generation: v for v in verdicts}
    # v1 takes the shared config's change alone
    assert by_name["v1"].first is not None and by_name["v1"].first.key == "data.hop"
    assert by_name["v1"].label == "gen v1" and not by_name["v1"].new
    # the others are new: nothing older to break
    assert by_name["v2Pro"].new and by_name["v3"].new
    again = generation_verdicts(entries, [v1, pro, v3], ORDER)
    by_name = {v.generation: v for v in again}
    assert by_name["v2Pro"].loads is Loads.NO  # its own config's shape decides
    assert by_name["v2Pro"].first is not None and by_name["v2Pro"].first.key == "model.gin_channels"
    assert by_name["v3"].first is not None and by_name["v3"].first.key == "TrnV3.forward.scale"
    assert by_name["v1"].loads is Loads.NO  # loads, wrong output: an input change


def test_a_component_reaches_only_the_variants_it_feeds() -> None:
    v1, pro = _generation("v1"), _generation("v2Pro")
    default = Generation("gen", None, "sovits", "Trn", ("s2.json",))
    encoder = placed("component.speaker-encoder", severity=Severity.HIGH, effect=Effect.INPUTS)
    feeds = {encoder.finding_ids: frozenset({"v2Pro"})}
    verdicts = generation_verdicts([encoder], [v1, pro, default], ORDER, feeds=feeds)
    by_name = {v.generation: v.loads for v in verdicts}
    # the default build sets no version: what feeds any variant may feed it
    assert by_name == {"v1": Loads.YES, "v2Pro": Loads.NO, None: Loads.NO}
    everyone = generation_verdicts([encoder], [v1, pro], ORDER)
    assert [v.loads for v in everyone] == [Loads.NO, Loads.NO]


def test_an_entry_only_new_generations_take_is_a_variant_in_the_model_verdict() -> None:
    encoder = placed("component.speaker-encoder", severity=Severity.HIGH, effect=Effect.INPUTS)
    (gen,) = model_verdicts([encoder], ["gen"], ORDER, new_only={encoder.finding_ids})
    assert (gen.loads, gen.new_variants) == (Loads.YES, 1)
    (gen,) = model_verdicts([encoder], ["gen"], ORDER)
    assert (gen.loads, gen.new_variants) == (Loads.NO, 0)


def test_a_value_made_conditional_on_the_version_leaves_the_old_version_as_it_was() -> None:
    v3, v4 = _generation("v3", cls="TrnV3"), _generation("v4", cls="TrnV3")
    ratio = placed(
        "TrnV3.forward.interpolate(fea).scale_factor",
        severity=Severity.HIGH,
        effect=Effect.INPUTS,
        file="m.py",
        old=1.875,
        new="<expr:1.875 if self.version == 'v3' else 2>",
    )
    by_name = {v.generation: v.loads for v in generation_verdicts([ratio], [v3, v4], ORDER)}
    # v3 still reads 1.875; v4 reads 2
    assert by_name == {"v3": Loads.YES, "v4": Loads.NO}

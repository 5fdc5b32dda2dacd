"""Facts of the branches a version default does not take: ``<Class>.__init__[param=value]``."""

from __future__ import annotations

import textwrap

import pytest

from auditor.diff.facts import diff_facts
from auditor.domain import Fact, FactValue
from auditor.extract.python import (
    PYTHON_FACT_KINDS,
    ModuleSummary,
    resolve_python_facts,
    summarise_module,
)
from auditor.extract.python import class_facts as class_facts_module

MODELS = "GPT_SoVITS/module/models.py"
MODULES = "GPT_SoVITS/module/modules.py"
PACKAGE = "GPT_SoVITS/module/__init__.py"
INIT = "SynthesizerTrn.__init__"

MODULES_PY = """\
    from torch import nn


    class MelStyleEncoder(nn.Module):
        def __init__(self, n_mel_channels=80, style_hidden=128, style_vector_dim=256):
            super().__init__()
            self.spectral = nn.Linear(n_mel_channels, style_hidden)
            self.fc = nn.Linear(style_hidden, style_vector_dim)
    """

#: The shape of GPT-SoVITS ``module/models.py`` at v2Pro: default "v2", a v1 branch, and a
#: speaker-verification embedding only the v2Pro versions build.
MODELS_PY = """\
    from torch import nn

    from module import modules

    v2pro_set = {"v2Pro", "v2ProPlus"}


    class SynthesizerTrn(nn.Module):
        def __init__(
            self,
            spec_channels,
            inter_channels=192,
            gin_channels=512,
            use_sdp=True,
            version="v2",
            **kwargs,
        ):
            super().__init__()
            self.version = version
            self.enc_q = nn.Conv1d(spec_channels, inter_channels, 1)
            if use_sdp:
                self.sdp = nn.Conv1d(inter_channels, inter_channels, 3)
            if self.version == "v1":
                self.ref_enc = modules.MelStyleEncoder(spec_channels, style_vector_dim=gin_channels)
            else:
                self.ref_enc = modules.MelStyleEncoder(704, style_vector_dim=gin_channels)
            self.is_v2pro = self.version in v2pro_set
            if self.is_v2pro:
                self.sv_emb = nn.Linear(20480, gin_channels)
                self.ge_to512 = nn.Linear(gin_channels, 512)
                self.prelu = nn.PReLU(num_parameters=gin_channels)
    """


def resolve(models: str) -> tuple[Fact, ...]:
    files = {PACKAGE: "", MODULES: MODULES_PY, MODELS: models}
    summaries = {p: summarise_module(textwrap.dedent(s).encode()) for p, s in files.items()}
    return resolve_python_facts(MODELS, summaries)


def values(facts: tuple[Fact, ...], prefix: str) -> dict[str, FactValue]:
    return {f.key: f.value for f in facts if f.key.startswith(prefix)}


def values_of(facts: dict[str, FactValue], prefix: str) -> dict[str, FactValue]:
    return {k: v for k, v in facts.items() if k.startswith(prefix)}


def line(source: str, text: str) -> int:
    before, found, _ = textwrap.dedent(source).partition(text)
    assert found, text
    return before.count("\n") + 1


def fact(kind: str, key: str, value: FactValue, at: int) -> Fact:
    return Fact(PYTHON_FACT_KINDS[kind], key, key.rsplit(".", 1)[-1], value, at)


def sv_facts(version: str, gin: FactValue = 512) -> list[Fact]:
    """The facts of the v2Pro speaker embedding, under ``[version=<version>]``."""
    at = f"{INIT}[version={version}].self"
    sv, ge, prelu = (line(MODELS_PY, f"self.{a} =") for a in ("sv_emb", "ge_to512", "prelu"))
    return [
        fact("submodule", f"{at}.ge_to512", "torch.nn.Linear", ge),
        fact("constructor-arg", f"{at}.ge_to512.in_features", gin, ge),
        fact("constructor-arg", f"{at}.ge_to512.out_features", 512, ge),
        fact("submodule", f"{at}.prelu", "torch.nn.PReLU", prelu),
        fact("constructor-arg", f"{at}.prelu.num_parameters", gin, prelu),
        fact("submodule", f"{at}.sv_emb", "torch.nn.Linear", sv),
        fact("constructor-arg", f"{at}.sv_emb.in_features", 20480, sv),
        fact("constructor-arg", f"{at}.sv_emb.out_features", gin, sv),
    ]


def test_each_other_version_gets_the_facts_it_changes() -> None:
    facts = resolve(MODELS_PY)
    qualified = [f for f in facts if f.key.startswith(f"{INIT}[")]
    ref_enc = line(MODELS_PY, "self.ref_enc = modules.MelStyleEncoder(spec_channels")
    v1 = fact(
        "constructor-arg",
        f"{INIT}[version=v1].self.ref_enc.n_mel_channels",
        "<param:spec_channels>",
        ref_enc,
    )
    expected = [v1, *sv_facts("v2Pro"), *sv_facts("v2ProPlus")]
    assert qualified == sorted(expected, key=lambda f: f.key)
    plain = values(facts, f"{INIT}.")
    assert plain[f"{INIT}.version.branches"] == ("v1", "v2Pro", "v2ProPlus")
    assert plain[f"{INIT}.self.ref_enc.n_mel_channels"] == 704
    assert not any("sv_emb" in key or "prelu" in key for key in plain)


def test_the_plain_keys_do_not_change(monkeypatch: pytest.MonkeyPatch) -> None:
    after = resolve(MODELS_PY)
    # Stage 2 as it was before variants: only the branches the defaults select.
    monkeypatch.setattr(class_facts_module, "version_variants", lambda *args: iter(()))
    before = resolve(MODELS_PY)
    assert not any("[" in f.key for f in before)
    assert [f for f in after if "[" not in f.key] == list(before)


MEMBERSHIP = [
    ("self.is_v2pro = self.version in v2pro_set\n        if self.is_v2pro:", ""),
    ('self.is_v2pro = version in {"v2Pro", "v2ProPlus"}\n        if self.is_v2pro:', ""),
    ("if self.version in self.v2pro_set:", '    v2pro_set = ["v2Pro", "v2ProPlus"]\n\n'),
    ("if version in SynthesizerTrn.v2pro_set:", '    v2pro_set = ("v2Pro", "v2ProPlus")\n\n'),
    ("if self.version in self.PRO:", "    PRO = v2pro_set\n\n"),
    ('if self.version == "v2Pro" or self.version == "v2ProPlus":', ""),
]


@pytest.mark.parametrize(("test", "body"), MEMBERSHIP)
def test_membership_tests_through_sets_and_constants(test: str, body: str) -> None:
    source = textwrap.dedent(MODELS_PY).replace(
        "self.is_v2pro = self.version in v2pro_set\n        if self.is_v2pro:", test
    )
    source = source.replace(
        "class SynthesizerTrn(nn.Module):\n", f"class SynthesizerTrn(nn.Module):\n{body}"
    )
    facts = values(resolve(source), INIT)
    assert values_of(facts, f"{INIT}[version=v2Pro]") == {f.key: f.value for f in sv_facts("v2Pro")}
    assert facts[f"{INIT}.version.branches"] == ("v1", "v2Pro", "v2ProPlus")


def test_a_class_constant_of_a_base_class() -> None:
    source = (
        textwrap.dedent(MODELS_PY)
        .replace(
            "class SynthesizerTrn(nn.Module):",
            'class Base(nn.Module):\n    PRO = {"v2Pro"}\n\n\nclass SynthesizerTrn(Base):',
        )
        .replace("self.version in v2pro_set", "self.version in self.PRO")
    )
    facts = values(resolve(source), INIT)
    assert facts[f"{INIT}.version.branches"] == ("v1", "v2Pro")
    assert values_of(facts, f"{INIT}[version=v2Pro]") == {f.key: f.value for f in sv_facts("v2Pro")}
    assert not values_of(facts, f"{INIT}[version=v2ProPlus]")


def test_an_undecidable_condition_keeps_building_both_branches() -> None:
    source = textwrap.dedent(MODELS_PY).replace(
        "if self.is_v2pro:", "if self.is_v2pro and use_sdp:"
    )
    facts = values(resolve(source), INIT)
    # ``use_sdp`` stays undecided: v2Pro builds the embedding, v2 (False and ...) does not.
    assert facts[f"{INIT}[version=v2Pro].self.sv_emb"] == "torch.nn.Linear"
    assert f"{INIT}.self.sv_emb" not in facts
    # A branch only ``use_sdp`` guards is the same for every version: plain key only.
    assert facts[f"{INIT}.self.sdp"] == "torch.nn.Conv1d"
    assert not any(k.endswith(".self.sdp") and "[" in k for k in facts)


def test_an_unknown_default_builds_every_branch_and_has_no_variants() -> None:
    source = textwrap.dedent(MODELS_PY).replace('version="v2"', "version=load_version()")
    facts = values(resolve(source), INIT)
    assert not any("[" in key for key in facts)
    assert facts[f"{INIT}.self.sv_emb.in_features"] == 20480
    assert facts[f"{INIT}.self.ref_enc@2.n_mel_channels"] == 704


def test_moving_the_default_from_v1_to_v2() -> None:
    old = resolve(textwrap.dedent(MODELS_PY).replace('version="v2"', 'version="v1"'))
    new = resolve(MODELS_PY)
    changed = {c.key: (c.old, c.new) for c in diff_facts(old, new, file=MODELS)}
    plain = {k: v for k, v in changed.items() if "[" not in k}
    assert plain == {
        f"{INIT}.version": ("v1", "v2"),
        f"{INIT}.version.selects": ("v1", "v2"),
        f"{INIT}.self.ref_enc.n_mel_channels": ("<param:spec_channels>", 704),
    }
    # The v1 model's facts move to ``[version=v1]``; v2Pro no longer differs in ``ref_enc``.
    assert {k: v for k, v in changed.items() if "[" in k} == {
        f"{INIT}[version=v1].self.ref_enc.n_mel_channels": (None, "<param:spec_channels>"),
        f"{INIT}[version=v2Pro].self.ref_enc.n_mel_channels": (704, None),
        f"{INIT}[version=v2ProPlus].self.ref_enc.n_mel_channels": (704, None),
    }


def test_every_version_like_parameter_varies_on_its_own() -> None:
    source = """\
        from torch import nn


        class TextEncoder(nn.Module):
            def __init__(self, hidden_channels=192, version="v2", model_version="v2"):
                super().__init__()
                if version == "v1":
                    symbols = ["a", "b"]
                else:
                    symbols = ["a", "b", "c"]
                self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
                if model_version == "v3":
                    self.bert_proj = nn.Linear(1024, hidden_channels)
        """
    files = {PACKAGE: "", MODELS: source}
    summaries = {p: summarise_module(textwrap.dedent(s).encode()) for p, s in files.items()}
    facts = resolve_python_facts(MODELS, summaries)
    assert values(facts, "TextEncoder.__init__[") == {
        "TextEncoder.__init__[model_version=v3].self.bert_proj": "torch.nn.Linear",
        "TextEncoder.__init__[model_version=v3].self.bert_proj.in_features": 1024,
        "TextEncoder.__init__[model_version=v3].self.bert_proj.out_features": 192,
        "TextEncoder.__init__[version=v1].self.text_embedding.num_embeddings": 2,
    }
    assert values(facts, "TextEncoder.__init__.self.text_embedding.num") == {
        "TextEncoder.__init__.self.text_embedding.num_embeddings": 3
    }


def test_class_constants_round_trip_through_json() -> None:
    source = 'class A:\n    PRO = {"v2Pro"}\n\n    def __init__(self):\n        pass\n'
    summary = summarise_module(source.encode())
    (cls,) = summary.classes
    assert [b.name for b in cls.constants] == ["PRO"]
    assert ModuleSummary.from_json(summary.to_json()) == summary


ENVIRONMENT_SWITCH = """import os
import torch.nn as nn


class StyleEncoder(nn.Module):
    def __init__(self, n_mel_channels=80, style_vector_dim=256):
        super().__init__()
        self.fc = nn.Linear(n_mel_channels, style_vector_dim)


class Net(nn.Module):
    def __init__(self, spec_channels, gin_channels=512):
        super().__init__()
        self.mode = os.environ.get("MODE", "a")
        if self.mode == "a":
            self.ref_enc = StyleEncoder(spec_channels, gin_channels)
        elif self.mode == "b":
            self.ref_enc = StyleEncoder(704, gin_channels)
        else:
            self.ref_enc = StyleEncoder(352, gin_channels)
"""


def test_an_environment_switch_reports_each_other_branch_under_its_value() -> None:
    from auditor.extract.python.parse import summarise_module
    from auditor.extract.python.resolve import resolve_python_facts

    summary = summarise_module(ENVIRONMENT_SWITCH.encode())
    found = {
        f.key: f.value
        for f in resolve_python_facts("models.py", {"models.py": summary})
        if ".ref_enc.n_mel_channels" in f.key
    }
    assert found == {
        "Net.__init__.self.ref_enc.n_mel_channels": "<param:spec_channels>",
        "Net.__init__[mode=b].self.ref_enc.n_mel_channels": 704,
    }
    only_default = ENVIRONMENT_SWITCH.replace('elif self.mode == "b":', "else:").replace(
        "        else:\n            self.ref_enc = StyleEncoder(352, gin_channels)\n", ""
    )
    summary = summarise_module(only_default.encode())
    found = {
        f.key: f.value
        for f in resolve_python_facts("models.py", {"models.py": summary})
        if ".ref_enc.n_mel_channels" in f.key
    }
    assert found["Net.__init__[mode!=a].self.ref_enc.n_mel_channels"] == 704

from __future__ import annotations

import hashlib
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.domain import Fact, FactValue
from auditor.extract.python import (
    PYTHON_FACT_KINDS,
    ModuleSummary,
    SnapshotFacts,
    resolve_python_facts,
    summarise_module,
)

MODELS = "GPT_SoVITS/module/models.py"
PACKAGE = "GPT_SoVITS/module/__init__.py"
SYMBOLS = "GPT_SoVITS/text/symbols.py"


def summaries(files: dict[str, str]) -> dict[str, ModuleSummary]:
    return {p: summarise_module(textwrap.dedent(s).encode()) for p, s in files.items()}


def resolve(files: dict[str, str], path: str = MODELS) -> tuple[Fact, ...]:
    return resolve_python_facts(path, summaries({PACKAGE: "", **files}))


def values(facts: tuple[Fact, ...], prefix: str = "") -> dict[str, FactValue]:
    return {f.key: f.value for f in facts if f.key.startswith(prefix)}


def line(source: str, text: str) -> int:
    """The 1-based line of the first occurrence of ``text`` in a (dedented) source."""
    before, found, _ = textwrap.dedent(source).partition(text)
    assert found, text
    return before.count("\n") + 1


def fact(kind: str, key: str, value: FactValue, at: int, parameter: str | None = None) -> Fact:
    leaf = parameter or key.rsplit(".", 1)[-1]
    return Fact(PYTHON_FACT_KINDS[kind], key, leaf, value, at)


SYMBOLS_PY = """\
    pad = "_"
    c = ["b", "p", "m"]
    v = ["a1", "a2", "o1"]
    punctuation = ["!", "?", "…", ",", "."]
    symbols = [pad] + c + v + punctuation
    symbols = sorted(set(symbols))
    """

SYNTHESIZER = """\
    import torch
    from torch import nn

    from text.symbols import symbols


    class TextEncoder(nn.Module):
        def __init__(self, out_channels, hidden_channels, filter_channels, n_heads, n_layers,
                     kernel_size, p_dropout):
            super().__init__()
            self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
            self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)


    class SynthesizerTrn(nn.Module):
        def __init__(self, spec_channels, segment_size, inter_channels, hidden_channels,
                     filter_channels, n_heads, n_layers, kernel_size, p_dropout, gin_channels=0):
            super().__init__()
            self.enc_p = TextEncoder(
                inter_channels,
                hidden_channels,
                filter_channels,
                n_heads,
                n_layers,
                kernel_size,
                p_dropout,
            )
    """


def test_positional_arguments_map_through_the_callee_signature_and_len_of_symbols() -> None:
    facts = resolve({MODELS: SYNTHESIZER, SYMBOLS: SYMBOLS_PY})
    src = SYNTHESIZER
    enc_p = "SynthesizerTrn.__init__.self.enc_p"
    embedding = "TextEncoder.__init__.self.text_embedding"
    proj = "TextEncoder.__init__.self.proj"
    expected = [
        fact(
            "init-default", "SynthesizerTrn.__init__.gin_channels", 0, line(src, "p_dropout, gin")
        ),
        fact("submodule", enc_p, "module.models.TextEncoder", line(src, "self.enc_p"), "enc_p"),
        fact("constructor-arg", f"{enc_p}.out_channels", "<param:inter_channels>", 20),
        fact("constructor-arg", f"{enc_p}.hidden_channels", "<param:hidden_channels>", 21),
        fact("constructor-arg", f"{enc_p}.filter_channels", "<param:filter_channels>", 22),
        fact("constructor-arg", f"{enc_p}.n_heads", "<param:n_heads>", 23),
        fact("constructor-arg", f"{enc_p}.n_layers", "<param:n_layers>", 24),
        fact("constructor-arg", f"{enc_p}.kernel_size", "<param:kernel_size>", 25),
        fact("constructor-arg", f"{enc_p}.p_dropout", "<param:p_dropout>", 26),
        fact("submodule", proj, "torch.nn.Conv1d", 12, "proj"),
        fact("constructor-arg", f"{proj}.in_channels", "<param:hidden_channels>", 12),
        fact("constructor-arg", f"{proj}.out_channels", "<expr:out_channels * 2>", 12),
        fact("constructor-arg", f"{proj}.kernel_size", 1, 12),
        fact("submodule", embedding, "torch.nn.Embedding", 11, "text_embedding"),
        fact("constructor-arg", f"{embedding}.num_embeddings", 12, 11),
        fact("constructor-arg", f"{embedding}.embedding_dim", "<param:hidden_channels>", 11),
    ]
    assert facts == tuple(sorted(expected, key=lambda f: f.key))


def fingerprint(items: list[str]) -> str:
    return hashlib.sha1("\n".join(items).encode()).hexdigest()[:12]


def test_symbol_table_length_and_fingerprint() -> None:
    facts = resolve({MODELS: SYNTHESIZER, SYMBOLS: SYMBOLS_PY}, SYMBOLS)
    punctuation = ["!", "?", "…", ",", "."]
    symbols = sorted({"_", "b", "p", "m", "a1", "a2", "o1", *punctuation})
    assert values(facts) == {
        "punctuation": 5,
        "punctuation.fingerprint": fingerprint(punctuation),
        "symbols": 12,
        "symbols.fingerprint": fingerprint(symbols),
    }
    assert [f.line for f in facts if f.key.startswith("symbols")] == [6, 6]


def test_reordering_a_symbol_table_changes_its_fingerprint_only() -> None:
    unsorted = SYMBOLS_PY.replace("symbols = sorted(set(symbols))\n", "")
    reordered = unsorted.replace('["b", "p", "m"]', '["p", "b", "m"]')
    before = values(resolve({SYMBOLS: unsorted}, SYMBOLS))
    after = values(resolve({SYMBOLS: reordered}, SYMBOLS))
    assert before["symbols"] == after["symbols"] == 12
    assert before["symbols.fingerprint"] != after["symbols.fingerprint"]


def test_added_phonemes_change_the_embedding_size() -> None:
    larger = SYMBOLS_PY.replace('["!", "?"', '["!", "?", "SP", "UNK"')
    before = values(resolve({MODELS: SYNTHESIZER, SYMBOLS: SYMBOLS_PY}), "TextEncoder")
    after = values(resolve({MODELS: SYNTHESIZER, SYMBOLS: larger}), "TextEncoder")
    key = "TextEncoder.__init__.self.text_embedding.num_embeddings"
    assert (before[key], after[key]) == (12, 14)
    assert {k for k in before if before[k] != after[k]} == {key}


VERSIONED = """\
    from torch import nn

    v2pro_set = {"v2Pro", "v2ProPlus"}


    class MelStyleEncoder(nn.Module):
        def __init__(self, n_mel_channels=80, style_vector_dim=256):
            super().__init__()
            self.fc = nn.Linear(n_mel_channels, style_vector_dim)


    class SynthesizerTrn(nn.Module):
        def __init__(self, spec_channels, gin_channels=512, version="v1"):
            super().__init__()
            self.version = version
            if self.version == "v1":
                self.ref_enc = MelStyleEncoder(spec_channels, style_vector_dim=gin_channels)
            else:
                self.ref_enc = MelStyleEncoder(704, style_vector_dim=gin_channels)
            self.proj = nn.Linear(704 if version == "v1" else 1024, gin_channels)
            self.is_v2pro = self.version in v2pro_set
            if self.is_v2pro:
                self.sv_emb = nn.Linear(20480, gin_channels)
    """


@pytest.mark.parametrize(
    ("default", "selected"),
    [
        (
            "v1",
            {
                "SynthesizerTrn.__init__.self.ref_enc.n_mel_channels": "<param:spec_channels>",
                "SynthesizerTrn.__init__.self.proj.in_features": 704,
            },
        ),
        (
            "v2",
            {
                "SynthesizerTrn.__init__.self.ref_enc.n_mel_channels": 704,
                "SynthesizerTrn.__init__.self.proj.in_features": 1024,
            },
        ),
        (
            "v2Pro",
            {
                "SynthesizerTrn.__init__.self.ref_enc.n_mel_channels": 704,
                "SynthesizerTrn.__init__.self.proj.in_features": 1024,
                "SynthesizerTrn.__init__.self.sv_emb": "torch.nn.Linear",
                "SynthesizerTrn.__init__.self.sv_emb.in_features": 20480,
                "SynthesizerTrn.__init__.self.sv_emb.out_features": 512,
                "SynthesizerTrn.__init__.self.sv_emb.built_if": "self.is_v2pro",
            },
        ),
    ],
)
def test_the_version_default_selects_a_branch(default: str, selected: dict[str, FactValue]) -> None:
    source = VERSIONED.replace('version="v1"', f'version="{default}"')
    facts = values(resolve({MODELS: source}), "SynthesizerTrn.__init__.")
    assert facts["SynthesizerTrn.__init__.version"] == default
    assert facts["SynthesizerTrn.__init__.version.selects"] == default
    assert facts["SynthesizerTrn.__init__.version.branches"] == ("v1", "v2Pro", "v2ProPlus")
    assert facts["SynthesizerTrn.__init__.self.ref_enc.style_vector_dim"] == 512
    assert {k: v for k, v in facts.items() if k in selected or "sv_emb" in k} == selected
    assert not any("@" in k for k in facts)


def test_undecidable_branches_keep_both_assignments() -> None:
    source = """\
        from torch import nn


        class SynthesizerTrn(nn.Module):
            def __init__(self, use_sdp=True, semantic_frame_rate=None, n_speakers=0):
                super().__init__()
                if use_sdp:
                    self.sdp = nn.Conv1d(192, 192, 3)
                else:
                    self.dp = nn.Conv1d(256, 256, 3)
                if semantic_frame_rate == "25hz":
                    self.ssl_proj = nn.Conv1d(768, 768, 2, stride=2)
                else:
                    self.ssl_proj = nn.Conv1d(768, 768, 1, stride=1)
                if n_speakers > 1:
                    self.emb_g = nn.Embedding(n_speakers, 512)
        """
    facts = values(resolve({MODELS: source}), "SynthesizerTrn.__init__.self.")
    prefix = "SynthesizerTrn.__init__.self."
    assert {k.removeprefix(prefix) for k in facts if k.count(".") == 3} == {
        "sdp", "dp", "ssl_proj", "ssl_proj@2", "emb_g",
    }  # fmt: skip
    assert facts[f"{prefix}ssl_proj.kernel_size"] == 2
    assert facts[f"{prefix}ssl_proj@2.kernel_size"] == 1
    assert facts[f"{prefix}emb_g.num_embeddings"] == "<param:n_speakers>"


def test_a_zero_default_is_the_callers_value() -> None:
    """``n_speakers=0`` and ``gin_channels=0`` are placeholders: the config passes the real
    sizes, so the layers they size stay symbolic; other defaults are assumed."""
    source = """\
        from torch import nn


        class MelStyleEncoder(nn.Module):
            def __init__(self, n_mel_channels=80, style_vector_dim=256):
                super().__init__()
                self.fc = nn.Linear(n_mel_channels, style_vector_dim)


        class SynthesizerTrn(nn.Module):
            def __init__(self, spec_channels, n_speakers=0, gin_channels=0, p_dropout=0.0,
                         use_spk=False, n_flows=4, **kwargs):
                super().__init__()
                self.emb_g = nn.Embedding(n_speakers, gin_channels)
                self.ref_enc = MelStyleEncoder(704, style_vector_dim=gin_channels)
                self.sv_emb = nn.Linear(20480, kwargs.get("sv_dim", 0))
                self.drop = nn.Dropout(p_dropout)
                self.spk = nn.Linear(use_spk, n_flows)
        """
    facts = values(resolve({MODELS: source}))
    init = "SynthesizerTrn.__init__"
    assert {k: v for k, v in facts.items() if k.startswith(init) and k.count(".") == 4} == {
        f"{init}.self.emb_g.num_embeddings": "<param:n_speakers>",
        f"{init}.self.emb_g.embedding_dim": "<param:gin_channels>",
        f"{init}.self.ref_enc.n_mel_channels": 704,
        f"{init}.self.ref_enc.style_vector_dim": "<param:gin_channels>",
        f"{init}.self.sv_emb.in_features": 20480,
        f"{init}.self.sv_emb.out_features": "<param:kwargs.sv_dim>",
        f"{init}.self.drop.p": 0.0,
        f"{init}.self.spk.in_features": False,
        f"{init}.self.spk.out_features": 4,
    }
    # The defaults themselves are facts, zero included.
    assert (facts[f"{init}.n_speakers"], facts[f"{init}.gin_channels"]) == (0, 0)
    assert facts[f"{init}.kwargs.sv_dim"] == 0
    # A class built with its own (non-zero) defaults keeps them.
    assert facts["MelStyleEncoder.__init__.self.fc.out_features"] == 256


def test_a_zero_version_default_still_selects_its_branch() -> None:
    source = """\
        from torch import nn


        class SynthesizerTrn(nn.Module):
            def __init__(self, model_version=0):
                super().__init__()
                self.proj = nn.Linear(704 if model_version == 0 else 1024, 512)
        """
    facts = values(resolve({MODELS: source}))
    assert facts["SynthesizerTrn.__init__.self.proj.in_features"] == 704


CONSTANT = """\
    import torch.nn as nn

    HIDDEN = 192


    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pre = nn.Conv1d(HIDDEN, HIDDEN * 2, 5, padding=5 // 2)
    """


@pytest.mark.parametrize("hidden", [192, 256])
def test_module_constant(hidden: int) -> None:
    facts = resolve({MODELS: CONSTANT.replace("192", str(hidden))})
    assert facts == (
        fact("submodule", "Encoder.__init__.self.pre", "torch.nn.Conv1d", 9, "pre"),
        fact("constructor-arg", "Encoder.__init__.self.pre.in_channels", hidden, 9),
        fact("constructor-arg", "Encoder.__init__.self.pre.kernel_size", 5, 9),
        fact("constructor-arg", "Encoder.__init__.self.pre.out_channels", hidden * 2, 9),
        fact("constructor-arg", "Encoder.__init__.self.pre.padding", 2, 9),
        fact("constant", "HIDDEN", hidden, 3),
    )


def test_constant_imported_from_another_module() -> None:
    config = "HIDDEN = 192\nhidden_ratio = 2\n"
    models = CONSTANT.replace("HIDDEN = 192", "from config import HIDDEN, hidden_ratio")
    models = models.replace("HIDDEN * 2", "HIDDEN * hidden_ratio")
    files = {MODELS: models, "config.py": config}
    facts = values(resolve(files))
    assert facts["Encoder.__init__.self.pre.in_channels"] == 192
    assert facts["Encoder.__init__.self.pre.out_channels"] == 384
    assert values(resolve(files, "config.py")) == {"HIDDEN": 192}


def test_kwargs_get_default() -> None:
    source = """\
        from torch import nn


        class SynthesizerTrn(nn.Module):
            def __init__(self, inter_channels, **kwargs):
                super().__init__()
                ssl_dim = kwargs.get("ssl_dim", 768)
                self.ssl_proj = nn.Conv1d(ssl_dim, ssl_dim, 1, stride=1)
                self.enc_q = nn.GRU(inter_channels, 192, kwargs.get("n_layers_q", 3))
                self.use_spk = kwargs.get("use_spk", False)
        """
    facts = resolve({MODELS: source})
    assert values(facts, "SynthesizerTrn.__init__.kwargs") == {
        "SynthesizerTrn.__init__.kwargs.n_layers_q": 3,
        "SynthesizerTrn.__init__.kwargs.ssl_dim": 768,
        "SynthesizerTrn.__init__.kwargs.use_spk": False,
    }
    assert fact("init-default", "SynthesizerTrn.__init__.kwargs.ssl_dim", 768, 7) in facts
    found = values(facts)
    assert found["SynthesizerTrn.__init__.self.ssl_proj.in_channels"] == 768
    assert found["SynthesizerTrn.__init__.self.enc_q.num_layers"] == 3


COMPACT = """\
from torch import nn
class ResidualCouplingBlock(nn.Module):
    def __init__(self, channels, hidden_channels, kernel_size, n_flows=4, gin_channels=0):
        super().__init__()
        self.flows = nn.ModuleList(@FLOWS@ for _ in range(n_flows))
        self.proj = nn.Conv1d(hidden_channels, channels*2, 1, bias = False)
class ResidualCouplingLayer(nn.Module):
    def __init__(self, channels, hidden_channels, kernel_size, gin_channels=0):
        super().__init__()
        self.pre = nn.Conv1d(channels//2, hidden_channels, 1)
""".replace(
    "@FLOWS@", "ResidualCouplingLayer(channels, hidden_channels, kernel_size, gin_channels)"
)

BLACK = """\
from torch import nn


class ResidualCouplingBlock(nn.Module):
    def __init__(
        self, channels, hidden_channels, kernel_size, n_flows=4, gin_channels=0
    ):
        super().__init__()
        self.flows = nn.ModuleList(
            ResidualCouplingLayer(
                channels, hidden_channels, kernel_size, gin_channels
            )
            for _ in range(n_flows)
        )
        self.proj = nn.Conv1d(
            hidden_channels, channels * 2, 1, bias=False
        )


class ResidualCouplingLayer(nn.Module):
    def __init__(self, channels, hidden_channels, kernel_size, gin_channels=0):
        super().__init__()
        self.pre = nn.Conv1d(channels // 2, hidden_channels, 1)
"""


def without_lines(facts: tuple[Fact, ...]) -> list[tuple[str, str, str, FactValue]]:
    return [(f.kind, f.key, f.parameter, f.value) for f in facts]


def test_black_reformatting_gives_identical_facts() -> None:
    compact = resolve({MODELS: COMPACT})
    assert len(compact) == 18
    assert without_lines(resolve({MODELS: BLACK})) == without_lines(compact)
    assert values(compact)["ResidualCouplingBlock.__init__.self.flows[0]"] == (
        "module.models.ResidualCouplingLayer"
    )
    assert values(compact)["ResidualCouplingBlock.__init__.self.proj.out_channels"] == (
        "<expr:channels * 2>"
    )


def test_comments_give_identical_facts() -> None:
    trailing = BLACK.replace(
        "        super().__init__()\n",
        "        super().__init__()  # the flows invert each other\n",
    ).replace("self.proj = nn.Conv1d(", "self.proj = nn.Conv1d(  # 1x1 conv")
    assert resolve({MODELS: trailing}) == resolve({MODELS: BLACK})
    commented = trailing.replace("channels // 2, hidden", "channels // 2,  # half\n hidden")
    commented = commented.replace(
        "self.proj = nn.Conv1d(", "# self.proj = nn.Linear(1, 2)\n        self.proj = nn.Conv1d("
    )
    assert without_lines(resolve({MODELS: commented})) == without_lines(resolve({MODELS: BLACK}))


@pytest.mark.parametrize(
    ("imports", "callee"),
    [
        ("import torch\nfrom torch import nn", "nn.Conv1d"),
        ("import torch", "torch.nn.Conv1d"),
        ("import torch\nfrom torch.nn import Conv1d", "Conv1d"),
        ("import torch\nimport torch.nn as tnn", "tnn.Conv1d"),
    ],
)
def test_spellings_of_a_torch_layer_give_identical_facts(imports: str, callee: str) -> None:
    source = f"""\
{imports}


class MRTE(torch.nn.Module):
    def __init__(self, hidden_channels=512, gin_channels=512):
        super().__init__()
        self.ge_proj = {callee}(gin_channels, hidden_channels, 1)
"""
    facts = resolve({MODELS: source})
    at = source.count("\n") - 0
    assert facts == (
        fact("init-default", "MRTE.__init__.gin_channels", 512, at - 2),
        fact("init-default", "MRTE.__init__.hidden_channels", 512, at - 2),
        fact("submodule", "MRTE.__init__.self.ge_proj", "torch.nn.Conv1d", at, "ge_proj"),
        fact("constructor-arg", "MRTE.__init__.self.ge_proj.in_channels", 512, at),
        fact("constructor-arg", "MRTE.__init__.self.ge_proj.kernel_size", 1, at),
        fact("constructor-arg", "MRTE.__init__.self.ge_proj.out_channels", 512, at),
    )


def test_an_added_submodule_adds_its_facts() -> None:
    before = """\
        from torch import nn


        class SynthesizerTrn(nn.Module):
            def __init__(self, n_speakers=0, gin_channels=0, **kwargs):
                super().__init__()
                if n_speakers > 1:
                    self.emb_g = nn.Embedding(n_speakers, gin_channels)
        """
    after = before.replace(
        "nn.Embedding(n_speakers, gin_channels)\n",
        "nn.Embedding(n_speakers, gin_channels)\n"
        '                self.use_spk = kwargs.get("use_spk", False)\n'
        "                if self.use_spk:\n"
        "                    self.sv_emb = nn.Linear(20480, gin_channels)\n",
    )
    old, new = resolve({MODELS: before}), resolve({MODELS: after})
    assert set(new) - set(old) == {
        fact("init-default", "SynthesizerTrn.__init__.kwargs.use_spk", False, 9, "use_spk"),
        fact("submodule", "SynthesizerTrn.__init__.self.sv_emb", "torch.nn.Linear", 11, "sv_emb"),
        fact(
            "submodule",
            "SynthesizerTrn.__init__.self.sv_emb.built_if",
            "self.use_spk",
            11,
            "sv_emb",
        ),
        fact("constructor-arg", "SynthesizerTrn.__init__.self.sv_emb.in_features", 20480, 11),
        fact(
            "constructor-arg",
            "SynthesizerTrn.__init__.self.sv_emb.out_features",
            "<param:gin_channels>",
            11,
        ),
    }
    assert set(old) <= set(new)


def test_content_encoder_swap() -> None:
    cnhubert = """\
        import torch
        from torch import nn
        from transformers import HubertModel, Wav2Vec2FeatureExtractor


        class CNHubert(nn.Module):
            def __init__(self, base_path):
                super().__init__()
                self.model = HubertModel.from_pretrained(base_path)


        def get_model():
            return CNHubert("GPT_SoVITS/pretrained_models/chinese-hubert-base")
        """
    path = "GPT_SoVITS/feature_extractor/cnhubert.py"
    swapped = cnhubert.replace("HubertModel", "Wav2Vec2Model")
    component = "component.content-encoder"
    assert resolve({path: cnhubert}, path) == (
        fact("encoder-import", component, ("CNHubert", "HubertModel"), 3, "content-encoder"),
    )
    assert values(resolve({path: swapped}, path)) == {component: ("CNHubert", "Wav2Vec2Model")}


def test_model_classes_through_repo_bases_and_unknown_callees() -> None:
    base = """\
        import torch


        class Block(torch.nn.Module):
            pass
        """
    models = """\
        from module.base import Block
        from f5_tts.model import DiT


        class CFM(Block):
            def __init__(self, in_channels, transformer):
                super().__init__()
                self.transformer = transformer


        class Plain:
            def __init__(self):
                self.x = DiT(1024, depth=22)


        class SynthesizerTrnV3(Block):
            def __init__(self, *args, **kwargs):
                super().__init__()
                self.cfm = CFM(100, DiT(**dict(dim=1024, depth=22, heads=16)))
        """
    facts = values(resolve({MODELS: models, "GPT_SoVITS/module/base.py": base}))
    assert facts == {
        "SynthesizerTrnV3.__init__.self.cfm": "module.models.CFM",
        "SynthesizerTrnV3.__init__.self.cfm.in_channels": 100,
        "SynthesizerTrnV3.__init__.self.cfm.transformer": "f5_tts.model.DiT",
        "SynthesizerTrnV3.__init__.self.cfm.transformer.depth": 22,
        "SynthesizerTrnV3.__init__.self.cfm.transformer.dim": 1024,
        "SynthesizerTrnV3.__init__.self.cfm.transformer.heads": 16,
    }


def test_containers_appends_wrappers_and_loop_variables() -> None:
    source = """\
        import torch
        from torch import nn
        from torch.nn.utils import weight_norm


        class Generator(torch.nn.Module):
            def __init__(self, upsample_rates=(10, 8), upsample_initial_channel=512):
                super().__init__()
                self.ups = nn.ModuleList()
                for i, u in enumerate(upsample_rates):
                    self.ups.append(
                        weight_norm(nn.ConvTranspose1d(upsample_initial_channel // (2**i), 256, u))
                    )
                self.post = nn.Sequential(nn.Linear(256, 128), nn.Mish())
        """
    facts = values(resolve({MODELS: source}), "Generator.__init__.self.")
    prefix = "Generator.__init__.self."
    assert {k.removeprefix(prefix): v for k, v in facts.items()} == {
        "ups": "torch.nn.ModuleList",
        "ups[0]": "torch.nn.ConvTranspose1d",
        "ups[0].in_channels": "<expr:512 // 2 ** i>",
        "ups[0].out_channels": 256,
        "ups[0].kernel_size": "<expr:u>",
        "post": "torch.nn.Sequential",
        "post[0]": "torch.nn.Linear",
        "post[0].in_features": 256,
        "post[0].out_features": 128,
        "post[1]": "torch.nn.Mish",
    }


def test_audio_front_end_literals() -> None:
    mel = """\
        def mel_spectrogram_torch(y, n_fft, num_mels, sampling_rate, hop_size, win_size,
                                  fmin, fmax):
            return y
        """
    script = """\
        import librosa
        from module.mel_processing import mel_spectrogram_torch

        SR = 32000


        def get_spepc(hps, audio):
            audio, sr = librosa.load(audio, sr=SR)
            rate = hps.data.sampling_rate
            return mel_spectrogram_torch(audio, 2048, 128, rate, 640, 2048, 0, None)
        """
    files = {"GPT_SoVITS/module/mel_processing.py": mel, "GPT_SoVITS/module/infer.py": script}
    facts = resolve(files, "GPT_SoVITS/module/infer.py")
    assert values(facts, "get_spepc") == {
        "get_spepc.librosa.load.sr": 32000,
        "get_spepc.mel_spectrogram_torch.n_fft": 2048,
        "get_spepc.mel_spectrogram_torch.num_mels": 128,
        "get_spepc.mel_spectrogram_torch.hop_size": 640,
        "get_spepc.mel_spectrogram_torch.win_size": 2048,
        "get_spepc.mel_spectrogram_torch.fmin": 0,
        "get_spepc.mel_spectrogram_torch.fmax": None,
    }
    assert fact("audio-frontend", "get_spepc.librosa.load.sr", 32000, 8) in facts


def test_audio_front_end_literals_in_a_dict_splat() -> None:
    mel = """\
        def mel_spectrogram_torch(y, n_fft, num_mels, sampling_rate, hop_size, win_size,
                                  fmin, fmax, center=False):
            return y
        """
    script = """\
        from module.mel_processing import mel_spectrogram_torch

        mel_fn = lambda x: mel_spectrogram_torch(
            x, **{"n_fft": 1024, "hop_size": 256, "sampling_rate": 24000, "center": False}
        )
        mel_fn_v4 = lambda x: mel_spectrogram_torch(
            x, *extra, 99, **{"n_fft": 1280, "hop_size": 320, "fmax": None, 7: 1}, win_size=1280
        )
        """
    files = {"GPT_SoVITS/module/mel_processing.py": mel, "GPT_SoVITS/infer.py": script}
    facts = values(resolve(files, "GPT_SoVITS/infer.py"))
    assert facts == {
        "<module>.mel_spectrogram_torch.n_fft": 1024,
        "<module>.mel_spectrogram_torch.hop_size": 256,
        "<module>.mel_spectrogram_torch.sampling_rate": 24000,
        "<module>.mel_spectrogram_torch@2.n_fft": 1280,
        "<module>.mel_spectrogram_torch@2.hop_size": 320,
        "<module>.mel_spectrogram_torch@2.fmax": None,
        "<module>.mel_spectrogram_torch@2.win_size": 1280,
    }


def test_a_sequence_measured_from_another_module_is_a_symbol_table() -> None:
    languages = 'language_id_map = {"ZH": 0, "EN": 1, "JP": 2}\n'
    models = """\
        from torch import nn
        from text.languages import language_id_map


        class TextEncoder(nn.Module):
            def __init__(self, hidden_channels=192):
                super().__init__()
                self.language_emb = nn.Embedding(len(language_id_map), hidden_channels)
        """
    files = {MODELS: models, "GPT_SoVITS/text/languages.py": languages}
    facts = values(resolve(files, "GPT_SoVITS/text/languages.py"))
    assert facts["language_id_map"] == 3
    assert "language_id_map.fingerprint" in facts


def test_a_file_outside_the_snapshot_has_no_facts() -> None:
    assert resolve({MODELS: CONSTANT}, "missing.py") == ()


def test_a_snapshot_resolver_is_shared_between_files() -> None:
    modules = summaries({MODELS: SYNTHESIZER, SYMBOLS: SYMBOLS_PY})
    shared = SnapshotFacts(modules)
    assert shared.facts(MODELS) == resolve_python_facts(MODELS, modules)
    assert shared.facts(SYMBOLS) == resolve_python_facts(SYMBOLS, modules)


def git_show(repo: Path, revision: str, path: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{revision}:{path}"], capture_output=True, check=True
    ).stdout


def sample_facts(repo: Path, revision: str) -> dict[str, tuple[Fact, ...]]:
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", revision],
        capture_output=True, check=True, text=True,
    ).stdout.split()  # fmt: skip
    modules = {
        p: summarise_module(git_show(repo, revision, p)) for p in listing if p.endswith(".py")
    }
    resolver = SnapshotFacts(modules)
    return {p: resolver.facts(p) for p in modules}


def commit_of(repo: Path, subject: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "log", "--all", "--format=%H", f"--grep=^{subject}$"],
        capture_output=True, check=True, text=True,
    ).stdout.split()[0]  # fmt: skip


def test_mini_sovits_history(sample_repo: Callable[[str], Path]) -> None:
    repo = sample_repo("mini_sovits")
    initial = sample_facts(repo, commit_of(repo, "Initial commit"))
    black = sample_facts(repo, commit_of(repo, "Reformat models.py with black"))
    assert {p: without_lines(f) for p, f in black.items()} == {
        p: without_lines(f) for p, f in initial.items()
    }
    head = {p: values(f) for p, f in sample_facts(repo, "v3.1").items()}
    models = head[MODELS]
    assert models["TextEncoder.__init__.self.text_embedding.num_embeddings"] == 714
    assert models["TextEncoder.__init__.self.ssl_proj.out_channels"] == "<param:hidden_channels>"
    assert models["SynthesizerTrn.__init__.self.sv_emb.in_features"] == 20480
    assert models["SynthesizerTrn.__init__.self.quantizer.bins"] == 2048
    assert head[SYMBOLS]["symbols"] == 714
    assert head["config.py"] == {"version": "v2"}
    extractor = head["GPT_SoVITS/feature_extractor/cnhubert.py"]
    assert extractor["component.content-encoder"] == ("CNHubert", "Wav2Vec2Model")


@pytest.mark.torch
def test_torch_signatures_match_the_installed_torch() -> None:
    import inspect

    nn = pytest.importorskip("torch.nn")
    from auditor.extract.python.torch_signatures import TORCH_SIGNATURES

    for qualified, names in TORCH_SIGNATURES.items():
        layer = getattr(nn, qualified.removeprefix("torch.nn."))
        params = list(inspect.signature(layer.__init__).parameters.values())[1:]
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        if positional:  # LSTM, GRU and Parameter take *args: the table follows their docs
            assert tuple(positional[: len(names)]) == names, qualified


def test_relative_and_star_imports() -> None:
    package = "GPT_SoVITS/text/__init__.py"
    tables = "GPT_SoVITS/text/tables.py"
    models = """\
        from torch import nn
        from ..text import *
        from .sizes import HIDDEN


        class TextEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.text_embedding = nn.Embedding(len(symbols), HIDDEN)
        """
    files = {
        MODELS: models,
        "GPT_SoVITS/module/sizes.py": "HIDDEN = 192\n",
        package: "from .tables import symbols\n",
        tables: 'symbols = ["_", "a", "b"]\n',
    }
    facts = values(resolve(files), "TextEncoder.__init__.self.text_embedding.")
    assert facts == {
        "TextEncoder.__init__.self.text_embedding.num_embeddings": 3,
        "TextEncoder.__init__.self.text_embedding.embedding_dim": 192,
    }


def test_add_module_registers_a_submodule() -> None:
    source = """\
        from torch import nn


        class Encoder(nn.Module):
            def __init__(self, n_layers=2):
                super().__init__()
                self.add_module("pre", nn.Linear(80, 192))
        """
    assert values(resolve({MODELS: source}), "Encoder.__init__.self.") == {
        "Encoder.__init__.self.pre": "torch.nn.Linear",
        "Encoder.__init__.self.pre.in_features": 80,
        "Encoder.__init__.self.pre.out_features": 192,
    }


def test_star_import_in_a_package_rebinds_the_submodule_name() -> None:
    """``from text.symbols import *`` in ``text/__init__.py`` makes ``symbols`` the list."""
    facts = resolve(
        {
            "GPT_SoVITS/text/__init__.py": "from text.symbols import *\n",
            SYMBOLS: "symbols = ['_', 'a', 'b', 'c']\n",
            MODELS: """
                import torch.nn as nn
                from text import symbols

                class TextEncoder(nn.Module):
                    def __init__(self, hidden_channels):
                        super().__init__()
                        self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
                """,
        }
    )
    key = "TextEncoder.__init__.self.text_embedding.num_embeddings"
    assert values(facts)[key] == 4

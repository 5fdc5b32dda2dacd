"""Stage 2 of feature sites: frame-rate ratios, feature layers, encoder checkpoints and the
front-end values classes set on ``self``."""

from __future__ import annotations

import textwrap

from auditor.domain import Fact, FactValue
from auditor.extract.python import PYTHON_FACT_KINDS, resolve_python_facts, summarise_module

MODELS = "GPT_SoVITS/module/models.py"


def resolve(source: str, path: str = MODELS) -> tuple[Fact, ...]:
    return resolve_python_facts(path, {path: summarise_module(textwrap.dedent(source).encode())})


def of_kind(facts: tuple[Fact, ...], kind: str) -> dict[str, FactValue]:
    return {f.key: f.value for f in facts if f.kind is PYTHON_FACT_KINDS[kind]}


SYNTHESIZER = """\
    import torch.nn as nn
    import torch.nn.functional as F

    RATIO = 2


    class SynthesizerTrnV3(nn.Module):
        def __init__(self, version="v3"):
            super().__init__()
            self.version = version

        def forward(self, quantized, fea, n):
            quantized = F.interpolate(quantized, scale_factor=RATIO, mode="nearest")
            fea = F.interpolate(fea, scale_factor=(1.875 if self.version == "v3" else 2))
            y = F.interpolate(fea, size=n, mode="linear")
            z = F.interpolate(fea, size=int(fea.shape[-1] * 2))
            return nn.Upsample(scale_factor=4)(y), z


    class Pipeline:
        def run(self, feats):
            return F.interpolate(feats, scale_factor=2)
    """


def test_resampling_ratios_of_model_methods() -> None:
    facts = resolve(SYNTHESIZER)
    assert of_kind(facts, "feature-rate") == {
        "SynthesizerTrnV3.forward.interpolate(quantized).scale_factor": 2,
        "SynthesizerTrnV3.forward.interpolate(fea).scale_factor": (
            "<expr:1.875 if self.version == 'v3' else 2>"
        ),
        "SynthesizerTrnV3.forward.Upsample.scale_factor": 4,
    }


def test_a_resampling_call_added_before_another_does_not_renumber_it() -> None:
    added = SYNTHESIZER.replace(
        "            quantized = F.interpolate(",
        "            mel = F.interpolate(mel, scale_factor=3)\n"
        "            quantized = F.interpolate(",
    )
    rates = of_kind(resolve(added), "feature-rate")
    assert rates["SynthesizerTrnV3.forward.interpolate(fea).scale_factor"] == (
        "<expr:1.875 if self.version == 'v3' else 2>"
    )
    assert rates["SynthesizerTrnV3.forward.interpolate(mel).scale_factor"] == 3


LOADER = """\
    import os
    import torch
    from whisper.model import Whisper

    SV_PATH = "pretrained_models\\\\sv\\\\pretrained_eres2netv2w24s4ep4.ckpt"


    def load_model(path):
        checkpoint = torch.load(path, map_location="cpu")
        model = Whisper(checkpoint["dims"])
        del model.decoder
        cut = len(model.encoder.blocks) // 4
        del model.encoder.blocks[-cut:]
        return model


    class SV:
        def __init__(self, device):
            self.state = torch.load(SV_PATH, map_location="cpu")
            self.g = torch.load("pretrained/G_0.pth")


    def get_bert_feature(model, inputs, version):
        res = model(**inputs, output_hidden_states=True)
        feats = {"source": inputs, "output_layer": 9 if version == "v1" else 12}
        return res["hidden_states"][-3:-2], model.extract_features(res, output_layer=9), feats


    if __name__ == "__main__":
        whisper = load_model(os.path.join("whisper_pretrain", "medium.pt"))
        data = torch.load("data/whisper_features.npy")
    """


def test_layers_features_come_from() -> None:
    assert of_kind(resolve(LOADER, "whisper/inference.py"), "feature-layer") == {
        "load_model.encoder.blocks.deleted": "[-cut:]",
        "get_bert_feature.hidden_states": "[-3:-2]",
        "get_bert_feature.extract_features.output_layer": 9,
        "get_bert_feature.output_layer": "<expr:9 if version == 'v1' else 12>",
    }


def test_checkpoints_that_name_a_known_component() -> None:
    facts = resolve(LOADER, "whisper/inference.py")
    assert of_kind(facts, "encoder-checkpoint") == {
        "SV.__init__.torch.load.checkpoint": (
            "pretrained_models/sv/pretrained_eres2netv2w24s4ep4.ckpt"
        ),
        "<main>.load_model.checkpoint": "whisper_pretrain/medium.pt",
    }
    checkpoint = next(f for f in facts if f.key == "<main>.load_model.checkpoint")
    assert (checkpoint.parameter, checkpoint.line) == ("checkpoint", 30)


def test_a_model_id_given_to_a_component_loader() -> None:
    source = """\
        from transformers import HubertModel

        MODEL_ID = "TencentGameMate/chinese-hubert-base"


        class CNHubert:
            def __init__(self):
                self.model = HubertModel.from_pretrained(MODEL_ID)
        """
    assert of_kind(resolve(source, "feature_extractor/cnhubert.py"), "encoder-checkpoint") == {
        "CNHubert.__init__.HubertModel.from_pretrained.checkpoint": (
            "TencentGameMate/chinese-hubert-base"
        )
    }


DATASET = """\
    import torch

    HOP = 256


    class TextAudioSpeakerLoaderV3(torch.utils.data.Dataset):
        def __init__(self, hparams, val=False):
            self.sampling_rate = hparams.sampling_rate
            self.filter_length_mel = self.win_length_mel = 1024
            self.hop_length_mel = HOP
            self.sampling_rate_mel = 24000
            self.mel_fmax = None
            self.spec_min = -12
    """


def test_front_end_values_a_class_sets_on_self() -> None:
    assert of_kind(resolve(DATASET, "module/data_utils.py"), "audio-frontend") == {
        "TextAudioSpeakerLoaderV3.__init__.self.filter_length_mel": 1024,
        "TextAudioSpeakerLoaderV3.__init__.self.hop_length_mel": 256,
        "TextAudioSpeakerLoaderV3.__init__.self.mel_fmax": None,
        "TextAudioSpeakerLoaderV3.__init__.self.sampling_rate_mel": 24000,
        "TextAudioSpeakerLoaderV3.__init__.self.win_length_mel": 1024,
    }

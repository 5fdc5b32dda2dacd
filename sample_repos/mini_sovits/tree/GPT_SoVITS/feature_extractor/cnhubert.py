"""Content features: 768-dim frames at 50 Hz from a self-supervised speech model."""

import torch
from torch import nn
from transformers import HubertModel, Wav2Vec2FeatureExtractor

cnhubert_base_path = "GPT_SoVITS/pretrained_models/chinese-hubert-base"


class CNHubert(nn.Module):
    def __init__(self, base_path=None):
        super().__init__()
        base_path = base_path or cnhubert_base_path
        self.model = HubertModel.from_pretrained(base_path)
        self.feature_extractor = Wav2Vec2FeatureExtractor.from_pretrained(base_path)

    def forward(self, x):
        input_values = self.feature_extractor(
            x, return_tensors="pt", sampling_rate=16000
        ).input_values.to(x.device)
        return self.model(input_values)["last_hidden_state"]


def get_model():
    model = CNHubert()
    model.eval()
    return model


def get_content(hmodel, wav_16k_tensor):
    """(samples,) audio at 16 kHz -> (1, 768, frames) content features."""
    with torch.no_grad():
        feats = hmodel(wav_16k_tensor)
    return feats.transpose(1, 2)

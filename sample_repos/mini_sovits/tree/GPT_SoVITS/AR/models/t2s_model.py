"""GPT stage: phoneme ids (plus BERT features) -> semantic token ids.

Built from ``configs/s1longer.yaml``: ``Text2SemanticDecoder(config)`` with the whole parsed
config; the sizes live under ``config["model"]``.
"""

import torch
from torch import nn
from torch.nn import functional as F


class SinePositionalEmbedding(nn.Module):
    def __init__(self, embedding_dim, dropout=0.0, scale=False):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.x_scale = embedding_dim**0.5 if scale else 1.0
        self.alpha = nn.Parameter(torch.ones(1))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        position = torch.arange(x.size(1), dtype=torch.float32).unsqueeze(1)
        div_term = torch.exp(
            torch.arange(0, self.embedding_dim, 2, dtype=torch.float32)
            * -(torch.log(torch.tensor(10000.0)) / self.embedding_dim)
        )
        pe = torch.zeros(x.size(1), self.embedding_dim)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        return self.dropout(x * self.x_scale + self.alpha * pe.unsqueeze(0))


class Text2SemanticDecoder(nn.Module):
    def __init__(self, config, norm_first=False, top_k=3):
        super().__init__()
        self.model_dim = config["model"]["hidden_dim"]
        self.embedding_dim = config["model"]["embedding_dim"]
        self.num_head = config["model"]["head"]
        self.num_layers = config["model"]["n_layer"]
        self.norm_first = norm_first
        self.vocab_size = config["model"]["vocab_size"]
        self.phoneme_vocab_size = config["model"]["phoneme_vocab_size"]
        self.p_dropout = config["model"]["dropout"]
        self.EOS = config["model"]["EOS"]
        self.top_k = top_k
        assert self.EOS == self.vocab_size - 1

        self.bert_proj = nn.Linear(1024, self.embedding_dim)
        self.ar_text_embedding = nn.Embedding(self.phoneme_vocab_size, self.embedding_dim)
        self.ar_text_position = SinePositionalEmbedding(self.embedding_dim, dropout=0.1)
        self.ar_audio_embedding = nn.Embedding(self.vocab_size, self.embedding_dim)
        self.ar_audio_position = SinePositionalEmbedding(self.embedding_dim, dropout=0.1)
        layer = nn.TransformerEncoderLayer(
            d_model=self.model_dim,
            nhead=self.num_head,
            dim_feedforward=config["model"]["linear_units"],
            dropout=self.p_dropout,
            batch_first=True,
            norm_first=norm_first,
        )
        self.h = nn.TransformerEncoder(layer, num_layers=self.num_layers)
        self.ar_predict_layer = nn.Linear(self.model_dim, self.vocab_size, bias=False)

    def embed(self, phonemes, bert_feature, semantic):
        x = self.ar_text_embedding(phonemes)
        x = x + self.bert_proj(bert_feature.transpose(1, 2))
        x = self.ar_text_position(x)
        y = self.ar_audio_position(self.ar_audio_embedding(semantic))
        return torch.cat([x, y], dim=1)

    @torch.no_grad()
    def infer(self, phonemes, bert_feature, prompt, max_tokens=1500):
        """Continue ``prompt`` (batch, tokens) until EOS; returns the new semantic tokens."""
        y = prompt
        start = prompt.size(1)
        for _ in range(max_tokens):
            xy = self.embed(phonemes, bert_feature, y)
            size = xy.size(1)
            mask = torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)
            logits = self.ar_predict_layer(self.h(xy, mask=mask)[:, -1])
            top = torch.topk(logits, self.top_k, dim=-1)
            probs = F.softmax(top.values, dim=-1)
            token = top.indices.gather(-1, torch.multinomial(probs, 1))
            if token.item() == self.EOS:
                break
            y = torch.cat([y, token], dim=1)
        return y[:, start:]

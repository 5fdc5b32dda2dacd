"""SoVITS stage: semantic tokens, phonemes and a reference voice in, waveform out.

Built from ``configs/s2.json`` the way the training and inference scripts do::

    SynthesizerTrn(
        hps.data.filter_length // 2 + 1,
        hps.train.segment_size // hps.data.hop_length,
        n_speakers=hps.data.n_speakers,
        **hps.model,
    )
"""

import torch
from torch import nn
from torch.nn import functional as F
from text.symbols import symbols


def get_padding(kernel_size, dilation=1):
    return (kernel_size * dilation - dilation) // 2


class LayerNorm(nn.Module):
    """Layer norm over the channel axis of a (batch, channels, time) tensor."""

    def __init__(self, channels, eps=1e-05):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        x = x.transpose(1, -1)
        x = F.layer_norm(x, (x.size(-1),), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class FFN(nn.Module):

    def __init__(self, in_channels, out_channels, filter_channels, kernel_size, p_dropout=0.0):
        super().__init__()
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size, padding=kernel_size // 2)
        self.conv_2 = nn.Conv1d(filter_channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)

    def forward(self, x):
        return self.conv_2(self.drop(torch.relu(self.conv_1(x))))


class Encoder(nn.Module):
    """Self-attention blocks with convolutional feed-forward layers."""

    def __init__(self, hidden_channels, filter_channels, n_heads, n_layers, kernel_size=1, p_dropout=0.0):
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList()
        self.norm_layers_1 = nn.ModuleList()
        self.ffn_layers = nn.ModuleList()
        self.norm_layers_2 = nn.ModuleList()
        for _ in range(n_layers):
            self.attn_layers.append(nn.MultiheadAttention(hidden_channels, n_heads, dropout=p_dropout, batch_first=True))
            self.norm_layers_1.append(LayerNorm(hidden_channels))
            self.ffn_layers.append(FFN(hidden_channels, hidden_channels, filter_channels, kernel_size, p_dropout=p_dropout))
            self.norm_layers_2.append(LayerNorm(hidden_channels))

    def forward(self, x):
        layers = zip(self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2)
        for attn, norm_1, ffn, norm_2 in layers:
            h = x.transpose(1, 2)
            y, _ = attn(h, h, h, need_weights=False)
            x = norm_1(x + self.drop(y.transpose(1, 2)))
            x = norm_2(x + self.drop(ffn(x)))
        return x


class MRTE(nn.Module):
    """Content frames attend to the phonemes; the speaker embedding is added on top."""

    def __init__(self, hidden_channels, n_heads, gin_channels):
        super().__init__()
        self.cross_attention = nn.MultiheadAttention(hidden_channels, n_heads, batch_first=True)
        self.ge_proj = nn.Conv1d(gin_channels, hidden_channels, 1)

    def forward(self, ssl, text, ge):
        query, memory = (ssl.transpose(1, 2), text.transpose(1, 2))
        y, _ = self.cross_attention(query, memory, memory, need_weights=False)
        return ssl + y.transpose(1, 2) + self.ge_proj(ge)


class TextEncoder(nn.Module):

    def __init__(self, out_channels, hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout, gin_channels, ssl_dim=768):
        super().__init__()
        self.out_channels = out_channels
        self.ssl_proj = nn.Conv1d(ssl_dim, 192, 1)
        self.encoder_ssl = Encoder(hidden_channels, filter_channels, n_heads, n_layers // 2, kernel_size, p_dropout)
        self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
        self.encoder_text = Encoder(hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout)
        self.mrte = MRTE(hidden_channels, n_heads, gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, ssl, text, ge):
        x = self.encoder_ssl(self.ssl_proj(ssl))
        t = self.encoder_text(self.text_embedding(text).transpose(1, 2))
        x = self.mrte(x, t, ge)
        m, logs = torch.split(self.proj(x), self.out_channels, dim=1)
        return (x, m, logs)


class PosteriorEncoder(nn.Module):
    """Linear spectrogram -> latent (training only)."""

    def __init__(self, in_channels, out_channels, hidden_channels, kernel_size, n_layers, gin_channels=0):
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.convs = nn.ModuleList((nn.Conv1d(hidden_channels, hidden_channels, kernel_size, padding=kernel_size // 2) for _ in range(n_layers)))
        self.cond = nn.Conv1d(gin_channels, hidden_channels, 1)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, y, g):
        x = self.pre(y) + self.cond(g)
        for conv in self.convs:
            x = x + torch.tanh(conv(x))
        m, logs = torch.split(self.proj(x), self.out_channels, dim=1)
        z = m + torch.randn_like(m) * torch.exp(logs)
        return (z, m, logs)


class ResidualCouplingLayer(nn.Module):

    def __init__(self, channels, hidden_channels, kernel_size, gin_channels=0):
        super().__init__()
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = nn.Conv1d(hidden_channels, hidden_channels, kernel_size, padding=kernel_size // 2)
        self.cond = nn.Conv1d(gin_channels, hidden_channels, 1)
        self.post = nn.Conv1d(hidden_channels, self.half_channels, 1)
        self.post.weight.data.zero_()
        self.post.bias.data.zero_()

    def forward(self, x, g, reverse=False):
        x0, x1 = torch.split(x, [self.half_channels] * 2, dim=1)
        h = torch.tanh(self.enc(self.pre(x0)) + self.cond(g))
        m = self.post(h)
        x1 = x1 - m if reverse else x1 + m
        return torch.cat([x0, x1], dim=1)


class ResidualCouplingBlock(nn.Module):

    def __init__(self, channels, hidden_channels, kernel_size, n_flows=4, gin_channels=0):
        super().__init__()
        self.flows = nn.ModuleList((ResidualCouplingLayer(channels, hidden_channels, kernel_size, gin_channels) for _ in range(n_flows)))

    def forward(self, x, g, reverse=False):
        if not reverse:
            for flow in self.flows:
                x = torch.flip(flow(x, g), [1])
        else:
            for flow in reversed(self.flows):
                x = flow(torch.flip(x, [1]), g, reverse=True)
        return x


class DurationPredictor(nn.Module):

    def __init__(self, in_channels, filter_channels, kernel_size, p_dropout, gin_channels=0):
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size, padding=kernel_size // 2)
        self.norm_1 = LayerNorm(filter_channels)
        self.conv_2 = nn.Conv1d(filter_channels, filter_channels, kernel_size, padding=kernel_size // 2)
        self.norm_2 = LayerNorm(filter_channels)
        self.proj = nn.Conv1d(filter_channels, 1, 1)
        self.cond = nn.Conv1d(gin_channels, in_channels, 1)

    def forward(self, x, g):
        x = x + self.cond(g)
        x = self.drop(self.norm_1(torch.relu(self.conv_1(x))))
        x = self.drop(self.norm_2(torch.relu(self.conv_2(x))))
        return self.proj(x)


class StochasticDurationPredictor(nn.Module):

    def __init__(self, in_channels, filter_channels, kernel_size, p_dropout, n_flows=4, gin_channels=0):
        super().__init__()
        self.pre = nn.Conv1d(in_channels, filter_channels, 1)
        self.convs = nn.ModuleList((nn.Conv1d(filter_channels, filter_channels, kernel_size, padding=kernel_size // 2, groups=filter_channels) for _ in range(3)))
        self.drop = nn.Dropout(p_dropout)
        self.proj = nn.Conv1d(filter_channels, 2, 1)
        self.flows = ResidualCouplingBlock(2, filter_channels, kernel_size, n_flows, gin_channels=gin_channels)

    def forward(self, x, g, noise_scale=1.0):
        h = self.pre(x)
        for conv in self.convs:
            h = h + self.drop(torch.relu(conv(h)))
        z = self.proj(h) + torch.randn(x.size(0), 2, x.size(2)) * noise_scale
        return self.flows(z, g, reverse=True)[:, :1]


class ResBlock1(nn.Module):
    """Dilated residual convolutions (depthwise, to keep the mini model small)."""

    def __init__(self, channels, kernel_size=3, dilation=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList((nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=get_padding(kernel_size, d), groups=channels) for d in dilation))
        self.convs2 = nn.ModuleList((nn.Conv1d(channels, channels, kernel_size, padding=get_padding(kernel_size), groups=channels) for _ in dilation))

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c1(F.leaky_relu(x, 0.1))
            xt = c2(F.leaky_relu(xt, 0.1))
            x = xt + x
        return x


class ResBlock2(nn.Module):

    def __init__(self, channels, kernel_size=3, dilation=(1, 3)):
        super().__init__()
        self.convs = nn.ModuleList((nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=get_padding(kernel_size, d), groups=channels) for d in dilation))

    def forward(self, x):
        for conv in self.convs:
            x = conv(F.leaky_relu(x, 0.1)) + x
        return x


class Generator(nn.Module):
    """HiFi-GAN style decoder: each frame becomes prod(upsample_rates) samples."""

    def __init__(self, initial_channel, resblock, resblock_kernel_sizes, resblock_dilation_sizes, upsample_rates, upsample_initial_channel, upsample_kernel_sizes, gin_channels=0):
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.conv_pre = nn.Conv1d(initial_channel, upsample_initial_channel, 7, padding=3)
        block = ResBlock1 if resblock == '1' else ResBlock2
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        ch = upsample_initial_channel
        for u, k in zip(upsample_rates, upsample_kernel_sizes):
            self.ups.append(nn.ConvTranspose1d(ch, ch // 2, k, u, padding=(k - u) // 2))
            ch //= 2
            for rk, rd in zip(resblock_kernel_sizes, resblock_dilation_sizes):
                self.resblocks.append(block(ch, rk, rd))
        self.conv_post = nn.Conv1d(ch, 1, 7, padding=3, bias=False)
        if gin_channels != 0:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(self, x, g=None):
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, 0.1))
            blocks = self.resblocks[i * self.num_kernels:(i + 1) * self.num_kernels]
            x = sum((block(x) for block in blocks)) / self.num_kernels
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


class MelStyleEncoder(nn.Module):
    """Reference encoder: a spectrogram of the reference voice -> one style vector."""

    def __init__(self, n_mel_channels=80, style_hidden=128, style_vector_dim=256, kernel_size=5):
        super().__init__()
        self.spectral = nn.Sequential(nn.Linear(n_mel_channels, style_hidden), nn.Mish(), nn.Linear(style_hidden, style_hidden), nn.Mish())
        self.temporal = nn.Conv1d(style_hidden, style_hidden, kernel_size, padding=kernel_size // 2)
        self.attention = nn.MultiheadAttention(style_hidden, 2, batch_first=True)
        self.fc = nn.Linear(style_hidden, style_vector_dim)

    def forward(self, x):
        x = self.spectral(x.transpose(1, 2)).transpose(1, 2)
        x = x + torch.relu(self.temporal(x))
        h = x.transpose(1, 2)
        h, _ = self.attention(h, h, h, need_weights=False)
        return self.fc(h.mean(dim=1)).unsqueeze(-1)


class ResidualVectorQuantizer(nn.Module):

    def __init__(self, dimension=768, n_q=1, bins=1024):
        super().__init__()
        self.layers = nn.ModuleList((nn.Embedding(bins, dimension) for _ in range(n_q)))

    def encode(self, x):
        residual = x.transpose(1, 2)
        codes = []
        for codebook in self.layers:
            distances = torch.cdist(residual, codebook.weight.unsqueeze(0))
            indices = distances.argmin(dim=-1)
            residual = residual - codebook(indices)
            codes.append(indices)
        return torch.stack(codes)

    def decode(self, codes):
        quantized = sum((codebook(c) for codebook, c in zip(self.layers, codes)))
        return quantized.transpose(1, 2)


class SynthesizerTrn(nn.Module):
    """The SoVITS synthesizer."""

    def __init__(self, spec_channels, segment_size, inter_channels, hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout, resblock, resblock_kernel_sizes, resblock_dilation_sizes, upsample_rates, upsample_initial_channel, upsample_kernel_sizes, n_speakers=0, gin_channels=0, use_sdp=True, semantic_frame_rate=None, freeze_quantizer=None, version='v1', **kwargs):
        super().__init__()
        self.spec_channels = spec_channels
        self.segment_size = segment_size
        self.inter_channels = inter_channels
        self.hidden_channels = hidden_channels
        self.gin_channels = gin_channels
        self.n_speakers = n_speakers
        self.use_sdp = use_sdp
        self.semantic_frame_rate = semantic_frame_rate
        self.version = version
        ssl_dim = kwargs.get('ssl_dim', 768)
        self.enc_p = TextEncoder(inter_channels, hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout, gin_channels, ssl_dim=ssl_dim)
        self.dec = Generator(inter_channels, resblock, resblock_kernel_sizes, resblock_dilation_sizes, upsample_rates, upsample_initial_channel, upsample_kernel_sizes, gin_channels=gin_channels)
        self.enc_q = PosteriorEncoder(spec_channels, inter_channels, hidden_channels, 5, kwargs.get('n_layers_q', 3), gin_channels=gin_channels)
        self.flow = ResidualCouplingBlock(inter_channels, hidden_channels, 5, 4, gin_channels=gin_channels)
        if use_sdp:
            self.sdp = StochasticDurationPredictor(hidden_channels, 192, 3, 0.5, 4, gin_channels=gin_channels)
        else:
            self.dp = DurationPredictor(hidden_channels, 256, 3, 0.5, gin_channels=gin_channels)
        if n_speakers > 1:
            self.emb_g = nn.Embedding(n_speakers, gin_channels)
        self.ref_enc = MelStyleEncoder(spec_channels if version == 'v1' else 704, style_vector_dim=gin_channels)
        if semantic_frame_rate == '25hz':
            self.ssl_proj = nn.Conv1d(ssl_dim, ssl_dim, 2, stride=2)
        else:
            self.ssl_proj = nn.Conv1d(ssl_dim, ssl_dim, 1, stride=1)
        self.quantizer = ResidualVectorQuantizer(dimension=ssl_dim, n_q=1, bins=1024)
        if freeze_quantizer:
            self.ssl_proj.requires_grad_(False)
            self.quantizer.requires_grad_(False)

    def extract_latent(self, ssl):
        """Semantic token ids of content features: (n_q, batch, frames)."""
        return self.quantizer.encode(self.ssl_proj(ssl))

    @torch.no_grad()
    def infer(self, ssl, text, refer, sid=None, noise_scale=0.5):
        """Synthesize audio.

        ssl: (batch, ssl_dim, frames) content features at 50 Hz; text: (batch, phonemes)
        ids into ``symbols``; refer: (batch, spec_channels, ref_frames) linear spectrogram
        of the reference voice. Returns (batch, 1, frames * prod(upsample_rates)).
        """
        if self.version != 'v1':
            refer = refer[:, :704]
        ge = self.ref_enc(refer)
        if sid is not None and self.n_speakers > 1:
            ge = ge + self.emb_g(sid).unsqueeze(-1)
        quantized = self.quantizer.decode(self.extract_latent(ssl))
        if self.semantic_frame_rate == '25hz':
            quantized = F.interpolate(quantized, scale_factor=2, mode='nearest')
        _, m_p, logs_p = self.enc_p(quantized, text, ge)
        z_p = m_p + torch.randn_like(m_p) * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, ge, reverse=True)
        return self.dec(z, g=ge)

    def forward(self, ssl, text, refer):
        return self.infer(ssl, text, refer)

"""Positional parameters of library callables, so ``nn.Conv1d(192, 768, 3)`` maps to names.

Data only: qualified name -> the names its positional arguments bind, in order (``self`` left
out); containers (``nn.Sequential``) take submodules, not hyper-parameters. A test checks the
table against ``inspect.signature`` of the installed torch.
"""

from __future__ import annotations


def _names(spec: str) -> tuple[str, ...]:
    return tuple(spec.split())


_CONV = _names(
    "in_channels out_channels kernel_size stride padding dilation groups bias padding_mode"
    " device dtype"
)
_CONV_TRANSPOSE = _names(
    "in_channels out_channels kernel_size stride padding output_padding groups bias dilation"
    " padding_mode device dtype"
)
_NORM = _names("num_features eps momentum affine track_running_stats device dtype")
_RNN = _names("input_size hidden_size num_layers bias batch_first dropout bidirectional")
_TRANSFORMER_LAYER = _names(
    "d_model nhead dim_feedforward dropout activation layer_norm_eps batch_first norm_first"
    " bias device dtype"
)
_DROPOUT = _names("p inplace")

#: ``torch.nn`` layers: qualified class name -> positional parameter names.
TORCH_SIGNATURES: dict[str, tuple[str, ...]] = {
    "torch.nn.Conv1d": _CONV,
    "torch.nn.Conv2d": _CONV,
    "torch.nn.Conv3d": _CONV,
    "torch.nn.ConvTranspose1d": _CONV_TRANSPOSE,
    "torch.nn.ConvTranspose2d": _CONV_TRANSPOSE,
    "torch.nn.Linear": _names("in_features out_features bias device dtype"),
    "torch.nn.Bilinear": _names("in1_features in2_features out_features bias device dtype"),
    "torch.nn.Embedding": _names(
        "num_embeddings embedding_dim padding_idx max_norm norm_type scale_grad_by_freq"
        " sparse _weight _freeze device dtype"
    ),
    "torch.nn.LSTM": (*_RNN, "proj_size"),
    "torch.nn.GRU": _RNN,
    "torch.nn.RNN": _names(
        "input_size hidden_size num_layers nonlinearity bias batch_first dropout bidirectional"
    ),
    "torch.nn.LSTMCell": _names("input_size hidden_size bias device dtype"),
    "torch.nn.GRUCell": _names("input_size hidden_size bias device dtype"),
    "torch.nn.MultiheadAttention": _names(
        "embed_dim num_heads dropout bias add_bias_kv add_zero_attn kdim vdim batch_first"
        " device dtype"
    ),
    "torch.nn.LayerNorm": _names("normalized_shape eps elementwise_affine bias device dtype"),
    "torch.nn.BatchNorm1d": _NORM,
    "torch.nn.BatchNorm2d": _NORM,
    "torch.nn.InstanceNorm1d": _NORM,
    "torch.nn.InstanceNorm2d": _NORM,
    "torch.nn.GroupNorm": _names("num_groups num_channels eps affine device dtype"),
    "torch.nn.Dropout": _DROPOUT,
    "torch.nn.Dropout1d": _DROPOUT,
    "torch.nn.Dropout2d": _DROPOUT,
    "torch.nn.ModuleList": ("modules",),
    "torch.nn.ModuleDict": ("modules",),
    "torch.nn.ParameterList": ("values",),
    "torch.nn.Parameter": _names("data requires_grad"),
    "torch.nn.PReLU": _names("num_parameters init device dtype"),
    "torch.nn.LeakyReLU": _names("negative_slope inplace"),
    "torch.nn.ReLU": ("inplace",),
    "torch.nn.SiLU": ("inplace",),
    "torch.nn.Mish": ("inplace",),
    "torch.nn.GELU": ("approximate",),
    "torch.nn.ELU": _names("alpha inplace"),
    "torch.nn.Softmax": ("dim",),
    "torch.nn.GLU": ("dim",),
    "torch.nn.AvgPool1d": _names("kernel_size stride padding ceil_mode count_include_pad"),
    "torch.nn.MaxPool1d": _names("kernel_size stride padding dilation return_indices ceil_mode"),
    "torch.nn.AdaptiveAvgPool1d": ("output_size",),
    "torch.nn.Upsample": _names("size scale_factor mode align_corners recompute_scale_factor"),
    "torch.nn.ConstantPad1d": _names("padding value"),
    "torch.nn.ReflectionPad1d": ("padding",),
    "torch.nn.ReplicationPad1d": ("padding",),
    "torch.nn.ZeroPad2d": ("padding",),
    "torch.nn.TransformerEncoderLayer": _TRANSFORMER_LAYER,
    "torch.nn.TransformerDecoderLayer": _TRANSFORMER_LAYER,
    "torch.nn.TransformerEncoder": _names(
        "encoder_layer num_layers norm enable_nested_tensor mask_check"
    ),
    "torch.nn.TransformerDecoder": _names("decoder_layer num_layers norm"),
    "torch.nn.Flatten": _names("start_dim end_dim"),
    "torch.nn.PixelShuffle": ("upscale_factor",),
}

#: Audio front-end callables of librosa and torchaudio: qualified name -> positional names.
AUDIO_SIGNATURES: dict[str, tuple[str, ...]] = {
    "librosa.load": _names("path sr mono offset duration"),
    "librosa.filters.mel": _names("sr n_fft n_mels fmin fmax"),
    "librosa.feature.melspectrogram": _names("y sr S n_fft hop_length win_length"),
    "librosa.stft": _names("y n_fft hop_length win_length"),
    "torchaudio.transforms.MelSpectrogram": _names(
        "sample_rate n_fft win_length hop_length f_min f_max pad n_mels"
    ),
    "torchaudio.transforms.Spectrogram": _names("n_fft win_length hop_length pad"),
    "torchaudio.transforms.MFCC": _names("sample_rate n_mfcc"),
}

#: Containers whose arguments are submodules, not hyper-parameters.
CONTAINERS = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict"})

#: Bases that make a class a model even when nothing in the snapshot says so.
MODULE_BASES = frozenset(
    {
        "torch.nn.Module",
        "torch.nn.modules.module.Module",
        "pytorch_lightning.LightningModule",
        "lightning.LightningModule",
        "lightning.pytorch.LightningModule",
        "transformers.PreTrainedModel",
    }
)

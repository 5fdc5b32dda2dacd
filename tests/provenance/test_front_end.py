"""The audio front end, read from a config wherever its values sit and whatever their names."""

from __future__ import annotations

import json

from auditor.provenance.front_end import FrontEndValue, front_end, front_end_dict

#: A real-looking GPT-SoVITS ``s2.json`` (trimmed).
S2 = {
    "train": {"segment_size": 20480, "learning_rate": 0.0001},
    "data": {
        "max_wav_value": 32768.0,
        "sampling_rate": 32000,
        "filter_length": 2048,
        "hop_length": 640,
        "win_length": 2048,
        "n_mel_channels": 128,
        "mel_fmin": 0.0,
        "mel_fmax": None,
    },
    "model": {"hidden_channels": 192, "version": "v2"},
}


def test_a_vits_family_config() -> None:
    assert front_end(S2) == (
        FrontEndValue("sampling_rate", 32000, "data.sampling_rate"),
        FrontEndValue("hop_length", 640, "data.hop_length"),
        FrontEndValue("win_length", 2048, "data.win_length"),
        FrontEndValue("filter_length", 2048, "data.filter_length"),
        FrontEndValue("n_mel_channels", 128, "data.n_mel_channels"),
        FrontEndValue("mel_fmin", 0.0, "data.mel_fmin"),
        FrontEndValue("mel_fmax", None, "data.mel_fmax"),
    )
    assert front_end_dict(front_end(S2))["hop_length"] == {"value": 640, "key": "data.hop_length"}


def test_other_names_and_places() -> None:
    config = {
        "preprocess": {"audio": {"sample_rate": 44100, "n_fft": 2048, "hop_size": 512}},
        "mel": {"n_mels": 80, "win_size": 2048, "fmin": 40, "fmax": 16000},
    }
    found = {v.name: (v.value, v.key) for v in front_end(config)}
    assert found == {
        "sampling_rate": (44100, "preprocess.audio.sample_rate"),
        "hop_length": (512, "preprocess.audio.hop_size"),
        "win_length": (2048, "mel.win_size"),
        "filter_length": (2048, "preprocess.audio.n_fft"),
        "n_mel_channels": (80, "mel.n_mels"),
        "mel_fmin": (40, "mel.fmin"),
        "mel_fmax": (16000, "mel.fmax"),
    }


def test_the_shallowest_value_wins() -> None:
    config = {"vocoder": {"data": {"sampling_rate": 22050}}, "data": {"sampling_rate": 48000}}
    assert front_end(config)[0] == FrontEndValue("sampling_rate", 48000, "data.sampling_rate")


def test_rvc_list_config_and_its_rate_string() -> None:
    # RVC: [spec_channels, segment_size, inter_channels, ..., gin_channels, sampling rate]
    config = [1025, 32, 192, 192, 768, 2, 6, 3, 0, "1", [3, 7, 11], 256, 40000]
    assert front_end(config, {"sr": "40k", "f0": 1}) == (
        FrontEndValue("sampling_rate", 40000, "config[-1]"),
        FrontEndValue("filter_length", 2048, "config[0]"),
    )
    assert front_end(None, {"sr": "48k"}) == (FrontEndValue("sampling_rate", 48000, "sr"),)


def test_json_text_in_safetensors_metadata_is_read() -> None:
    metadata = {"format": "pt", "config": json.dumps({"data": {"hop_length": 320}})}
    assert front_end(metadata) == (FrontEndValue("hop_length", 320, "config.data.hop_length"),)


def test_booleans_and_words_are_no_values() -> None:
    assert front_end({"hop_length": True, "sampling_rate": "fast"}) == ()

"""Which model a checkpoint path or model id names."""

from __future__ import annotations

import pytest

from auditor.extract.python import builtin_components
from auditor.extract.python.checkpoint_names import (
    checkpoint_words,
    families,
    identity,
    words_of,
)


def test_words_are_lower_case_runs_of_letters_and_digits() -> None:
    assert words_of("GPT_SoVITS\\pretrained/large-v2.pt") == [
        "gpt", "sovits", "pretrained", "large", "v2", "pt",
    ]  # fmt: skip


def test_the_data_file() -> None:
    words = checkpoint_words()
    assert {"tiny", "base", "medium", "large"} <= words.sizes
    assert words.version.match("v2") and words.version.match("v2pro")
    assert not words.version.match("vits")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("whisper_pretrain/medium.pt", ("whisper",)),
        ("pretrained_eres2netv2w24s4ep4.ckpt", ("eres2net",)),
        ("TencentGameMate/chinese-hubert-base", ("hubert",)),
        ("pretrain/G_0.pth", ()),
    ],
)
def test_families(text: str, found: tuple[str, ...]) -> None:
    assert families(text, builtin_components()) == found


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("whisper_pretrain/medium.pt", ("medium", "whisper")),
        ("whisper_pretrain/large-v2.pt", ("large", "v2", "whisper")),
        ("assets/hubert/hubert_base.pt", ("base", "hubert")),
        ("pretrain/checkpoint_best_legacy_500.pt", ()),
        ("sovits5.0_bigvgan_mix_v2.pth", ("bigvgan", "v2")),
    ],
)
def test_identity(path: str, words: tuple[str, ...]) -> None:
    assert identity(path, builtin_components()) == words

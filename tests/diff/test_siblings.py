import pytest

from auditor.diff.siblings import sibling_of, variant_name

CONFIGS = [
    "GPT_SoVITS/configs/s1.yaml",
    "GPT_SoVITS/configs/s1big.yaml",
    "GPT_SoVITS/configs/s1longer.yaml",
    "GPT_SoVITS/configs/s2.json",
    "GPT_SoVITS/configs/train.yaml",
    "GPT_SoVITS/text/symbols.py",
    "other/s2.json",
]


@pytest.mark.parametrize(
    ("new", "sibling"),
    [
        ("GPT_SoVITS/configs/s2v2Pro.json", "GPT_SoVITS/configs/s2.json"),
        ("GPT_SoVITS/configs/s2v2ProPlus.json", "GPT_SoVITS/configs/s2.json"),
        ("GPT_SoVITS/configs/s1longer-v2.yaml", "GPT_SoVITS/configs/s1longer.yaml"),
        ("GPT_SoVITS/configs/s1big2.yaml", "GPT_SoVITS/configs/s1big.yaml"),
        ("GPT_SoVITS/text/symbols2.py", "GPT_SoVITS/text/symbols.py"),
        ("GPT_SoVITS/configs/tts_infer.yaml", None),
        ("GPT_SoVITS/configs/s2.yaml", None),
        ("GPT_SoVITS/configs/s1big_onnx.yaml", None),
        ("GPT_SoVITS/configs/s1longer_fast.yaml", None),
        ("elsewhere/s2v2Pro.json", None),
        ("GPT_SoVITS/configs/s2.json", None),
    ],
)
def test_sibling_of(new: str, sibling: str | None) -> None:
    assert sibling_of(new, CONFIGS) == sibling


@pytest.mark.parametrize(
    ("new", "existing", "sibling"),
    [
        # a size or tier word among the sibling's words
        ("c/config_tiny_template.json", ["c/config_template.json"], "c/config_template.json"),
        ("c/net_lite_template.json", ["c/net_template.json"], "c/net_template.json"),
        ("c/config_onnx_template.json", ["c/config_template.json"], None),
        # names that differ in a size or rate: the nearest wins
        (
            "rvc/configs/24000.json",
            ["rvc/configs/32000.json", "rvc/configs/48000.json"],
            "rvc/configs/32000.json",
        ),
        (
            "configs/config_44k.json",
            ["configs/config_32k.json", "configs/config_48k.json"],
            "configs/config_48k.json",
        ),
        # stage numbers are not sizes
        ("configs/s2.yaml", ["configs/s1.yaml"], None),
    ],
)
def test_tiers_and_sizes(new: str, existing: list[str], sibling: str | None) -> None:
    assert sibling_of(new, existing) == sibling


@pytest.mark.parametrize(
    ("new", "existing", "sibling"),
    [
        ("SynthesizerTrnV3", ["SynthesizerTrn", "TextEncoder"], "SynthesizerTrn"),
        ("NetV3b", ["NetV3", "Net"], "NetV3"),
        ("TextEncoder768", ["TextEncoder256", "PosteriorEncoder"], "TextEncoder256"),
        ("ResBlock2", ["ResBlock1"], None),
        ("Encoders", ["Encoder"], None),
    ],
)
def test_class_variants(new: str, existing: list[str], sibling: str | None) -> None:
    assert variant_name(new, existing) == sibling

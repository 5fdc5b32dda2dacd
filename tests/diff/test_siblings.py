import pytest

from auditor.diff.siblings import sibling_of

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

"""Checkpoint generations: the variants of the runtime profile a tree can build."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from auditor.changelog.generations import (
    declared_profile,
    generations_at,
    init_parameters,
)
from auditor.classify.concerns import MODEL_MAP, load_model_map
from auditor.history import BlobReader, files_at, open_repository

MODELS = """
class SynthesizerTrn(nn.Module):
    def __init__(self, spec_channels, segment_size, version="v2", **kwargs):
        super().__init__()
"""
V3 = """
class SynthesizerTrnV3(nn.Module):
    def __init__(self, spec_channels, segment_size, **kwargs):
        super().__init__()
"""


def test_init_parameters() -> None:
    assert init_parameters(MODELS, "SynthesizerTrn") == {"spec_channels", "segment_size", "version"}
    assert init_parameters(MODELS, "SynthesizerTrnV3") is None
    assert init_parameters("class SynthesizerTrn:\n    pass\n", "SynthesizerTrn") == frozenset()
    assert init_parameters("def broken(:\n", "SynthesizerTrn") is None


def _tree(files: Mapping[str, str]) -> tuple[dict[str, str], Callable[[str], bytes | None]]:
    listed = {path: f"blob-{path}" for path in files}
    return listed, lambda path: files[path].encode() if path in files else None


def _names(files: Mapping[str, str]) -> dict[str, list[str | None]]:
    listed, read = _tree(files)
    profile = declared_profile(listed, read)
    found = generations_at(load_model_map(MODEL_MAP), profile, listed, read)
    return {model: [g.name for g in gens] for model, gens in found.items()}


def test_variants_a_gpt_sovits_tree_can_build() -> None:
    files = {
        "GPT_SoVITS/module/models.py": MODELS + V3,
        "GPT_SoVITS/configs/s2.json": "{}",
        "GPT_SoVITS/configs/s2v2Pro.json": "{}",
        "GPT_SoVITS/configs/s1longer.yaml": "",
        "GPT_SoVITS/configs/s1longer-v2.yaml": "",
        "GPT_SoVITS/AR/models/t2s_model.py": "class Text2SemanticDecoder:\n    pass\n",
    }
    # v3 is SynthesizerTrnV3 as soon as it exists; v4 needs a version parameter it does
    # not take yet; v2ProPlus a config this tree lacks; the GPT stage's own build reads
    # another config than its v2
    assert _names(files) == {
        "SoVITS generator": ["v1", "v2", "v2Pro", "v3"],
        "GPT stage": [None, "v2"],
    }


def test_a_model_without_shipped_variants_has_no_generations() -> None:
    files = {
        "GPT_SoVITS/module/models.py": MODELS.replace('version="v2", ', ""),
        "GPT_SoVITS/configs/s2.json": "{}",
    }
    assert _names(files) == {}


def test_no_profile_no_generations() -> None:
    listed, read = _tree({"configs/config.json": "{}", "models.py": MODELS})
    assert declared_profile(listed, read) is None
    assert generations_at(load_model_map(MODEL_MAP), None, listed, read) == {}


def test_mini_sovits_generations_by_release(sample_repo: Callable[[str], Path]) -> None:
    repo = open_repository(sample_repo("mini_sovits"))
    try:
        with BlobReader(repo) as blobs:
            found = {}
            for tag in ("v1.0", "v3.0", "v3.2"):
                tree = files_at(repo, tag)

                def read(path: str, tree: dict[str, str] = tree) -> bytes | None:
                    return blobs.read(tree[path])

                by_model = generations_at(
                    load_model_map(MODEL_MAP), declared_profile(tree, read), tree, read
                )
                found[tag] = [g.label for gens in by_model.values() for g in gens]
    finally:
        repo.close()
    assert found["v1.0"] == ["SoVITS generator v1", "SoVITS generator v2"]
    # s2v2Pro.json arrives in v3.0 and moves to configs_v2/ in v3.1
    assert found["v3.0"] == found["v3.2"] == [*found["v1.0"], "SoVITS generator v2Pro"]

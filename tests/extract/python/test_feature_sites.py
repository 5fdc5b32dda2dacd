"""Stage 1 of feature sites: resampling calls, checkpoint loaders and layer selections."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from auditor.extract.python import ModuleSummary, summarise_module
from auditor.extract.python.expressions import Lit, Opaque
from auditor.extract.python.feature_sites import (
    container_path,
    is_loader_callee,
    is_resample_callee,
    layer_read,
    layers_deleted,
    may_name_a_path,
)
from auditor.extract.python.summary import LayerPick

SOURCE = """\
    import os
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    def load_model(path):
        model = torch.load(path, map_location="cpu")
        del model.decoder
        cut = len(model.encoder.blocks) // 4
        del model.encoder.blocks[-cut:]
        return model


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.Upsample(scale_factor=2)

        def forward(self, fea):
            fea = F.interpolate(fea, scale_factor=1.875, mode="nearest")
            return nn.Upsample(scale_factor=4)(fea)


    if __name__ == "__main__":
        whisper = load_model(os.path.join("whisper_pretrain", "medium.pt"))
    """


def summary(source: str = SOURCE) -> ModuleSummary:
    return summarise_module(textwrap.dedent(source).encode())


def subscript(code: str) -> cst.Subscript:
    node = cst.parse_expression(code)
    assert isinstance(node, cst.Subscript)
    return node


@pytest.mark.parametrize(
    ("callee", "resamples"),
    [
        ("torch.nn.functional.interpolate", True),
        ("torch.nn.Upsample", True),
        ("torch.nn.functional.upsample_nearest", True),
        ("module.interpolate", False),
        ("numpy.interp", False),
    ],
)
def test_resampling_callees(callee: str, resamples: bool) -> None:
    assert is_resample_callee(callee) is resamples


@pytest.mark.parametrize(
    ("callee", "loads"),
    [
        ("torch.load", True),
        ("load_model", True),
        ("transformers.HubertModel.from_pretrained", True),
        ("fairseq.checkpoint_utils.load_model_ensemble_and_task", True),
        ("json.load", False),
        ("librosa.load", False),
        ("uploader", False),
    ],
)
def test_loader_callees(callee: str, loads: bool) -> None:
    assert is_loader_callee(callee) is loads


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ('torch.load("a.pt")', True),
        ("torch.load(PATH)", True),
        ('load_model(os.path.join("w", "medium.pt"))', True),
        ('load_model_ensemble_and_task(["hubert.pt"])', True),
        ("torch.load(f(x))", False),
        ("torch.load(f=path)", False),
    ],
)
def test_what_may_name_a_path(code: str, named: bool) -> None:
    node = cst.parse_expression(code)
    assert isinstance(node, cst.Call)
    assert may_name_a_path(node) is named


def test_container_paths_leave_the_root_out() -> None:
    assert container_path(cst.parse_expression("model.encoder.blocks")) == "encoder.blocks"
    assert container_path(cst.parse_expression('res["hidden_states"]')) == "hidden_states"
    assert container_path(cst.parse_expression("layers")) == "layers"
    assert container_path(cst.parse_expression("model.decoder")) is None


@pytest.mark.parametrize(
    ("code", "read"),
    [
        ('res["hidden_states"][-3:-2]', ("hidden_states", "[-3:-2]")),
        ("out.hidden_states[9]", ("hidden_states", "[9]")),
        ("self.model.layers[:9]", ("model.layers", "[:9]")),
        ("self.layers[0]", None),
        ("self.layers[i]", None),
        ("hidden_states[:, 0]", None),
        ("x[-1]", None),
    ],
)
def test_layer_reads(code: str, read: tuple[str, str] | None) -> None:
    assert layer_read(subscript(code)) == read


def test_layers_deleted_and_attributes_deleted() -> None:
    module = cst.parse_module("del model.encoder.blocks[cut:], model.decoder\n")
    statement = module.body[0]
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.Del)
    assert layers_deleted(node) == [("encoder.blocks", "[cut:]")]


def test_the_summary_keeps_the_sites_of_methods_functions_and_the_main_block() -> None:
    found = summary()
    assert [(s.scope, s.call.callee, s.line) for s in found.resample_calls] == [
        ("Net.forward", "torch.nn.functional.interpolate", 21),
        ("Net.forward", "torch.nn.Upsample", 22),
    ]
    assert [(s.scope, s.call.callee, s.line) for s in found.loader_calls] == [
        ("load_model", "torch.load", 8),
        ("<main>", "load_model", 26),
    ]
    assert found.loader_calls[1].shadowed == ("whisper",)
    assert found.layer_picks == (
        LayerPick(
            "load_model", "encoder.blocks", "del", Opaque("[-cut:]"), 11,
            ("cut", "model", "path"),
        ),
    )  # fmt: skip
    assert ModuleSummary.from_json(found.to_json()) == found


def test_output_layer_keywords_and_dict_entries() -> None:
    found = summary(
        """\
        def features(model, wav, version):
            inputs = {"source": wav, "output_layer": 9 if version == "v1" else 12}
            return model.extract_features(wav, output_layer=9), inputs
        """
    )
    picks = [(p.scope, p.target, p.how, p.line) for p in found.layer_picks]
    assert picks == [
        ("features", "output_layer", "keyword", 2),
        ("features", "extract_features.output_layer", "keyword", 3),
    ]
    assert found.layer_picks[1].value == Lit(9)


def test_a_function_without_sites_is_still_pruned() -> None:
    found = summary(
        """\
        import torch.nn.functional as F


        def pad(x):
            return F.pad(x, (0, 1))
        """
    )
    assert (found.resample_calls, found.loader_calls, found.layer_picks) == ((), (), ())

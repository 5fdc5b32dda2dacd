"""Placing entries: a trained model's checkpoints, inference code, or everything else."""

from __future__ import annotations

from auditor.changelog.contents import Location, Scope
from auditor.changelog.scope import place, place_all
from auditor.classify.concerns import parse_model_map
from auditor.extract.python import Reach
from auditor.extract.python.values import ClassRef
from tests.changelog.helpers import entry

MAP = parse_model_map(
    {
        "models": [
            {"name": "generator"},
            {"name": "export", "scope": "inference"},
            {"name": "separator", "scope": "other"},
        ],
        "concerns": [
            {"models": ["export"], "files": ["**/*_onnx.py"]},
            {"models": ["separator"], "files": ["tools/**"]},
            {"models": ["generator"], "files": ["models.py", "configs/*.json"], "roots": ["Net*"]},
            {"models": "all", "files": ["requirements.txt"]},
        ],
    },
    "test map",
)
PRESENT = ("generator",)


def test_each_scope_from_the_model_map() -> None:
    placed = place_all(
        [
            entry("model.hidden", file="configs/s2.json"),
            entry("Net.__init__.self.enc", file="models_onnx.py"),
            entry("tools/uvr5/net.py", file="tools/uvr5/net.py"),
            entry("torch", file="requirements.txt"),
        ],
        MAP,
        PRESENT,
    )
    assert [(e.scope, e.models) for e in placed] == [
        (Scope.CHECKPOINT, ("generator",)),
        (Scope.INFERENCE, ("export",)),
        (Scope.OTHER, ("separator",)),
        (Scope.CHECKPOINT, ("generator",)),
    ]


def test_a_config_and_its_export_copy_go_with_the_trained_model() -> None:
    both = entry(locations=(Location("models_onnx.py", 1), Location("configs/s2.json", 2)))
    assert place(both, MAP, PRESENT).scope is Scope.CHECKPOINT


def test_a_class_no_root_builds_is_set_aside_with_the_reason() -> None:
    net, backbone = ClassRef("models.py", "Net"), ClassRef("models.py", "Backbone")
    reach = Reach(
        roots=(net,),
        built={net: None},
        attributes={net: frozenset({"enc"}), backbone: frozenset({"attn"})},
        classes=frozenset({net, backbone}),
    )
    unbuilt = entry("Backbone.__init__.self.attn", file="models.py")
    placed = place(unbuilt, MAP, PRESENT, {("Net*",): (reach,)})
    assert placed.scope is Scope.OTHER
    assert placed.aside == "Backbone.attn is not built by Net*"
    built = place(
        entry("Net.__init__.self.enc", file="models.py"), MAP, PRESENT, {("Net*",): (reach,)}
    )
    assert built.scope is Scope.CHECKPOINT and built.aside is None


def test_unmapped_files_are_the_rest_where_the_map_knows_the_repository() -> None:
    script = entry("version", file="batch_inference.py")
    assert place(script, MAP, PRESENT).scope is Scope.OTHER
    # a layout the map does not know: the unmapped file may be the model itself
    assert place(script, MAP, ()).scope is Scope.CHECKPOINT

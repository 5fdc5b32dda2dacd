"""Stage-1 questions about code that decides which features a model sees, beside its weights.

- Resampling calls: ``F.interpolate(fea, scale_factor=1.875)`` or ``nn.Upsample(scale_factor=2)``
  in a method stretch features to another frame rate before the next layer.
- Checkpoint loaders given a path or model id: ``load_model(os.path.join("whisper_pretrain",
  "medium.pt"))``, ``torch.load(SV_PATH)``, ``HubertModel.from_pretrained("…-base")``.
- Layer selections: ``del model.encoder.blocks[cut:]`` and ``layers[:9]`` keep only some
  layers; ``out.hidden_states[-3]`` and ``output_layer=9`` read the features of one layer.

Also the text pre-checks that keep the functions holding them whole when a module is pruned.
"""

from __future__ import annotations

import re

import libcst as cst

from auditor.extract.python.syntax import dotted

_RESAMPLE = re.compile(
    r"^torch\.nn\.(?:functional\.(?:interpolate|upsample\w*)|(?:modules\.upsampling\.)?Upsampl\w*)$"
)
_LOADER = re.compile(
    r"(?:^|\.)(?:load|load_file|load_model\w*|load_checkpoint\w*|from_pretrained|hf_hub_download"
    r"|load_model_ensemble_and_task)$"
)
#: Libraries whose ``load`` reads data, not model weights.
_NOT_LOADERS = (
    "json.", "yaml.", "pickle.", "numpy.", "librosa.", "torchaudio.", "soundfile.",
    "builtins.", "importlib.", "toml.", "tomllib.",
)  # fmt: skip
#: Containers of an encoder's layers: slicing or deleting some of them truncates the encoder.
LAYER_CONTAINERS = frozenset({"blocks", "layers", "hidden_states"})
#: Containers whose single items are the outputs of one layer each (not layers to call).
_OUTPUTS = frozenset({"hidden_states"})
#: Keywords naming the layer features are read from.
LAYER_KEYWORDS = frozenset({"output_layer"})

#: ``load_model("…")``, ``torch.load(os.path.join("…", …))``, ``from_pretrained(PATH)``: a
#: loader given a string literal or a module constant.
_LOADER_GIVEN_A_PATH = (
    r"(?:load\w*|from_pretrained|hf_hub_download)\s*\(\s*(?:\[\s*)?(?:os\.path\.join\s*\(\s*)?"
    r"(?:[rRbBuU]?['\"]|[A-Z][A-Z0-9_]*\b)"
)
#: Text of a function body that may hold a feature site (it is then read whole).
KEEP = re.compile(
    r"interpolate|Upsampl|hidden_states|output_layer|\bdel\s+[\w.]+\["
    r"|(?:blocks|layers)\s*\[[^\]\n]*:|" + _LOADER_GIVEN_A_PATH
)
#: Text of a script's main block that may hold a loader given a path.
LOADER_GIVEN_A_PATH = re.compile(_LOADER_GIVEN_A_PATH)


def is_resample_callee(callee: str) -> bool:
    """Whether a (qualified) callee resamples tensors: ``torch.nn.functional.interpolate``,
    ``torch.nn.Upsample``."""
    return bool(_RESAMPLE.match(callee))


def is_loader_callee(callee: str) -> bool:
    """Whether a (qualified) callee loads weights from a path or model id."""
    return bool(_LOADER.search(callee)) and not callee.startswith(_NOT_LOADERS)


def may_name_a_path(node: cst.Call) -> bool:
    """Whether the first argument of a call could be a path stage 2 resolves: a string, a name,
    an attribute, ``os.path.join(...)`` or a list of those."""
    if not node.args or node.args[0].keyword is not None or node.args[0].star:
        return False
    value = node.args[0].value
    if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
        value = value.elements[0].value
    if isinstance(value, cst.Call):
        return dotted(value.func) in ("os.path.join", "path.join", "osp.join")
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Name, cst.Attribute))


def container_path(node: cst.BaseExpression) -> str | None:
    """Where a layer container is read from: ``encoder.blocks`` of ``model.encoder.blocks`` (the
    root, a local, is left out), ``hidden_states`` of ``out["hidden_states"]``; None unless its
    last name is one of :data:`LAYER_CONTAINERS`."""
    if isinstance(node, cst.Subscript):
        key = _string_key(node)
        return key if key in LAYER_CONTAINERS else None
    name = dotted(node)
    if name is None:
        return None
    parts = name.split(".")
    if parts[-1] not in LAYER_CONTAINERS:
        return None
    return ".".join(parts[1:] if len(parts) > 1 else parts)


def _string_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
        key = index.value.evaluated_value
        return key if isinstance(key, str) else None
    return None


def layer_read(node: cst.Subscript) -> tuple[str, str] | None:
    """``("hidden_states", "[-3:-2]")`` for a literal index or slice into layer outputs, or a
    literal slice of layers (``layers[:9]``); None for anything else (``self.layers[i]``, a
    tensor index ``hidden_states[:, 0]``)."""
    path = container_path(node.value)
    if path is None or len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if not _literal_selection(element):
        return None
    if isinstance(element, cst.Index) and path.rsplit(".", 1)[-1] not in _OUTPUTS:
        return None
    return path, _selection_text(node)


def layers_deleted(node: cst.Del) -> list[tuple[str, str]]:
    """``[("encoder.blocks", "[cut:]")]`` for ``del model.encoder.blocks[cut:]``: layers
    removed from a container, whatever the selection (deleting a whole attribute, such as an
    unused decoder, removes no layer the features come through)."""
    targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
    found: list[tuple[str, str]] = []
    for target in targets:
        value = target.value if isinstance(target, cst.Element) else target
        if isinstance(value, cst.Subscript):
            path = container_path(value.value)
            if path is not None:
                found.append((path, _selection_text(value)))
    return found


def _literal_selection(element: cst.BaseSlice) -> bool:
    if isinstance(element, cst.Index):
        return _literal_int(element.value)
    if isinstance(element, cst.Slice):
        bounds = (element.lower, element.upper, element.step)
        return all(b is None or _literal_int(b) for b in bounds)
    return False


def _literal_int(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


_EMPTY = cst.Module(body=[])


def _selection_text(node: cst.Subscript) -> str:
    """``[-3:-2]``: the subscript without its receiver and without spaces."""
    parts = ["".join(_EMPTY.code_for_node(e.slice).split()) for e in node.slice]
    return "[" + ",".join(parts) + "]"

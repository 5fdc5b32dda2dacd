"""Small questions about libcst nodes that the stage-1 visitor asks."""

from __future__ import annotations

import re

import libcst as cst

from auditor.extract.python.convert import source_text
from auditor.extract.python.expressions import Arg, Call, Expr, Name

AUDIO_CALLEE = re.compile(r"(?:^|\.)(?:mel_?spectrogram|spectrogram|melspectrogram)\w*$", re.I)
AUDIO_PREFIXES = ("librosa.", "torchaudio.transforms.", "torchaudio.compliance.")


def is_audio_callee(callee: str) -> bool:
    """Whether a call of this (qualified) callee sets up mel or STFT parameters."""
    return bool(AUDIO_CALLEE.search(callee)) or callee.startswith(AUDIO_PREFIXES)


#: Augmented assignment operators, as the binary operator they apply.
AUGMENTED: dict[type[cst.BaseAugOp], str] = {
    cst.AddAssign: "+", cst.SubtractAssign: "-", cst.MultiplyAssign: "*",
    cst.DivideAssign: "/", cst.FloorDivideAssign: "//", cst.ModuloAssign: "%",
    cst.PowerAssign: "**", cst.BitOrAssign: "|", cst.BitAndAssign: "&",
}  # fmt: skip
#: Methods that change a list or set in place in ways stage 2 does not model.
MUTATORS = frozenset(
    {"insert", "remove", "pop", "sort", "reverse", "clear", "update", "add", "discard"}
)


def dotted(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a name or attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def self_attr(node: cst.CSTNode) -> str | None:
    """``x`` for ``self.x``, else None."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return node.attr.value
    return None


def target_names(node: cst.CSTNode) -> list[str]:
    """The names an assignment or ``for`` target binds."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for e in node.elements for n in target_names(e.value)]
    return []


def list_of(value: Expr) -> Expr:
    """``list(value)``: what ``x.extend(value)`` adds."""
    return Call(Name("list"), "builtins.list", (Arg(value),))


def is_main_guard(test: cst.BaseExpression) -> bool:
    """Whether an ``if`` test is ``__name__ == "__main__"``."""
    return isinstance(test, cst.Comparison) and "__main__" in source_text(test)


def kwargs_lookup(node: cst.Call, kwargs: str) -> tuple[str, cst.BaseExpression | None] | None:
    """``("name", default)`` for ``kwargs.get("name", default)`` (or ``pop``/``setdefault``)."""
    func = node.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == kwargs
        and func.attr.value in ("get", "pop", "setdefault")
        and node.args
        and isinstance(node.args[0].value, cst.SimpleString)
    ):
        return None
    key = node.args[0].value.evaluated_value
    if not isinstance(key, str):
        return None
    return key, node.args[1].value if len(node.args) > 1 else None


def added_module(node: cst.Call) -> tuple[str, cst.Call] | None:
    """``("name", call)`` for ``self.add_module("name", Callee(...))``."""
    if len(node.args) != 2 or not isinstance(node.args[1].value, cst.Call):
        return None
    name = node.args[0].value
    value = name.evaluated_value if isinstance(name, cst.SimpleString) else None
    return (value, node.args[1].value) if isinstance(value, str) else None


def config_keys(target: cst.BaseExpression) -> tuple[str, ...] | None:
    """``("model", "ssl_dim")`` for ``cfg["model"]["ssl_dim"]``: the string subscripts of a
    nested config written by key, outermost first; None for anything else (a plain
    ``d["x"]`` is any dict, not a config section)."""
    keys: list[str] = []
    node: cst.BaseExpression = target
    while isinstance(node, cst.Subscript):
        if len(node.slice) != 1:
            return None
        index = node.slice[0].slice
        if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
            return None
        text = index.value.evaluated_value
        if not isinstance(text, str):
            return None
        keys.append(text)
        node = node.value
    if len(keys) < 2 or not isinstance(node, (cst.Name, cst.Attribute)):
        return None
    return tuple(reversed(keys))

"""The audio front end a checkpoint was trained with, read from a config wherever it sits.

A model hears what its front end makes of the audio: the sampling rate, the STFT (hop,
window and FFT lengths) and the mel filter bank. Weights load whatever these are, so a
change is silent; recording them lets ``verify`` say what moved. Projects name and place
them differently (``data.filter_length`` in VITS-family configs, ``n_fft`` or ``n_mels``
elsewhere, a top-level ``sr`` of ``"40k"`` in RVC saves, the last item of RVC's list
config), so each value is looked for under its aliases in the whole tree, the shallowest
match first (then the first in file order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Each front-end value and the names projects give it.
ALIASES: dict[str, tuple[str, ...]] = {
    "sampling_rate": ("sampling_rate", "sample_rate", "sr"),
    "hop_length": ("hop_length", "hop_size"),
    "win_length": ("win_length", "win_size"),
    "filter_length": ("filter_length", "n_fft", "fft_size"),
    "n_mel_channels": ("n_mel_channels", "n_mels", "num_mels"),
    "mel_fmin": ("mel_fmin", "fmin", "f_min"),
    "mel_fmax": ("mel_fmax", "fmax", "f_max"),
}
#: How deep a config tree is searched.
MAX_DEPTH = 6
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*k(?:hz)?", re.IGNORECASE)


@dataclass(frozen=True)
class FrontEndValue:
    """One front-end value and where it was found (``data.sampling_rate``, ``sr``)."""

    name: str
    value: int | float | None
    key: str


def front_end(config: Any, extras: Mapping[str, Any] | None = None) -> tuple[FrontEndValue, ...]:
    """The front-end values of CONFIG (a mapping, or RVC's list) and a checkpoint's EXTRAS
    (its other top-level entries, such as RVC's ``sr``), in :data:`ALIASES` order.

    A value found nowhere is left out. A JSON string holding an object (a safetensors
    metadata entry) is searched too.
    """
    found: dict[str, FrontEndValue] = {}
    if isinstance(config, list):
        found.update(_rvc_list(config))
    candidates = sorted(_leaves(config), key=lambda leaf: (leaf[0].count("."), leaf[2]))
    if extras:
        candidates += [(str(key), value, -1) for key, value in extras.items()]
    for name, aliases in ALIASES.items():
        if name in found:
            continue
        for key, value, _ in candidates:
            if key.rsplit(".", 1)[-1] in aliases and (number := _number(name, value)) is not None:
                found[name] = FrontEndValue(name, number, key)
                break
            if key.rsplit(".", 1)[-1] in aliases and value is None and name.startswith("mel_f"):
                found[name] = FrontEndValue(name, None, key)
                break
    return tuple(found[name] for name in ALIASES if name in found)


def front_end_dict(values: tuple[FrontEndValue, ...]) -> dict[str, dict[str, Any]]:
    """VALUES as JSON: ``{"sampling_rate": {"value": 32000, "key": "data.sampling_rate"}}``."""
    return {v.name: {"value": v.value, "key": v.key} for v in values}


def _leaves(tree: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any, int]]:
    """Every ``(dotted key, value, order)`` of TREE's mappings, JSON strings opened."""
    order = 0
    stack: list[tuple[str, Any, int]] = [(prefix, tree, depth)]
    while stack:
        where, node, level = stack.pop(0)
        if isinstance(node, str) and node.lstrip().startswith("{"):
            try:
                node = json.loads(node)
            except ValueError:
                continue
        if not isinstance(node, Mapping) or level > MAX_DEPTH:
            continue
        for key, value in node.items():
            name = f"{where}{key}"
            order += 1
            if isinstance(value, (Mapping, str)) and not _scalar_string(value):
                stack.append((f"{name}.", value, level + 1))
            yield name, value, order


def _scalar_string(value: Any) -> bool:
    return isinstance(value, str) and not value.lstrip().startswith("{")


def _number(name: str, value: Any) -> int | float | None:
    """VALUE as a number: ``"40k"`` is 40000 for a sampling rate; booleans are no numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and name == "sampling_rate":
        match = _RATE.fullmatch(value.strip())
        if match:
            rate = float(match[1]) * 1000
            return int(rate) if rate.is_integer() else rate
        if value.strip().isdigit():
            return int(value.strip())
    return None


def _rvc_list(config: list[Any]) -> dict[str, FrontEndValue]:
    """RVC stores its synthesizer's constructor arguments as a list: the first is
    ``spec_channels`` (``filter_length // 2 + 1``), the last the sampling rate."""
    found: dict[str, FrontEndValue] = {}
    if len(config) >= 2 and all(type(v) is int for v in (config[0], config[-1])):
        found["sampling_rate"] = FrontEndValue("sampling_rate", config[-1], "config[-1]")
        found["filter_length"] = FrontEndValue("filter_length", (config[0] - 1) * 2, "config[0]")
    return found

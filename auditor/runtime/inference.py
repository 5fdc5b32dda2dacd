"""Dummy inputs and model outputs, inside the runtime worker (imports torch lazily).

The inputs a profile describes are drawn from a seeded generator, so two revisions given the
same profile see the same tensors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.runtime.profile import term_from_json


def dummy(spec: Mapping[str, Any], namespace: Mapping[str, Any], device: str) -> Any:
    """A random tensor as SPEC describes it (shape terms are evaluated over NAMESPACE)."""
    import torch

    shape = [int(term_from_json(t).value(namespace)) for t in spec["shape"]]
    dtype = spec.get("dtype", "float")
    if dtype == "float":
        return torch.randn(shape, device=device)
    if dtype == "bool":
        return torch.randint(0, 2, shape, device=device).bool()
    low = int(term_from_json(spec["low"]).value(namespace)) if spec.get("low") else 0
    high = int(term_from_json(spec["high"]).value(namespace)) if spec.get("high") else 2
    kind = torch.long if dtype == "long" else torch.int32
    return torch.randint(low, high, shape, dtype=kind, device=device)


def tensors(output: Any, limit: int = 16) -> list[Any]:
    """The tensors in OUTPUT (a tensor, or nested tuples, lists and dicts), in order."""
    import torch

    found: list[Any] = []
    pending = [output]
    while pending and len(found) < limit:
        item = pending.pop(0)
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            pending[:0] = list(item)
        elif isinstance(item, dict):
            pending[:0] = list(item.values())
    return found


def tensor_shapes(output: Any, limit: int = 16) -> list[list[int]]:
    """The shapes of the tensors in OUTPUT."""
    return [list(t.shape) for t in tensors(output, limit)]

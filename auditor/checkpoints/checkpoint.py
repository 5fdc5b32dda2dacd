"""What a checkpoint holds, as pure data: its container, its tensors' shapes, its config."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias

#: A value that ``json.dumps`` writes as is.
JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"


class ContainerFormat(str, Enum):
    """How the checkpoint file is packed."""

    TORCH_ZIP = "torch-zip"
    TORCH_LEGACY = "torch-legacy"
    PICKLE = "pickle"
    SAFETENSORS = "safetensors"


# Slots and frozen: a pickle's BUILD opcode can neither add attributes nor change fields.
@dataclass(frozen=True, slots=True)
class TensorInfo:
    """A tensor's element type (torch's name: ``float16``, ``int64``) and shape."""

    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        """How many elements the tensor has."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read from its file, tensor data left unread.

    ``extras`` are the container's other top-level entries that are plain values (RVC's
    ``version``, ``sr`` and ``f0``; ``info``; so-vits-svc's ``iteration``), in file order.
    """

    format: ContainerFormat
    version_tag: str | None
    tensors: dict[str, TensorInfo]
    config: JSONValue
    container_keys: tuple[str, ...]
    extras: dict[str, JSONValue] = field(default_factory=dict)

    @property
    def parameter_count(self) -> int:
        """The number of elements over every tensor of the state dict."""
        return sum(info.numel for info in self.tensors.values())


@dataclass(frozen=True)
class CheckpointFile:
    """What ``model-audit ckpt-info`` writes: a checkpoint and the path it was read from."""

    checkpoint: Checkpoint
    file: str

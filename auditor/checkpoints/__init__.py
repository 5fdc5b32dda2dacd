"""Read what a checkpoint holds (container, tensor shapes, config) without running its code.

A checkpoint is untrusted input: a pickle can run code when it is loaded. Nothing here imports
torch or executes anything the file brings; what cannot be read safely is refused.
"""

from auditor.checkpoints.checkpoint import Checkpoint, ContainerFormat, TensorInfo
from auditor.checkpoints.errors import CheckpointError, UnsafeCheckpoint
from auditor.checkpoints.reader import read_checkpoint

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "ContainerFormat",
    "TensorInfo",
    "UnsafeCheckpoint",
    "read_checkpoint",
]

"""Why a checkpoint cannot be read: unreadable (exit 2) or refused as unsafe (exit 3)."""

from auditor.errors import AuditError


class CheckpointError(AuditError):
    """The checkpoint is missing, truncated, corrupt, or in no format this tool reads."""


class UnsafeCheckpoint(CheckpointError):
    """The checkpoint asks for something that could run code; it was refused, not loaded."""

"""Runtime confirmation: build a repository's models at two revisions and load old into new.

What to build, from which files and config, and how to run it is data (a profile); the
models are built from git objects in worker processes, never in the auditor's own.
"""

from auditor.runtime.confirm import WorkerError, confirm
from auditor.runtime.model import (
    ModelResult,
    Outcome,
    Rename,
    RuntimeReport,
    ShapeMismatch,
)
from auditor.runtime.profile import Profile, ProfileError, load_profile, parse_profile

__all__ = [
    "ModelResult",
    "Outcome",
    "Profile",
    "ProfileError",
    "Rename",
    "RuntimeReport",
    "ShapeMismatch",
    "WorkerError",
    "confirm",
    "load_profile",
    "parse_profile",
]

"""Checkpoint identity and provenance: identify a checkpoint, stamp it, verify it later.

- :func:`identify`: which model and generation a checkpoint is, what
  ``torch.load(weights_only=True)`` refuses in it, and which releases of a repository load it
  (with the first commit of each break).
- :func:`stamp`: write its provenance manifest (commit, config, front end, environment,
  digests) next to it, or into a safetensors header. Training scripts call it too::

      from auditor.provenance import stamp
      stamp("logs/s2G_e8.pth", ".")

- :func:`verify`: check the file against its manifest, then audit the way from the stamped
  commit to a revision: findings about its model, the runtime check, the first commit that
  breaks it, the environment's drift.
"""

from auditor.provenance.identify import Identification, identify
from auditor.provenance.manifest import Manifest, ManifestError
from auditor.provenance.stamp import Stamped, StampRefused, stamp
from auditor.provenance.verify import CannotVerify, Verdict, Verification, verify

__all__ = [
    "CannotVerify",
    "Identification",
    "Manifest",
    "ManifestError",
    "StampRefused",
    "Stamped",
    "Verdict",
    "Verification",
    "identify",
    "stamp",
    "verify",
]

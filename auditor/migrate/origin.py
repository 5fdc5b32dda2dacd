"""The revision a checkpoint was trained at: given, stamped in its manifest, or identified.

``--from REV`` wins; else the commit its provenance manifest names (a sidecar
``CKPT.model-audit.json`` or a safetensors header, written by ``model-audit stamp``); else
:func:`~auditor.provenance.identify.identify` checks it at the repository's releases and the
newest release that loads it is taken.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import AuditError
from auditor.provenance.identify import identify
from auditor.provenance.verify import find_manifest
from auditor.runtime.profile import Profile


@dataclass(frozen=True)
class Origin:
    """Where the checkpoint's revision comes from: ``given``, ``manifest`` or ``identify``,
    and what says so."""

    revision: str
    basis: str
    detail: str


def checkpoint_origin(
    path: Path,
    repository: str | os.PathLike[str],
    profile: Profile,
    given: str | None = None,
) -> Origin:
    """The revision of the checkpoint at PATH (GIVEN, its manifest's, or identified)."""
    if given is not None:
        return Origin(given, "given", "--from")
    manifest, where = find_manifest(path)
    if manifest is not None:
        return Origin(manifest.repository.commit, "manifest", f"its provenance manifest ({where})")
    found = identify(path, repository, profile)
    release = found.model
    if release is None or not release.status.loads:
        why = found.not_checked or "no release loads it"
        raise AuditError(
            f"{path}: cannot tell which revision it was trained at ({why}); give --from REV"
        )
    return Origin(release.sha, "identify", f"the newest release that loads it ({release.name})")

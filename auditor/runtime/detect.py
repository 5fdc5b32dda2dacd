"""Which runtime profile fits a repository: its own, one named, or one its layout marks.

In order: ``--profile NAME|FILE``; the repository's own ``.model-audit-profile.yaml`` at
the new revision (it knows its models best); the first shipped profile whose ``detect``
paths exist at the new revision (one path of each group). When none fits, the error lists
the shipped ones.
"""

from __future__ import annotations

import os

from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.profile import (
    Profile,
    ProfileError,
    available_profiles,
    load_profile,
    parse_profile,
)

#: A repository's own profile, read from the new revision's tree.
OWN_PROFILE = ".model-audit-profile.yaml"


def pick_profile(path: str | os.PathLike[str], revision: str, spec: str | None) -> Profile:
    """The profile for the repository at PATH, judged by its tree at REVISION.

    SPEC, when given, names a shipped profile or a profile file and wins.
    """
    if spec is not None:
        return load_profile(spec)
    repo = open_repository(path)
    try:
        sha = resolve_revision(repo, revision)
        tree = files_at(repo, sha)
        if OWN_PROFILE in tree:
            with BlobReader(repo) as blobs:
                data = blobs.read(tree[OWN_PROFILE])
            if data is None:
                raise ProfileError(f"{OWN_PROFILE} at {revision}: blob is missing")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ProfileError(f"{OWN_PROFILE} at {revision} is not UTF-8") from None
            return parse_profile(text, f"{OWN_PROFILE} at {revision}")
    finally:
        repo.close()
    names = available_profiles()
    for name in names:
        profile = load_profile(name)
        if profile.fits(tree):
            return profile
    raise ProfileError(
        f"no runtime profile fits {os.fspath(path)} at {revision}: none of the shipped "
        f"profiles ({', '.join(names)}) finds its files there; give one with --profile "
        f"NAME|FILE or commit a {OWN_PROFILE}"
    )

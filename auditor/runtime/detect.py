"""Which runtime profile fits a repository: its own, one named, one its layout marks, or one
inferred from its code.

In order: ``--profile NAME|FILE``; the repository's own ``.model-audit-profile.yaml`` at
the new revision (it knows its models best); the first shipped profile whose ``detect``
paths exist at the new revision (one path of each group); else the profile the code at the
new revision says (:mod:`auditor.runtime.inferred`). ``infer`` skips the repository's own
and the shipped ones. When nothing fits and nothing can be inferred, the error lists the
shipped profiles and why inference failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from auditor.history import BlobReader, files_at, open_repository, resolve_revision
from auditor.runtime.inferred import infer_profile
from auditor.runtime.profile import (
    PROFILE_DIR,
    Profile,
    ProfileError,
    available_profiles,
    load_profile,
    parse_profile,
)

#: A repository's own profile, read from the new revision's tree.
OWN_PROFILE = ".model-audit-profile.yaml"


@dataclass(frozen=True)
class ChosenProfile:
    """The profile, its YAML text (what ``runtime --show-profile`` prints), and whether it
    was inferred from the code."""

    profile: Profile
    text: str
    inferred: bool = False


def pick_profile(path: str | os.PathLike[str], revision: str, spec: str | None) -> Profile:
    """The profile for the repository at PATH, judged by its tree at REVISION.

    SPEC, when given, names a shipped profile or a profile file and wins.
    """
    return choose_profile(path, revision, spec).profile


def choose_profile(
    path: str | os.PathLike[str], revision: str, spec: str | None, *, infer: bool = False
) -> ChosenProfile:
    """The profile for the repository at PATH at REVISION, with its text (see the module).

    SPEC, when given, names a shipped profile or a profile file and wins; INFER (not with
    SPEC) infers one from the code whatever else fits.
    """
    if spec is not None:
        profile = load_profile(spec)
        shipped = PROFILE_DIR / f"{spec}.yaml"
        file = Path(spec) if Path(spec).is_file() else shipped
        return ChosenProfile(profile, file.read_text(encoding="utf-8"))
    if infer:
        found = infer_profile(path, revision)
        return ChosenProfile(found.profile, found.text, inferred=True)
    repo = open_repository(path)
    try:
        tree = files_at(repo, resolve_revision(repo, revision))
        with BlobReader(repo) as blobs:
            declared = declared_profile(tree, lambda file: blobs.read(tree[file]), revision)
    finally:
        repo.close()
    if declared is not None:
        return declared
    try:
        found = infer_profile(path, revision)
    except ProfileError as error:
        raise ProfileError(
            f"no runtime profile fits {os.fspath(path)} at {revision}: none of the shipped "
            f"profiles ({', '.join(available_profiles())}) finds its files there, and "
            f"{error}; give one with --profile NAME|FILE or commit a {OWN_PROFILE}"
        ) from None
    return ChosenProfile(found.profile, found.text, inferred=True)


def declared_profile(
    tree: Mapping[str, str], read: Callable[[str], bytes | None], revision: str
) -> ChosenProfile | None:
    """The repository's own profile in TREE (its files, READ by path), else the first
    shipped profile that fits TREE; None when neither. Raises :class:`ProfileError` for an
    own profile that cannot be read or is invalid."""
    if OWN_PROFILE in tree:
        data = read(OWN_PROFILE)
        if data is None:
            raise ProfileError(f"{OWN_PROFILE} at {revision}: blob is missing")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProfileError(f"{OWN_PROFILE} at {revision} is not UTF-8") from None
        return ChosenProfile(parse_profile(text, f"{OWN_PROFILE} at {revision}"), text)
    for name in available_profiles():
        profile = load_profile(name)
        if profile.fits(tree):
            text = (PROFILE_DIR / f"{name}.yaml").read_text(encoding="utf-8")
            return ChosenProfile(profile, text)
    return None

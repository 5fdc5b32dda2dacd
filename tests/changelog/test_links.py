"""Forge links from the ``origin`` URL: GitHub and GitLab, https and ssh, no credentials."""

from __future__ import annotations

import pytest

from auditor.changelog.contents import Forge
from auditor.changelog.links import forge_for

GITHUB = Forge("github", "https://github.com/RVC-Boss/GPT-SoVITS")


@pytest.mark.parametrize(
    ("url", "forge"),
    [
        ("https://github.com/RVC-Boss/GPT-SoVITS.git", GITHUB),
        ("https://github.com/RVC-Boss/GPT-SoVITS", GITHUB),
        ("https://user:s3cret@github.com/RVC-Boss/GPT-SoVITS.git", GITHUB),
        ("git@github.com:RVC-Boss/GPT-SoVITS.git", GITHUB),
        ("ssh://git@github.com/RVC-Boss/GPT-SoVITS.git", GITHUB),
        ("ssh://git@ssh.github.com:443/RVC-Boss/GPT-SoVITS.git", GITHUB),
        ("git@gitlab.com:group/sub/repo.git", Forge("gitlab", "https://gitlab.com/group/sub/repo")),
        ("https://gitlab.example.org/a/b", Forge("gitlab", "https://gitlab.example.org/a/b")),
        ("https://bitbucket.org/a/b.git", None),
        ("/srv/git/repo.git", None),
        ("file:///srv/git/repo.git", None),
        ("https://github.com/only-owner", None),
        (None, None),
    ],
)
def test_forge_for(url: str | None, forge: Forge | None) -> None:
    assert forge_for(url) == forge


def test_link_shapes() -> None:
    assert GITHUB.commit_url("abc") == "https://github.com/RVC-Boss/GPT-SoVITS/commit/abc"
    assert (
        GITHUB.compare_url("v1", "v2") == "https://github.com/RVC-Boss/GPT-SoVITS/compare/v1...v2"
    )
    assert GITHUB.tag_url("v1") == "https://github.com/RVC-Boss/GPT-SoVITS/releases/tag/v1"
    lab = Forge("gitlab", "https://gitlab.com/g/r")
    assert lab.commit_url("abc") == "https://gitlab.com/g/r/-/commit/abc"
    assert lab.compare_url("v1", "v2") == "https://gitlab.com/g/r/-/compare/v1...v2"
    assert lab.tag_url("v1") == "https://gitlab.com/g/r/-/tags/v1"

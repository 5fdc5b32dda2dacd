"""Which profile fits a repository: --profile, the repository's own, or its layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.runtime.detect import OWN_PROFILE, pick_profile
from auditor.runtime.profile import ProfileError, available_profiles
from tests.gitrepo import GitRepo

OWN = """
name: tiny
files: ["*.py", "*.json"]
models:
  - name: net
    module: nets
    class: Net
    config: conf.json
"""


def test_the_samples_layout_picks_gpt_sovits(sample_repo: Callable[[str], Path]) -> None:
    profile = pick_profile(sample_repo("mini_sovits"), "v1.0", None)
    assert profile.name == "gpt-sovits"
    assert profile.detect == (("GPT_SoVITS/module/models.py",),)


def test_the_repositorys_own_profile_at_the_new_revision_wins(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("GPT-SoVITS layout", {"GPT_SoVITS/module/models.py": "x = 1\n"})
    repo.commit("Own profile", {OWN_PROFILE: OWN})
    assert pick_profile(repo.path, "HEAD", None).name == "tiny"
    assert pick_profile(repo.path, "HEAD~1", None).name == "gpt-sovits"
    assert pick_profile(repo.path, "HEAD", "gpt-sovits").name == "gpt-sovits"


def test_a_bad_own_profile_is_named(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("Own profile", {OWN_PROFILE: OWN.replace("class: Net", "class: 9Net")})
    with pytest.raises(ProfileError, match=rf"profile {OWN_PROFILE} at HEAD: models\[0\]\.class"):
        pick_profile(repo.path, "HEAD", None)


def test_no_fitting_profile_lists_the_shipped_ones(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("Something else", {"train.py": "print('hi')\n"})
    with pytest.raises(ProfileError) as raised:
        pick_profile(repo.path, "HEAD", None)
    message = str(raised.value)
    shipped = ", ".join(available_profiles())
    assert "no runtime profile fits" in message and f"({shipped})" in message
    assert "--profile NAME|FILE" in message and OWN_PROFILE in message

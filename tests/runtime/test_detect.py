"""Which profile fits a repository: --profile, the repository's own, or its layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.runtime.detect import OWN_PROFILE, choose_profile, pick_profile
from auditor.runtime.profile import PROFILE_DIR, ProfileError, available_profiles, parse_profile
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
    # the code was read too, and says why it gives no profile
    assert "no profile can be inferred from the code at HEAD: no script builds" in message


NET = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.body = nn.Linear(width, width)


if __name__ == "__main__":
    import json
    hps = json.load(open("conf.json"))
    net = Net(hps["width"])
    torch.save(net.state_dict(), "net.pt")
"""


def test_the_code_gives_a_profile_where_none_fits(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("A net", {"nets.py": NET, "conf.json": '{"width": 4}'})
    chosen = choose_profile(repo.path, "HEAD", None)
    assert chosen.inferred and chosen.profile.source == "inferred from nets.py:14"
    shown = parse_profile(chosen.text, "shown")
    (model,) = shown.models
    assert (model.modules, model.class_name, model.config) == (("nets",), "Net", ("conf.json",))
    assert [t.to_json()["expression"] for t in model.args] == ["hps.width"]
    # forced inference passes over the repository's own profile
    repo.commit("Own profile", {OWN_PROFILE: OWN})
    assert choose_profile(repo.path, "HEAD", None).profile.name == "tiny"
    assert choose_profile(repo.path, "HEAD", None, infer=True).profile.name == "inferred"


def test_the_text_of_a_chosen_profile_is_its_file(sample_repo: Callable[[str], Path]) -> None:
    chosen = choose_profile(sample_repo("mini_sovits"), "v1.0", None)
    assert not chosen.inferred
    assert chosen.text == (PROFILE_DIR / "gpt-sovits.yaml").read_text(encoding="utf-8")
    assert choose_profile(".", "HEAD", "vits").text == (PROFILE_DIR / "vits.yaml").read_text(
        encoding="utf-8"
    )

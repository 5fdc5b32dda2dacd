"""``model-audit identify``, ``stamp`` and ``verify``: outputs, exit codes (0 fine, 1 breaks or
mismatch, 2 usage, 3 could not check) and errors that name the file, commit or argument."""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.provenance.manifest import sidecar_path
from tests.checkpoint_files import malicious_pickle
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.provenance.conftest import PHONEMES, Story, VariantStory
from tests.test_cli import run

#: A GPT-SoVITS GPT-stage checkpoint as a plain pickle: no torch needed to write it.
GPT = {
    "weight": {},
    "config": {"data": {"max_sec": 54}, "model": {"phoneme_vocab_size": 732}},
    "info": "GPT-e15",
}


def test_identify_the_file_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s1.ckpt"
    path.write_bytes(pickle.dumps(GPT, protocol=2))
    code, out, err = run(capsys, "identify", str(path))
    assert (code, err) == (0, "")
    assert "layout      an unknown model\n" in out
    assert "torch.load  torch.load(weights_only=True) loads it as is" in out
    code, out, _ = run(capsys, "identify", str(path), "--format", "json")
    document = json.loads(out)
    validate(document, "identify")
    assert (code, document["repository"], document["releases"]) == (0, None, [])
    assert document["not_checked"] == "no repository given"


def test_identify_refuses_an_unsafe_file(
    tmp_path: Path, mini_sovits: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(malicious_pickle(marker))
    code, out, err = run(capsys, "identify", str(path), str(mini_sovits))
    assert (code, out) == (3, "")
    assert err.startswith(f"unsafe: {path}: refused global ") and "nothing was loaded" in err
    assert not marker.exists()


def test_identify_in_a_repository_no_profile_fits(
    tmp_path: Path, make_repo: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    repo.commit("an unrelated project", {"README.md": "hello\n"})
    path = tmp_path / "s1.ckpt"
    path.write_bytes(pickle.dumps(GPT, protocol=2))
    code, out, err = run(capsys, "identify", str(path), str(repo.path))
    assert code == 3
    assert "releases    not checked: no runtime profile fits" in out
    assert err.startswith("could not check: no runtime profile fits")


@pytest.mark.torch
def test_identify_the_releases_that_load_it(
    mini_sovits: Path, v2_checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("identify", str(v2_checkpoint), str(mini_sovits), "--tip", "v2.0", "--no-cache")
    code, out, err = run(capsys, *args)
    assert code == 0
    assert out.rstrip().endswith(
        "fails at v1.0 with enc_p.ssl_proj.weight [256, 768, 1] -> "
        "[192, 768, 1] and 145 more shapes; loads at v2.0"
    )
    lines = err.splitlines()
    assert lines[0] == "model-audit: checking the checkpoint at 2 releases…"
    assert any(line.startswith("model-audit: v2.0 (") and line.endswith("(2/2)") for line in lines)
    code, out, err = run(capsys, "-q", *args, "--max-releases", "1", "--format", "json")
    document = json.loads(out)
    validate(document, "identify")
    assert (code, err, document["left_out"]) == (0, "", 1)
    assert [r["name"] for r in document["releases"]] == ["v2.0"]


@pytest.mark.torch
@pytest.mark.bisect
def test_stamp_then_verify(
    story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = tmp_path / "s2G.pth"
    shutil.copyfile(story.checkpoint, checkpoint)
    code, _, err = run(capsys, "stamp", str(checkpoint), str(story.clone))
    assert code == 1 and not sidecar_path(checkpoint).exists()
    assert err.startswith(f"not stamped: {checkpoint} at HEAD (")
    assert "(--force stamps it anyway)" in err
    code, out, _ = run(capsys, "stamp", str(checkpoint), str(story.clone), "--rev", "v1.0")
    assert code == 0 and sidecar_path(checkpoint).is_file()
    assert out.startswith(f"stamped     s2G.pth -> {sidecar_path(checkpoint)}\n")
    code, out, _ = run(capsys, "-q", "verify", str(checkpoint), str(story.clone), "--no-cache")
    assert code == 1
    assert "\nverdict     breaks: HEAD rejects it\n" in out
    assert f" {PHONEMES}: enc_p.text_embedding.weight [300, 192] -> [714, 192]\n" in out


@pytest.mark.torch
@pytest.mark.bisect
def test_verify_a_checkpoint_a_variant_loads(
    variant_story: VariantStory, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint, fork = variant_story.checkpoint, variant_story.fork
    code, out, _ = run(capsys, "-q", "verify", str(checkpoint), str(fork), "--no-cache")
    assert code == 0
    assert "\nverdict     loads as a variant: HEAD rejects it as sovits, but loads it as " in out


@pytest.mark.torch
def test_verify_errors_name_what_is_wrong(
    story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = tmp_path / "s2G.pth"
    shutil.copyfile(story.checkpoint, checkpoint)
    manifest = json.loads(sidecar_path(story.checkpoint).read_text())
    manifest["repository"]["commit"] = "e" * 40
    sidecar_path(checkpoint).write_text(json.dumps(manifest))
    code, out, err = run(capsys, "verify", str(checkpoint), str(story.clone))
    assert (code, out) == (3, "")
    assert err.startswith(f"could not check: the stamped commit {'e' * 12} (from ")
    sidecar_path(checkpoint).write_text("{}")
    code, out, err = run(capsys, "verify", str(checkpoint), str(story.clone))
    assert (code, out) == (2, "")
    assert f"{sidecar_path(checkpoint)} is not a model-audit manifest" in err
    sidecar_path(checkpoint).unlink()
    code, _, err = run(capsys, "verify", str(checkpoint), str(story.clone), "--to", "v9")
    assert code == 2 and "unknown revision 'v9'" in err


def test_stamp_names_a_missing_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s1.ckpt"
    path.write_bytes(pickle.dumps(GPT, protocol=2))
    code, out, err = run(capsys, "stamp", str(path), str(tmp_path / "nowhere"))
    assert (code, out) == (2, "")
    assert "nowhere: no such file or directory" in err
    assert not sidecar_path(path).exists()

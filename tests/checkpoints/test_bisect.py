"""bisect_checkpoint on the mini_sovits sample: the first commit whose model rejects a
checkpoint saved at v1.0 (or before a merge), verified by its parent; merges followed into
their branch; a change the static audit does not flag still found; every commit compared
with the model (variant) chosen at the base."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.checkpoints.bisect import CannotCheck, bisect_checkpoint, rejects
from auditor.checkpoints.check import check
from auditor.checkpoints.check_render import check_document, render_table
from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.reader import read_checkpoint
from auditor.checkpoints.results import (
    BisectVerdict,
    CheckOutcome,
    CheckResult,
    ChoiceBasis,
    Comparison,
    KeyMapping,
    ModelChoice,
)
from auditor.pipeline import AuditOptions
from auditor.runtime.maps import state_maps
from auditor.runtime.profile import load_profile, parse_profile
from auditor.runtime.results import ShapeMismatch
from tests.checkpoint_files import saved_checkpoint
from tests.conftest import validate
from tests.gitrepo import GitRepo

pytestmark = pytest.mark.bisect

PROFILE = load_profile("gpt-sovits")
PHONEMES = "Add Japanese, Korean and Cantonese phonemes"
SV_EMB = "Add a speaker-verification embedding (sv_emb)"


def sha_of(repo: Path, subject: str) -> str:
    log = subprocess.run(
        ["git", "log", "--all", "--format=%H %s"], cwd=repo, capture_output=True, text=True
    ).stdout
    return next(line.split(" ", 1)[0] for line in log.splitlines() if line.endswith(subject))


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


@pytest.fixture(scope="module")
def v1_checkpoint(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Checkpoint:
    return read_checkpoint(saved_checkpoint(tmp_path_factory, mini_sovits, "v1.0"))


def checker(repo: Path, checkpoint: Checkpoint) -> Callable[[str, str | None], CheckResult]:
    return lambda sha, model: check(checkpoint, state_maps(repo, sha, PROFILE), model)


def no_cache() -> AuditOptions:
    return AuditOptions(use_cache=False)


@pytest.mark.torch
def test_first_rejecting_commit_of_a_release(mini_sovits: Path, v1_checkpoint: Checkpoint) -> None:
    result = bisect_checkpoint(
        mini_sovits, "v1.0..v3.1", checker(mini_sovits, v1_checkpoint), no_cache()
    )
    assert result.verdict is BisectVerdict.FOUND
    assert result.first_rejecting is not None
    assert result.first_rejecting.subject == PHONEMES
    assert result.parent_accepts is True and result.searched == "candidates"
    assert result.check.outcome is CheckOutcome.FAILS_TO_LOAD
    assert result.model == "sovits"
    assert result.check.choice == ModelChoice(
        "sovits", ChoiceBasis.RANGE_BASE, "sovits, the checkpoint's model at the base of the range"
    )
    assert result.check.comparison is not None
    (mismatch,) = result.check.comparison.mismatches
    assert (mismatch.key, mismatch.old, mismatch.new) == (
        "enc_p.text_embedding.weight",
        (300, 192),
        (714, 192),
    )
    subjects = {c.subject for c in result.candidates}
    assert {PHONEMES, "Widen the SoVITS text encoder to 256 channels"} <= subjects
    assert not subjects & {"更新中文文档", "Upgrade gradio to 4.44", "Tidy s2.json formatting"}
    count = ["git", "rev-list", "--first-parent", "--count", "v1.0..v3.1"]
    mainline = subprocess.run(count, cwd=mini_sovits, capture_output=True, text=True).stdout
    assert len(result.candidates) < result.commits_in_range == int(mainline)
    tested = [(t.role, t.rejects) for t in result.trials]
    assert tested[:2] == [("base", False), ("tip", True)]
    assert len(tested) < len(result.candidates)
    assert len({t.commit.sha for t in result.trials}) == len(tested)
    document = check_document(v1_checkpoint, "s2G.pth", str(mini_sovits), result.check, result)
    validate(document, "ckpt-check")
    assert document["bisect"]["first_rejecting"]["subject"] == PHONEMES
    assert document["bisect"]["model"] == "sovits"
    assert document["check"]["choice"]["by"] == "range-base"
    text = render_table(v1_checkpoint, "s2G.pth", result.check, result)
    assert "model       sovits at every commit\n" in text
    checked = (
        f"searched    {len(tested) - 1} of {result.commits_in_range} commits checked, and the base"
    )
    assert checked in text
    assert f"first commit that rejects the checkpoint: {sha_of(mini_sovits, PHONEMES)[:7]}" in text
    assert "enc_p.text_embedding.weight  [300, 192] -> [714, 192]" in text


@pytest.mark.torch
def test_a_merge_is_followed_into_its_branch(
    mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before_merge = sha_of(mini_sovits, "日本語のREADMEを更新")
    checkpoint = read_checkpoint(saved_checkpoint(tmp_path_factory, mini_sovits, before_merge))
    result = bisect_checkpoint(
        mini_sovits, f"{before_merge}..v2.0", checker(mini_sovits, checkpoint), no_cache()
    )
    assert result.verdict is BisectVerdict.FOUND
    assert result.first_rejecting is not None
    assert result.first_rejecting.subject == SV_EMB
    assert result.parent_accepts is True
    assert result.check.outcome is CheckOutcome.LOADS_WITH_MISSING_KEYS
    assert result.check.comparison is not None
    assert result.check.comparison.missing_keys == ("sv_emb.bias", "sv_emb.weight")
    assert "branch" in {t.role for t in result.trials}
    assert [c.subject for c in result.candidates] == ["Merge branch 'feature/sv-embedding'"]


@pytest.mark.torch
def test_a_change_the_static_audit_does_not_flag_is_found(
    mini_sovits: Path, v1_checkpoint: Checkpoint, tmp_path: Path
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - {rule: MA102, reason: the symbol table grows on purpose}\n"
        "  - {rule: MA103, reason: the symbol table grows on purpose}\n",
        encoding="utf-8",
    )
    options = AuditOptions(use_cache=False, ignore_file=ignore)
    readme = sha_of(mini_sovits, "更新中文文档")
    result = bisect_checkpoint(
        mini_sovits, f"v1.0..{readme}", checker(mini_sovits, v1_checkpoint), options
    )
    assert result.candidates == ()
    assert result.verdict is BisectVerdict.FOUND and result.searched == "all-commits"
    assert result.first_rejecting is not None
    assert result.first_rejecting.subject == PHONEMES
    assert result.parent_accepts is True


@pytest.mark.torch
def test_a_variant_chosen_at_the_base_is_kept(
    mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    saved = saved_checkpoint(
        tmp_path_factory, mini_sovits, "v1.0", model="sovits@v2", version=False
    )
    checkpoint = read_checkpoint(saved)
    result = bisect_checkpoint(
        mini_sovits, "v1.0..v3.1", checker(mini_sovits, checkpoint), no_cache()
    )
    assert result.model == "sovits@v2"
    assert result.first_rejecting is not None
    assert result.first_rejecting.subject == PHONEMES
    assert result.parent_accepts is True
    assert result.check.comparison is not None
    assert result.check.comparison.model == "sovits@v2"
    # v2 reads 704 reference bins: only the symbol table differs, not ref_enc (1025 in v1)
    (mismatch,) = result.check.comparison.mismatches
    assert (mismatch.key, mismatch.old, mismatch.new) == (
        "enc_p.text_embedding.weight",
        (300, 192),
        (714, 192),
    )


@pytest.mark.torch
def test_loads_at_tip_and_rejected_at_base(mini_sovits: Path, v1_checkpoint: Checkpoint) -> None:
    check_at = checker(mini_sovits, v1_checkpoint)
    root = sha_of(mini_sovits, "Initial commit")
    loads = bisect_checkpoint(mini_sovits, f"{root}..v1.0", check_at, no_cache())
    assert loads.verdict is BisectVerdict.LOADS_AT_TIP and loads.first_rejecting is None
    assert [t.role for t in loads.trials] == ["base", "tip"]
    assert (loads.searched, loads.candidates) == ("none", ())
    assert loads.check.loads and loads.check.sha == loads.tip
    rejected = bisect_checkpoint(mini_sovits, "v2.0..v3.1", check_at, no_cache())
    assert rejected.verdict is BisectVerdict.REJECTED_AT_BASE
    assert [t.role for t in rejected.trials] == ["base"]
    assert (rejected.searched, rejected.candidates) == ("none", ())
    assert rejected.check.sha == rejected.base
    validate(check_document(v1_checkpoint, "s2G.pth", ".", rejected.check, rejected), "ckpt-check")


@pytest.mark.torch
def test_base_without_the_model_cannot_be_checked(
    mini_sovits: Path, v1_checkpoint: Checkpoint
) -> None:
    shipped = Path(__file__).resolve().parents[2] / "auditor/runtime/profiles/gpt-sovits.yaml"
    text = shipped.read_text(encoding="utf-8")
    elsewhere = parse_profile(text.replace("- GPT_SoVITS/configs/s2.json", "- nowhere.json"), "t")

    def check_at(sha: str, model: str | None) -> CheckResult:
        return check(v1_checkpoint, state_maps(mini_sovits, sha, elsewhere), model)

    with pytest.raises(CannotCheck, match=r"^at the base of the range \(6809559\): .*nowhere.json"):
        bisect_checkpoint(mini_sovits, "v1.0..v2.0", check_at, no_cache())


def comparison(
    missing: tuple[str, ...] = (), mismatched: bool = False, model: str = "sovits"
) -> Comparison:
    mismatches = (ShapeMismatch("dec.conv_pre.weight", (512, 192, 7), (512, 256, 7)),)
    return Comparison(
        model=model,
        class_name="SynthesizerTrn",
        config="GPT_SoVITS/configs/s2.json",
        mapping=KeyMapping(),
        mismatches=mismatches if mismatched else (),
        missing_keys=missing,
        unexpected_keys=(),
        renames=(),
        config_differences=(),
    )


def outcome(kind: CheckOutcome, found: Comparison | None) -> CheckResult:
    return CheckResult("v", "0" * 40, "gpt-sovits", "meta", kind, (), comparison=found)


def test_rejects_is_relative_to_the_base() -> None:
    partial = CheckOutcome.LOADS_WITH_MISSING_KEYS
    base = outcome(partial, comparison(("enc_q.pre.weight",)))
    assert rejects(base, base) is False
    assert rejects(outcome(CheckOutcome.LOADS, comparison()), base) is False
    more = outcome(partial, comparison(("enc_q.pre.weight", "sv_emb.weight")))
    assert rejects(more, base) is True
    fails = outcome(CheckOutcome.FAILS_TO_LOAD, comparison(mismatched=True))
    assert rejects(fails, base) is True
    assert rejects(outcome(CheckOutcome.NO_MATCHING_MODEL, None), base) is True
    assert rejects(outcome(CheckOutcome.BUILD_FAILED, None), base) is None
    other = outcome(partial, comparison(("enc_q.pre.weight",), model="sovits@v2"))
    assert rejects(other, base) is True


def scripted_history(make_repo: Callable[..., GitRepo], count: int) -> list[str]:
    """COUNT commits that change no model fact: the static audit flags none of them."""
    repo = make_repo()
    return [repo.commit(f"Note {i}", {"notes.txt": f"{i}\n"}) for i in range(count)]


def table_checker(
    shas: list[str], outcomes: str, asked: list[tuple[str, str | None]] | None = None
) -> Callable[[str, str | None], CheckResult]:
    """Check commit i as OUTCOMES[i] says: ``l`` loads, ``f`` fails, ``b`` does not build,
    ``a`` lacks the model asked for.

    The model chosen (when none is asked for) is ``sovits@v2``; ASKED records each call.
    """

    def check_at(sha: str, model: str | None) -> CheckResult:
        if asked is not None:
            asked.append((sha, model))
        kind, name = outcomes[shas.index(sha)], model or "sovits@v2"
        if kind == "b":
            result = outcome(CheckOutcome.BUILD_FAILED, None)
        elif kind == "a":
            result = outcome(CheckOutcome.NO_MATCHING_MODEL, None)
        elif kind == "f":
            result = outcome(CheckOutcome.FAILS_TO_LOAD, comparison(mismatched=True, model=name))
        else:
            result = outcome(CheckOutcome.LOADS, comparison(model=name))
        return replace(result, sha=sha)

    return check_at


def test_every_commit_is_compared_with_the_base_model(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    shas = scripted_history(make_repo, 7)
    asked: list[tuple[str, str | None]] = []
    result = bisect_checkpoint(
        tmp_path / "repo",
        f"{shas[0]}..{shas[6]}",
        table_checker(shas, "lllllff", asked),
        no_cache(),
    )
    assert result.first_rejecting is not None and result.first_rejecting.sha == shas[5]
    assert asked[0] == (shas[0], None)
    assert len(asked) > 2 and {model for _, model in asked[1:]} == {"sovits@v2"}
    assert len({sha for sha, _ in asked}) == len(asked)
    assert result.model == "sovits@v2"


def test_a_commit_without_the_base_model_rejects(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    shas = scripted_history(make_repo, 7)
    result = bisect_checkpoint(
        tmp_path / "repo", f"{shas[0]}..{shas[6]}", table_checker(shas, "lllaaaa"), no_cache()
    )
    assert result.verdict is BisectVerdict.FOUND
    assert result.first_rejecting is not None and result.first_rejecting.sha == shas[3]
    assert result.check.outcome is CheckOutcome.NO_MATCHING_MODEL
    assert result.model == "sovits@v2" and result.parent_accepts is True


def test_commits_that_do_not_build_are_skipped(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    shas = scripted_history(make_repo, 7)
    result = bisect_checkpoint(
        tmp_path / "repo", f"{shas[0]}..{shas[6]}", table_checker(shas, "lblffff"), no_cache()
    )
    assert result.verdict is BisectVerdict.FOUND and result.searched == "all-commits"
    assert result.first_rejecting is not None and result.first_rejecting.sha == shas[3]
    assert result.parent_accepts is True
    checked = {t.commit.sha: t.rejects for t in result.trials}
    assert checked[shas[1]] is None and checked[shas[2]] is False
    assert result.candidates == ()


def test_commits_that_do_not_build_can_leave_it_undecided(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    shas = scripted_history(make_repo, 7)
    result = bisect_checkpoint(
        tmp_path / "repo", f"{shas[0]}..{shas[6]}", table_checker(shas, "llbffff"), no_cache()
    )
    assert result.verdict is BisectVerdict.UNDECIDED and result.first_rejecting is None
    assert [c.sha for c in result.undecided] == [shas[2], shas[3]]
    assert result.check.sha == shas[6]

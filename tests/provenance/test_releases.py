"""Releases: which a tip reaches, oldest first; runs of releases that load a checkpoint alike;
each break bisected to its first commit and the fact that breaks it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.checkpoints.results import (
    CheckOutcome,
    CheckResult,
    Comparison,
    KeyMapping,
)
from auditor.provenance.identify import Identification
from auditor.provenance.releases import (
    ReleaseCheck,
    Run,
    Status,
    fact_of,
    release_points,
    runs,
)
from auditor.runtime.results import Rename, ShapeMismatch
from tests.provenance.conftest import PHONEMES, sha_of

TAGS = ["v1.0", "v2.0", "v3.0", "v3.1", "v3.2"]


def result(outcome: CheckOutcome, **comparison: object) -> CheckResult:
    compared = None
    if outcome.checked:
        fields: dict[str, object] = {
            "mismatches": (),
            "missing_keys": (),
            "unexpected_keys": (),
            "renames": (),
            **comparison,
        }
        compared = Comparison(
            "sovits",
            "SynthesizerTrn",
            "s2.json",
            KeyMapping(),
            config_differences=(),
            **fields,  # type: ignore[arg-type]
        )
    return CheckResult("v1", "a" * 40, "gpt-sovits", "meta", outcome, (), compared, "why")


def test_releases_oldest_first_and_an_untagged_tip(mini_sovits: Path) -> None:
    points, left_out = release_points(mini_sovits)
    assert [name for name, _, _ in points] == TAGS and left_out == 0
    assert all(tagged for _, _, tagged in points)
    tip = sha_of(mini_sovits, PHONEMES)
    points, _ = release_points(mini_sovits, tip)
    assert points == [("v1.0", points[0][1], True), (tip, tip, False)]
    newest, left_out = release_points(mini_sovits, max_releases=2)
    assert ([name for name, _, _ in newest], left_out) == (["v3.1", "v3.2"], 3)


def test_runs_group_releases_alike() -> None:
    statuses = [CheckOutcome.LOADS, CheckOutcome.LOADS, CheckOutcome.FAILS_TO_LOAD]
    checks = [
        ReleaseCheck(f"v{i}", "a" * 40, True, result(outcome)) for i, outcome in enumerate(statuses)
    ]
    checks.append(ReleaseCheck("HEAD", "b" * 40, False, result(CheckOutcome.UNAVAILABLE)))
    assert runs(checks) == (
        Run(Status.LOADS, ("v0", "v1")),
        Run(Status.FAILS, ("v2",)),
        Run(Status.NOT_CHECKED, ("HEAD",)),
    )


def test_the_fact_of_a_check() -> None:
    mismatches = (
        ShapeMismatch("enc_p.text_embedding.weight", (300, 192), (714, 192)),
        ShapeMismatch("enc_p.proj.weight", (384, 192, 1), (512, 256, 1)),
    )
    assert fact_of(result(CheckOutcome.FAILS_TO_LOAD, mismatches=mismatches)) == (
        "enc_p.text_embedding.weight [300, 192] -> [714, 192] and 1 more shape"
    )
    renamed = result(
        CheckOutcome.LOADS_WITH_MISSING_KEYS,
        renames=(Rename("ref_enc", "ref_encoder", 12),),
        missing_keys=("ref_encoder.fc.weight",),
    )
    assert fact_of(renamed) == "ref_enc.* renamed ref_encoder.* (12 tensors)"
    missing = result(CheckOutcome.LOADS_WITH_MISSING_KEYS, missing_keys=("a", "b", "c", "d"))
    assert fact_of(missing) == "keys missing: a, b, c and 1 more"
    assert fact_of(result(CheckOutcome.UNAVAILABLE)) == "why"


@pytest.mark.torch
@pytest.mark.bisect
def test_a_break_is_bisected_to_its_commit(identified_v1: Identification) -> None:
    found = identified_v1
    assert [(r.name, r.status) for r in found.releases] == [
        ("v1.0", Status.LOADS),
        *((tag, Status.FAILS) for tag in TAGS[1:]),
    ]
    (only,) = found.breaks
    assert (only.after, only.at, only.error) == ("v1.0", "v2.0", None)
    assert only.bisect is not None and only.bisect.first_rejecting is not None
    assert only.bisect.first_rejecting.subject == PHONEMES
    assert only.bisect.parent_accepts is True
    assert only.fact == "enc_p.text_embedding.weight [300, 192] -> [714, 192]"
    count = ["git", "rev-list", "--count", "v1.0..v2.0"]
    between = int(
        subprocess.run(count, cwd=found.repository, capture_output=True, text=True).stdout
    )
    assert len(only.bisect.trials) < between

"""``--confirm``: verdicts decided by loading checkpoints across the tips (needs torch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.classify.effects import Loads
from auditor.fork import ForkOptions, audit_fork
from auditor.fork.document import fork_document
from auditor.fork.runtime_check import OUTCOME_LOADS
from auditor.pipeline import AuditOptions
from tests.conftest import validate
from tests.fork.conftest import TIP


def test_outcomes_decide_verdicts() -> None:
    assert OUTCOME_LOADS["loads"] is Loads.YES
    assert OUTCOME_LOADS["loads-with-missing-keys"] is Loads.NON_STRICT
    assert {OUTCOME_LOADS[o] for o in ("fails-to-load", "loads-output-differs")} == {Loads.NO}
    assert "build-failed" not in OUTCOME_LOADS  # the static verdict stands


@pytest.mark.torch
def test_confirm_decides_the_verdicts_of_profiled_models(
    forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    options = ForkOptions(
        audit=AuditOptions(cache_dir=tmp_path / "cache"), confirm=True, device="cpu"
    )
    webui = audit_fork(forks["webui_only"], f"{upstream}@{TIP}", options)
    sovits = webui.verdicts[0]
    assert (sovits.model, sovits.decided_by) == ("SoVITS generator", "runtime")
    assert (sovits.upstream_into_fork, sovits.fork_into_upstream) == (Loads.YES, Loads.YES)
    assert sovits.runtime is not None
    assert [check.outcome for check in sovits.runtime] == ["loads", "loads"]
    assert [(v.model, v.decided_by) for v in webui.verdicts[1:]] == [
        ("GPT stage", "runtime"),
        ("inference code", "static"),
    ]
    assert webui.compatible()

    gin = audit_fork(forks["gin_submodule"], f"{upstream}@{TIP}", options)
    sovits = gin.verdicts[0]
    assert (sovits.decided_by, sovits.upstream_into_fork, sovits.fork_into_upstream) == (
        "runtime",
        Loads.NO,
        Loads.NO,
    )
    assert sovits.runtime is not None
    into_fork, into_upstream = sovits.runtime
    assert into_fork.missing_keys == ("emo_emb.weight",)
    assert into_upstream.unexpected_keys == ("emo_emb.weight",)
    assert "dec.cond.weight" in into_fork.mismatched_keys  # gin_channels 1024 -> 2048
    assert "quantizer.layers.0.weight" in into_fork.mismatched_keys  # bins 2048 -> 1024
    gpt = gin.verdicts[1]
    assert (gpt.decided_by, gpt.upstream_into_fork, gpt.fork_into_upstream) == (
        "runtime",
        Loads.NO,
        Loads.NO,
    )
    assert gpt.runtime is not None
    assert "ar_audio_embedding.weight" in gpt.runtime[0].mismatched_keys  # vocab 2049 -> 1025
    document = fork_document(gin)
    validate(document, "fork")
    assert document["verdicts"][0]["runtime"]["upstream_into_fork"]["outcome"] == "fails-to-load"

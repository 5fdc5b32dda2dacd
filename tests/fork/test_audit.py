"""Fork audits of mini_sovits's three scripted forks: sides, net difference and verdicts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.classify.effects import Effect, Loads
from auditor.domain import Finding
from auditor.errors import RepositoryError
from auditor.fork import ForkOptions, ForkReport, audit_fork
from auditor.fork.audit import UNRELATED_WARNING, merge_base
from auditor.fork.report import Direction
from auditor.pipeline import AuditOptions
from sample_repos.build import build_fork
from tests.fork.conftest import TIP, commit_of, git, sha

YES, NO, NON_STRICT = Loads.YES, Loads.NO, Loads.NON_STRICT
MODELS = ("SoVITS generator", "GPT stage", "inference code")


def changes(findings: tuple[Finding, ...]) -> set[tuple[str, str, object, object]]:
    return {(f.rule, f.key, f.old, f.new) for f in findings}


def loads(report: ForkReport) -> dict[str, tuple[Loads, Loads]]:
    return {v.model: (v.upstream_into_fork, v.fork_into_upstream) for v in report.verdicts}


def test_webui_only_fork_is_compatible(
    audited: dict[str, ForkReport], upstream: Path, forks: dict[str, Path]
) -> None:
    report = audited["webui_only"]
    fork = forks["webui_only"]
    assert report.merge_base == sha(upstream, TIP)
    assert (report.fork.tip, report.upstream.tip) == (sha(fork, "HEAD"), sha(upstream, TIP))
    assert (report.fork.commits_ahead, report.upstream.commits_ahead) == (2, 0)
    assert report.fork.report.commits_scanned == 2
    bump = commit_of(fork, "Gradio 5, port 9880")
    assert [(f.rule, f.key, f.commit) for f in report.fork.report.findings] == [
        ("MA901", "gradio", bump)
    ]
    assert changes(report.net) == {("MA901", "gradio", "==4.44.1", "==5.9.1")}
    assert report.upstream.report.findings == ()
    assert loads(report) == dict.fromkeys(MODELS, (YES, YES))
    assert all(v.reasons == () and v.decided_by == "static" for v in report.verdicts)
    assert report.compatible()
    assert report.warnings == ()


def test_gin_and_submodule_fork_is_incompatible_with_reasons(
    audited: dict[str, ForkReport], upstream: Path, forks: dict[str, Path]
) -> None:
    report = audited["gin_submodule"]
    fork = forks["gin_submodule"]
    widen = commit_of(fork, "Widen gin_channels to 2048")
    emotion = commit_of(fork, "Add an emotion embedding")
    codebook = commit_of(upstream, "Enlarge the semantic codebook")
    assert report.merge_base == sha(upstream, f"{TIP}~1")
    assert (report.fork.commits_ahead, report.upstream.commits_ahead) == (2, 1)
    emo = "SynthesizerTrn.__init__.self.emo_emb"
    bins = "SynthesizerTrn.__init__.self.quantizer.bins"
    assert [(f.commit, f.rule, f.key, f.old, f.new) for f in report.fork.report.findings] == [
        (widen, "MA101", "model.gin_channels", 1024, 2048),
        (emotion, "MA501", emo, None, "torch.nn.Embedding"),
    ]
    assert {(f.commit, f.rule, f.key) for f in report.upstream.report.findings} == {
        (codebook, "MA900", "data.pad_val"),
        (codebook, "MA999", "model.EOS"),
        (codebook, "MA102", "model.vocab_size"),
        (codebook, "MA102", bins),
    }
    assert changes(report.net) == {
        ("MA900", "data.pad_val", 2048, 1024),
        ("MA999", "model.EOS", 2048, 1024),
        ("MA102", "model.vocab_size", 2049, 1025),
        ("MA101", "model.gin_channels", 1024, 2048),
        ("MA501", emo, None, "torch.nn.Embedding"),
        ("MA102", bins, 2048, 1024),
    }
    assert loads(report) == {
        "SoVITS generator": (NO, NO),
        "GPT stage": (NO, NO),
        "inference code": (YES, YES),
    }
    sovits, gpt, _ = report.verdicts
    assert [
        (r.direction, r.effect, r.key, r.upstream, r.fork, r.keys, r.fork_commit, r.upstream_commit)
        for r in sovits.reasons
    ] == [
        (Direction.BOTH, Effect.SHAPE, "model.gin_channels", 1024, 2048, (), widen, None),
        (Direction.BOTH, Effect.SHAPE, bins, 2048, 1024, (), None, codebook),
        (
            Direction.FORK_INTO_UPSTREAM,
            Effect.UNEXPECTED_KEYS,
            emo,
            None,
            "torch.nn.Embedding",
            ("emo_emb.*",),
            emotion,
            None,
        ),
        (
            Direction.UPSTREAM_INTO_FORK,
            Effect.MISSING_KEYS,
            emo,
            None,
            "torch.nn.Embedding",
            ("emo_emb.*",),
            emotion,
            None,
        ),
    ]
    assert [(r.effect, r.key, r.upstream, r.fork, r.upstream_commit) for r in gpt.reasons] == [
        (Effect.SHAPE, "model.vocab_size", 2049, 1025, codebook)
    ]
    assert not report.compatible()


def test_orphan_import_is_compared_tip_to_tip(
    audited: dict[str, ForkReport], upstream: Path, forks: dict[str, Path]
) -> None:
    report = audited["orphan_import"]
    assert report.merge_base is None and report.merge_base_date is None
    assert report.warnings[0].message == UNRELATED_WARNING
    assert (report.fork.commits_ahead, report.upstream.commits_ahead) == (2, 35)
    assert report.fork.report.findings == report.upstream.report.findings == ()
    assert report.fork.report.commits_scanned == 0
    thai = sha(forks["orphan_import"], "HEAD")
    embedding = "TextEncoder.__init__.self.text_embedding.num_embeddings"
    assert {(f.commit, f.rule, f.key, f.old, f.new) for f in report.net} == {
        (thai, "MA102", embedding, 714, 739),
        (thai, "MA998", "th_symbols", None, 25),
        (thai, "MA103", "symbols", 714, 739),
    }
    assert loads(report) == {
        "SoVITS generator": (NO, NO),
        "GPT stage": (NO, NO),
        "inference code": (YES, YES),
    }
    sovits, gpt, _ = report.verdicts
    assert [(r.direction, r.key) for r in sovits.reasons] == [
        (Direction.BOTH, embedding),
        (Direction.BOTH, "symbols"),
    ]
    assert [(r.rule, r.key, r.fork_commit, r.upstream_commit) for r in gpt.reasons] == [
        ("MA103", "symbols", None, None)
    ]


def test_upstream_as_a_revision_in_the_fork(
    audited: dict[str, ForkReport], forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    fork = forks["gin_submodule"]
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "cache"))
    by_tag = audit_fork(fork, f"origin/{TIP}", options)
    expected = audited["gin_submodule"]
    assert (by_tag.merge_base, by_tag.upstream.tip) == (expected.merge_base, expected.upstream.tip)
    assert by_tag.net == expected.net
    assert by_tag.verdicts == expected.verdicts
    by_remote = audit_fork(fork, "origin/main", options)
    by_path = audit_fork(fork, str(upstream), options)
    assert by_remote.upstream.label == "origin/main"
    assert by_remote.upstream.tip == sha(upstream, "main")
    assert (by_remote.merge_base, by_remote.net, by_remote.verdicts) == (
        by_path.merge_base,
        by_path.net,
        by_path.verdicts,
    )


def test_fork_at_a_ref_and_upstream_at_a_ref(
    forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    fork = forks["gin_submodule"]
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "cache"))
    report = audit_fork(f"{fork}@HEAD~1", f"{upstream}@{TIP}~1", options)
    assert report.merge_base == sha(upstream, f"{TIP}~1") == report.upstream.tip
    assert report.fork.tip == sha(fork, "HEAD~1")
    assert changes(report.net) == {("MA101", "model.gin_channels", 1024, 2048)}
    assert loads(report)["GPT stage"] == (YES, YES)


def test_the_user_repositories_are_not_written(
    forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    fork = forks["webui_only"]

    def state(repo: Path) -> tuple[str, str, str]:
        refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
        config = (repo / ".git" / "config").read_text(encoding="utf-8")
        objects = git(repo, "count-objects", "-v")
        return refs, config, objects

    before = state(fork), state(upstream)
    audit_fork(fork, str(upstream), ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "c")))
    assert (state(fork), state(upstream)) == before


def test_unknown_upstream_is_a_clear_error(forks: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="'nowhere/main' is not a revision in"):
        audit_fork(forks["webui_only"], "nowhere/main", ForkOptions())
    with pytest.raises(RepositoryError, match="no such directory"):
        audit_fork(tmp_path / "absent", "main", ForkOptions())


def test_merge_base_of_unrelated_histories_is_none(
    forks: dict[str, Path], upstream: Path, tmp_path: Path
) -> None:
    from auditor.fork.sources import fork_source
    from auditor.fork.workspace import open_workspace

    with open_workspace(fork_source(str(forks["orphan_import"])), fork_source(str(upstream))) as ws:
        assert merge_base(ws.repo, ws.fork_sha, ws.upstream_sha) is None
    webui = fork_source(str(forks["webui_only"]))
    with open_workspace(webui, fork_source(f"{upstream}@{TIP}")) as ws:
        assert merge_base(ws.repo, ws.fork_sha, ws.upstream_sha) == sha(upstream, TIP)


def test_a_shallow_fork_whose_boundary_upstream_holds(upstream: Path, tmp_path: Path) -> None:
    """A depth-1 clone has no parents; upstream's clone has them, so the merge-base of the
    fork and upstream's HEAD~1 is found (a boundary kept in the workspace would hide it)."""
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{upstream}", str(shallow)],
        check=True,
        capture_output=True,
    )
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"
    options = ForkOptions(audit=AuditOptions(use_cache=False))
    report = audit_fork(shallow, f"{upstream}@HEAD~1", options)
    assert report.merge_base == sha(upstream, "HEAD~1")
    assert (report.fork.commits_ahead, report.upstream.commits_ahead) == (1, 0)
    assert report.fork.report.commits_scanned == 1
    assert report.warnings == ()


def test_a_shallow_fork_without_the_missing_history_is_cut_there(
    upstream: Path, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "2", f"file://{upstream}", str(shallow)],
        check=True,
        capture_output=True,
    )
    options = ForkOptions(audit=AuditOptions(use_cache=False))
    report = audit_fork(shallow, "HEAD~1", options)
    assert report.merge_base == sha(upstream, "HEAD~1")
    assert (report.fork.commits_ahead, report.upstream.commits_ahead) == (1, 0)


def test_a_blob_missing_from_the_fork_is_a_warning(upstream: Path, tmp_path: Path) -> None:
    fork = build_fork("webui_only", upstream, tmp_path / "snapshot")
    blob = git(fork, "rev-parse", "HEAD:requirements.txt")
    (fork / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    options = ForkOptions(audit=AuditOptions(use_cache=False))
    report = audit_fork(fork, f"{upstream}@{TIP}", options)
    tip = sha(fork, "HEAD")
    assert [(w.commit, w.file) for w in report.warnings] == [(tip, "requirements.txt")]
    assert "is missing (partial clone or snapshot)" in report.warnings[0].message
    assert report.net == () and report.compatible()

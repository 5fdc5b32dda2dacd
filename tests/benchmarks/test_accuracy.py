"""The accuracy benchmark's scoring and its hand-labelled corpus (no network, no mirrors)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from benchmarks.accuracy import (
    CORPUS_DIR,
    corpus_validator,
    find_git_dir,
    load_corpus,
    load_schema,
    render_table,
    score_repository,
    scores_document,
    scores_validator,
    threshold_for,
)

A = "a" * 40
B = "b" * 40
C = "c" * 40
D = "d" * 40
E = "e" * 40
F = "f" * 40

CORPUS: dict[str, Any] = {
    "repository": "example/vits",
    "head": F,
    "range": "HEAD",
    "breaking": [
        # found: a critical finding in the labelled file
        {
            "commit": A,
            "file": "configs/base.json",
            "parameter": "model.gin_channels",
            "old": "256",
            "new": "512",
            "severity": "critical",
            "note": "conditioning width doubled",
        },
        # missed: the commit only has a medium finding, below the high threshold
        {
            "commit": B,
            "file": "models.py",
            "parameter": "content encoder",
            "old": "hubert",
            "new": "contentvec",
            "severity": "high",
            "note": "encoder swapped",
        },
        # found: a medium label is found by a medium finding (in another file)
        {
            "commit": C,
            "file": "models.py",
            "parameter": "SynthesizerTrn.emb_vol",
            "old": "absent",
            "new": "Linear",
            "severity": "medium",
            "note": "new input",
        },
        # missed: no finding at all in that commit
        {
            "commit": D,
            "file": "text/symbols.py",
            "parameter": "symbols length",
            "old": "100",
            "new": "112",
            "severity": "critical",
            "note": "symbols grew",
        },
    ],
    "quiet": [
        {"commit": E, "reason": "reformatted"},  # flagged high: a false alarm
        {"commit": F, "reason": "learning rate"},  # only low: not a false alarm
    ],
}


def finding(commit: str, severity: str, file: str, parameter: str = "p") -> dict[str, Any]:
    return {
        "id": "0" * 16,
        "rule": "MA001",
        "commit": commit.upper(),  # case must not matter
        "file": file,
        "severity": severity,
        "category": "tensor-shape",
        "parameter": parameter,
    }


REPORT: dict[str, Any] = {
    "schema_version": 1,
    "commits_scanned": 42,
    "findings": [
        finding(A, "critical", "configs/base.json", "model.gin_channels"),
        finding(A, "low", "requirements.txt"),
        finding(B, "medium", "models.py", "SynthesizerTrn.enc"),
        finding(C, "medium", "data_utils.py"),
        finding(E, "high", "models.py", "hidden_channels"),
        finding(E, "info", "models.py"),
        finding(F, "low", "configs/base.json"),
    ],
}


def test_threshold() -> None:
    assert threshold_for("critical") == "high"
    assert threshold_for("high") == "high"
    assert threshold_for("medium") == "medium"


def test_found_missed_and_false_alarms() -> None:
    score = score_repository(CORPUS, REPORT, scan_seconds=1.5)
    by_commit = {label.commit: label for label in score.labels}
    assert by_commit[A].found and by_commit[A].found_in_file
    best_a = by_commit[A].best
    assert best_a is not None and best_a.severity == "critical"
    assert by_commit[A].findings_in_commit == 2
    assert not by_commit[B].found  # medium finding does not find a high label
    best_b = by_commit[B].best
    assert best_b is not None and best_b.severity == "medium"
    assert by_commit[C].found and not by_commit[C].found_in_file
    assert by_commit[C].threshold == "medium"
    assert not by_commit[D].found and by_commit[D].best is None

    c = score.counts
    assert (c.labels_critical_high, c.found_critical_high) == (3, 1)
    assert c.recall_critical_high == pytest.approx(1 / 3)
    assert (c.labels_medium, c.found_medium, c.recall_medium) == (1, 1, 1.0)
    assert c.found_in_file == 1 and c.recall_in_file == pytest.approx(1 / 4)
    assert (c.quiet, c.false_alarms) == (2, 1)
    flagged = {q.commit: q for q in score.quiet}
    assert flagged[E].flagged and [f.severity for f in flagged[E].findings] == ["high"]
    assert not flagged[F].flagged and flagged[F].findings == []
    assert score.commits_scanned == 42 and score.findings == 7


def test_severity_at_threshold_counts() -> None:
    corpus = {**CORPUS, "breaking": [{**CORPUS["breaking"][0], "severity": "high"}], "quiet": []}
    for severity, found in [("critical", True), ("high", True), ("medium", False)]:
        report = {"findings": [finding(A, severity, "configs/base.json")]}
        assert score_repository(corpus, report).labels[0].found is found


def test_failed_scan_misses_everything() -> None:
    score = score_repository(CORPUS, None, error="exit 2")
    assert score.error == "exit 2"
    assert not any(label.found for label in score.labels)
    assert score.counts.false_alarms == 0 and score.counts.recall_critical_high == 0.0
    assert score.commits_scanned is None


def test_empty_lists_give_null_recall() -> None:
    score = score_repository({**CORPUS, "breaking": [], "quiet": []}, REPORT)
    assert score.counts.recall_critical_high is None and score.counts.recall_medium is None


def test_scores_document_validates_and_renders() -> None:
    schema = load_schema()
    scores = [score_repository(CORPUS, REPORT, scan_seconds=2.0), score_repository(CORPUS, None)]
    document = scores_document(scores, "model-audit")
    scores_validator(schema).validate(document)
    assert document["totals"]["labels_critical_high"] == 6
    assert document["totals"]["found_critical_high"] == 1
    assert document["totals"]["scan_seconds"] == 2.0
    broken = {**document, "totals": {**document["totals"], "surprise": 1}}
    with pytest.raises(jsonschema.ValidationError):
        scores_validator(schema).validate(broken)
    table = render_table(scores)
    assert "TOTAL" in table and "missed" in table and "false alarms" in table


def test_corpus_schema_rejects_bad_entries() -> None:
    validator = corpus_validator(load_schema())
    assert validator.is_valid(CORPUS)
    short = {**CORPUS, "breaking": [{**CORPUS["breaking"][0], "commit": "abc123"}]}
    assert not validator.is_valid(short)
    low = {**CORPUS, "breaking": [{**CORPUS["breaking"][0], "severity": "low"}]}
    assert not validator.is_valid(low)
    extra = {**CORPUS, "quiet": [{"commit": A, "reason": "x", "severity": "high"}]}
    assert not validator.is_valid(extra)


def test_find_git_dir(tmp_path: Path) -> None:
    git = tmp_path / "owner+name" / "repo"
    (git / "objects").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "owner+name-other").mkdir()
    assert find_git_dir("owner/name", tmp_path, {}) == git
    assert find_git_dir("owner/missing", tmp_path, {}) is None
    assert find_git_dir("owner/name", tmp_path, {"owner/name": tmp_path}) == tmp_path


CORPUS_FILES = sorted(CORPUS_DIR.glob("*.yaml"))


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS_FILES) >= 1


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_corpus_file(path: Path) -> None:
    corpus = load_corpus(path, load_schema())  # raises when the schema rejects it
    owner_name = corpus["repository"].replace("/", "+")
    assert path.stem == owner_name
    sha = re.compile(r"^[0-9a-f]{40}$")
    assert sha.match(corpus["head"])
    for section in ("breaking", "quiet"):
        commits = [entry["commit"] for entry in corpus[section]]
        assert all(sha.match(c) for c in commits), section
        duplicates = sorted({c for c in commits if commits.count(c) > 1})
        assert not duplicates, f"{section}: duplicate commits {duplicates}"
    # A commit cannot be both breaking and quiet.
    assert not {e["commit"] for e in corpus["breaking"]} & {e["commit"] for e in corpus["quiet"]}
    # Plain YAML that a second reader can load the same way.
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == corpus


def _finding(commit: str, rule: str, severity: str) -> dict[str, Any]:
    return {
        "commit": commit,
        "rule": rule,
        "severity": severity,
        "file": "configs/s2v2Pro.json",
        "parameter": "gin_channels",
        "category": "new-variant",
    }


def test_a_new_variant_label_is_found_by_its_comparison_with_the_sibling() -> None:
    label = {
        "commit": A,
        "file": "configs/s2v2Pro.json",
        "parameter": "model.gin_channels",
        "old": "512",
        "new": "1024",
        "severity": "critical",
        "variant": True,
        "note": "new variant config beside s2.json",
    }
    corpus = {**CORPUS, "breaking": [label], "quiet": []}
    compared = score_repository(corpus, {"findings": [_finding(A, "MA401", "low")]})
    assert (compared.counts.labels_variant, compared.counts.found_variant) == (1, 1)
    assert compared.counts.labels_critical_high == 0
    assert threshold_for("critical", variant=True) == "low"
    added_only = score_repository(corpus, {"findings": [_finding(A, "MA301", "low")]})
    assert added_only.counts.found_variant == 0
    assert "variants" in render_table([compared])

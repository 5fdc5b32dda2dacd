"""The JSON contract of fork and forks: schema validation, shared definitions, content."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.fork import ForkReport, ForkRow
from auditor.fork.document import fork_document, forks_document
from auditor.schemas import load_schema
from tests.conftest import validate
from tests.fork.conftest import FORKS


def test_shared_definitions_match_the_scan_report_schema() -> None:
    fork, report = load_schema("fork"), load_schema("report")
    for name in ("sha", "value", "commit", "finding", "warning"):
        assert fork["$defs"][name] == report["$defs"][name], name


def test_every_fork_document_follows_the_schema(audited: dict[str, ForkReport]) -> None:
    for name in FORKS:
        document = json.loads(json.dumps(fork_document(audited[name])))
        validate(document, "fork")
        assert document["command"] == "fork"


def test_fork_document_content(audited: dict[str, ForkReport]) -> None:
    document = fork_document(audited["gin_submodule"])
    assert document["merge_base"] == audited["gin_submodule"].merge_base
    assert [f["key"] for f in document["fork"]["findings"]] == [
        "model.gin_channels",
        "SynthesizerTrn.__init__.self.emo_emb",
    ]
    assert document["upstream"]["commits_ahead"] == 1
    sovits = document["verdicts"][0]
    assert (sovits["model"], sovits["upstream_into_fork"], sovits["fork_into_upstream"]) == (
        "SoVITS generator",
        "no",
        "no",
    )
    assert [r["effect"] for r in sovits["reasons"]] == [
        "shape",
        "shape",
        "unexpected-keys",
        "missing-keys",
    ]
    assert sovits["runtime"] is None and sovits["decided_by"] == "static"
    orphan = fork_document(audited["orphan_import"])
    assert orphan["merge_base"] is None and orphan["fork"]["findings"] == []


def test_forks_document_follows_the_schema(audited: dict[str, ForkReport], tmp_path: Path) -> None:
    rows = [ForkRow(fork=name, report=audited[name]) for name in FORKS]
    rows.append(ForkRow(fork=str(tmp_path / "absent"), error="no such directory"))
    document = json.loads(json.dumps(forks_document("mini_sovits", rows)))
    validate(document, "fork")
    entries = document["forks"]
    assert [e["fork"] for e in entries[:3]] == list(FORKS)
    assert [e["summary"]["compatible"] for e in entries[:3]] == [True, False, False]
    assert entries[1]["summary"]["merge_base_age_days"] == 1
    assert entries[1]["summary"]["commits_behind"] == 1
    assert entries[1]["summary"]["net_max_severity"] == "critical"
    assert entries[2]["summary"]["merge_base"] is None
    assert entries[3] == {
        "fork": str(tmp_path / "absent"),
        "error": "no such directory",
        "summary": None,
        "report": None,
    }

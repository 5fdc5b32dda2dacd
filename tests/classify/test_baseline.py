"""``--baseline``: only findings absent from an earlier JSON report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

S2 = '{{"model": {{"gin_channels": {gin}, "n_layers": {layers}}}}}\n'


def test_baseline_reports_only_new_findings(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit("root", {"s2.json": S2.format(gin=256, layers=6)})
    repo.commit("wider", {"s2.json": S2.format(gin=512, layers=6)})
    baseline = tmp_path / "baseline.json"
    run(capsys, "scan", str(repo.path), "--no-cache", "--format", "json", "-o", str(baseline))
    repo.commit("deeper", {"s2.json": S2.format(gin=512, layers=8)})
    args = ["--no-cache", "--format", "json", "--baseline", str(baseline)]
    code, out, _ = run(capsys, "scan", str(repo.path), *args, "--fail-on", "critical")
    document = json.loads(out)
    validate(document, "report")
    assert code == 1
    assert [f["key"] for f in document["findings"]] == ["model.n_layers"]
    code, out, _ = run(capsys, "diff", "HEAD~1", "HEAD", str(repo.path), *args)
    assert [f["key"] for f in json.loads(out)["findings"]] == ["model.n_layers"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "is not valid JSON"),
        ('{"findings": 3}', "is not a model-audit JSON report"),
        ('{"findings": [{"key": "x"}]}', "finding 1 has no 'id'"),
    ],
)
def test_bad_baseline_exits_2_naming_the_file(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    content: str | None,
    message: str,
) -> None:
    repo = make_repo()
    repo.commit("root", {"s2.json": S2.format(gin=256, layers=6)})
    baseline = tmp_path / "old.json"
    if content is not None:
        baseline.write_text(content, "utf-8")
    code, _, err = run(capsys, "scan", str(repo.path), "--no-cache", "--baseline", str(baseline))
    assert code == 2 and message in err and "old.json" in err

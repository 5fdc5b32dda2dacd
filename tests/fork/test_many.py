"""Many forks at once: a process pool, rows in the order given, failures as rows."""

from __future__ import annotations

from pathlib import Path

from auditor.fork import ForkOptions, ForkReport
from auditor.fork.many import audit_forks, audit_one
from auditor.pipeline import AuditOptions
from tests.fork.conftest import FORKS, TIP


def test_pool_keeps_the_order_and_reports_failures_as_rows(
    forks: dict[str, Path], upstream: Path, audited: dict[str, ForkReport], tmp_path: Path
) -> None:
    names = [str(forks[name]) for name in FORKS]
    given = [names[0], str(tmp_path / "gone"), *names[1:]]
    seen: list[tuple[int, int]] = []
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "cache"))
    rows = audit_forks(
        f"{upstream}@{TIP}", given, options, jobs=2, progress=lambda d, t: seen.append((d, t))
    )
    assert [row.fork for row in rows] == given
    assert rows[1].report is None
    assert (
        rows[1].error == f"fork {str(tmp_path / 'gone')!r}: no such directory (give DIR or DIR@REF)"
    )
    for row, name in zip((rows[0], *rows[2:]), FORKS, strict=True):
        assert row.error is None and row.report is not None
        assert row.report.verdicts == audited[name].verdicts
        assert row.report.net == audited[name].net
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_one_fork_never_raises(tmp_path: Path) -> None:
    row = audit_one("main", str(tmp_path), ForkOptions())
    assert row.report is None
    assert row.error is not None and "not a git repository" in row.error

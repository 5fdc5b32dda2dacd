import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.domain import Fact, FactKind, FileFacts
from auditor.extract.cache import DATABASE, FactCache, decode, default_cache_dir, encode
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

FACTS = FileFacts(
    facts=(
        Fact(FactKind.CONFIG, "model.upsample_rates", "upsample_rates", (10, (8, 2)), 7),
        Fact(FactKind.DEPENDENCY, "torch", "torch", "==2.1.0", 1),
    )
)


def test_encode_round_trips_nested_tuples() -> None:
    assert decode(encode(FACTS)) == FACTS
    assert decode(encode(FileFacts(error="invalid JSON"))) == FileFacts(error="invalid JSON")


def test_facts_survive_on_disk_between_runs(tmp_path: Path) -> None:
    with FactCache(tmp_path) as cache:
        cache.put("json", 1, "ab" * 20, FACTS)
    with FactCache(tmp_path) as cache:
        assert cache.get("json", 1, "ab" * 20) == FACTS
        assert cache.get("json", 2, "ab" * 20) is None


def test_unusable_directory_disables_the_cache_with_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = FactCache(blocker / "sub")
    assert cache.warning is not None and "fact cache disabled" in cache.warning
    cache.put("json", 1, "cd" * 20, FACTS)
    assert cache.get("json", 1, "cd" * 20) == FACTS
    cache.close()


def test_cache_dir_from_environment(monkeypatch: object, tmp_path: Path) -> None:
    import pytest

    mp: pytest.MonkeyPatch = monkeypatch  # type: ignore[assignment]
    mp.setenv("MODEL_AUDIT_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path


def test_a_corrupt_database_is_rebuilt_with_one_notice(tmp_path: Path) -> None:
    (tmp_path / DATABASE).write_bytes(b"not a database, just garbage\n" * 100)
    (tmp_path / (DATABASE + "-journal")).write_bytes(b"a stale journal")
    notices: list[str] = []
    with FactCache(tmp_path, notices.append) as cache:
        assert cache.get("json", 1, "ab" * 20) is None
        cache.put("json", 1, "ab" * 20, FACTS)
    assert len(notices) == 1 and "rebuilt" in notices[0] and str(tmp_path / DATABASE) in notices[0]
    assert not (tmp_path / (DATABASE + "-journal")).exists()
    with FactCache(tmp_path, notices.append) as cache:
        assert cache.get("json", 1, "ab" * 20) == FACTS
    assert len(notices) == 1


def test_a_database_found_corrupt_mid_run_is_rebuilt(tmp_path: Path) -> None:
    with FactCache(tmp_path) as cache:
        for n in range(400):  # enough rows for pages beyond the first
            cache.put_text("json", 1, f"{n:040x}", "x" * 200)
    data = bytearray((tmp_path / DATABASE).read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # the header and schema page stay readable
    (tmp_path / DATABASE).write_bytes(bytes(data))
    notices: list[str] = []
    with FactCache(tmp_path, notices.append) as cache:
        assert notices == []  # the damage lies beyond what opening reads
        assert cache.get_text("json", 1, f"{7:040x}") is None
        assert len(notices) == 1 and "rebuilt" in notices[0]
        cache.put("json", 1, "ab" * 20, FACTS)
    with FactCache(tmp_path, notices.append) as cache:
        assert cache.get("json", 1, "ab" * 20) == FACTS
    assert len(notices) == 1


def test_a_locked_database_is_not_taken_for_a_corrupt_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FactCache(tmp_path) as cache:
        cache.put("json", 1, "ab" * 20, FACTS)
    holder = sqlite3.connect(tmp_path / DATABASE, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr("auditor.extract.cache.BUSY_TIMEOUT", 0.0)  # no waiting
    try:
        notices: list[str] = []
        FactCache(tmp_path, notices.append).close()
        assert len(notices) == 1 and "fact cache disabled" in notices[0]
        assert "locked" in notices[0]
    finally:
        holder.rollback()
        holder.close()
        monkeypatch.undo()
    with FactCache(tmp_path) as cache:
        assert cache.get("json", 1, "ab" * 20) == FACTS  # not deleted


def test_scan_rebuilds_a_corrupt_cache_and_keeps_the_notice_out_of_the_report(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": '{"model": {"gin_channels": 512}}\n'})
    repo.commit("bigger", {"configs/s2.json": '{"model": {"gin_channels": 1024}}\n'})
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / DATABASE).write_bytes(b"garbage " * 512)
    args = ("scan", str(repo.path), "--cache-dir", str(cache_dir), "--format", "json")

    code, out, err = run(capsys, *args)
    assert code == 0
    assert err.count("warning: ") == 1 and "rebuilt" in err and DATABASE in err
    first = json.loads(out)
    validate(first, "report")
    assert first["warnings"] == []
    assert [f["key"] for f in first["findings"]] == ["model.gin_channels"]

    hits: list[str] = []
    read = FactCache.get_text

    def counted(self: FactCache, extractor: str, version: int, blob: str) -> str | None:
        found = read(self, extractor, version, blob)
        if found is not None:
            hits.append(blob)
        return found

    monkeypatch.setattr(FactCache, "get_text", counted)
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "model-audit: auditing 2 commits…\n")  # progress, no notice
    assert json.loads(out) == first
    assert hits  # the second run read facts from the rebuilt cache


def _write_many(directory: str, writer: int) -> None:
    with FactCache(Path(directory)) as cache:
        for index in range(200):
            cache.put_text("python", 1, f"{writer}-{index}", f"payload {writer} {index}")


def test_several_processes_share_one_cache(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(tmp_path), w)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    with FactCache(tmp_path) as cache:
        assert cache.warning is None
        found = [cache.get_text("python", 1, f"{w}-{i}") for w in range(4) for i in range(200)]
    assert found == [f"payload {w} {i}" for w in range(4) for i in range(200)]

from pathlib import Path

from auditor.domain import Fact, FactKind, FileFacts
from auditor.extract.cache import FactCache, decode, default_cache_dir, encode

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

from __future__ import annotations

import time

import pytest

from auditor.history import BlobReader

CONTENT = "中文 config\n".encode() + bytes(range(256)) + b"\n\n"


@pytest.fixture
def blobs(make_repo):
    repo = make_repo()
    sha = repo.commit("c", {"a.bin": CONTENT, "b.txt": "bee\n", "empty": ""})
    return repo, {name: repo.blob(sha, name) for name in ("a.bin", "b.txt", "empty")}


def test_read_and_size(blobs, opened):
    repo, sha = blobs
    with BlobReader(opened(repo.path)) as reader:
        assert reader.read(sha["a.bin"]) == CONTENT
        assert reader.size(sha["a.bin"]) == len(CONTENT)
        assert reader.read(sha["empty"]) == b""
        assert reader.size(sha["empty"]) == 0
        assert reader.read(sha["b.txt"].upper()) == b"bee\n"


def test_missing_object_keeps_the_process_in_step(blobs, opened):
    repo, sha = blobs
    repo.object_file(sha["b.txt"]).unlink()
    with BlobReader(opened(repo.path)) as reader:
        assert reader.read(sha["a.bin"]) == CONTENT
        assert reader.read(sha["b.txt"]) is None
        assert reader.size(sha["b.txt"]) is None
        assert reader.read("0" * 40) is None
        assert reader.read(sha["a.bin"]) == CONTENT
        assert reader.size(sha["a.bin"]) == len(CONTENT)
        assert reader.read(sha["b.txt"]) is None
        assert reader.read(sha["empty"]) == b""


def test_corrupt_object_reads_as_missing_and_reader_recovers(blobs, opened):
    repo, sha = blobs
    path = repo.object_file(sha["b.txt"])
    path.chmod(0o644)
    path.write_bytes(b"not zlib at all")
    with BlobReader(opened(repo.path)) as reader:
        assert reader.read(sha["b.txt"]) is None
        assert reader.read(sha["a.bin"]) == CONTENT
        assert reader.size(sha["b.txt"]) is None
        assert reader.size(sha["a.bin"]) == len(CONTENT)


def test_rejects_what_is_not_a_full_sha(blobs, opened):
    repo, sha = blobs
    with BlobReader(opened(repo.path)) as reader:
        for bad in (sha["a.bin"][:10], "HEAD:a.bin", sha["a.bin"] + "\n" + sha["b.txt"]):
            with pytest.raises(ValueError, match="not a full object id"):
                reader.read(bad)
        assert reader.read(sha["a.bin"]) == CONTENT


def test_close_and_reuse(blobs, opened):
    repo, sha = blobs
    reader = BlobReader(opened(repo.path))
    assert reader.read(sha["b.txt"]) == b"bee\n"
    reader.close()
    reader.close()
    assert reader.read(sha["b.txt"]) == b"bee\n"  # starts a new process
    reader.close()


def test_many_small_reads_are_fast(make_repo, opened):
    repo = make_repo()
    commit = repo.commit("many", {f"f{i}.txt": f"{i}\n" for i in range(100)})
    shas = [repo.blob(commit, f"f{i}.txt") for i in range(100)]
    with BlobReader(opened(repo.path)) as reader:
        start = time.perf_counter()
        for i in range(10_000):
            assert reader.read(shas[i % 100]) == f"{i % 100}\n".encode()
        elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"10,000 reads took {elapsed:.2f}s"

"""How scan time and memory grow with history length and with tree size.

    python benchmarks/scale.py [--commits 1000,3000,10000] [--files 200,2000] [--json OUT]

Each history is generated with one `git fast-import`: a tree of FILES files (Python model
modules, each with a small ``nn.Module`` class, plus configs and text files) and COMMITS
commits, each editing one file (a config value, a model class's width, or a text file). A
cold scan (empty fact cache) and a warm re-scan run each in their own process, so peak memory
(max RSS) is that scan's own. Growth should follow the number of changed blobs, not commits
times tree size: doubling the tree with the same edits should cost little, and the warm re-scan
should stay a small fraction of the cold one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_speed import timed_scan

MODEL = """\
import torch
from torch import nn


class Block{index}(nn.Module):
    def __init__(self, channels={width}):
        super().__init__()
        self.proj = nn.Conv1d(channels, channels, 3, padding=1)
        self.norm = nn.LayerNorm(channels)
"""
CONFIG = (
    '{{\n  "model": {{"hidden_channels": {hidden}, "n_layers": 6}},\n'
    '  "train": {{"epochs": {epochs}}}\n}}\n'
)


def _blob(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(data), data)


def fast_import_stream(commits: int, files: int) -> bytes:
    """A history of COMMITS commits over a tree of FILES files (see the module doc)."""
    models = max(files // 2, 1)
    texts = max(files - models - 1, 0)
    out = bytearray()
    for n in range(commits):
        out += b"commit refs/heads/main\n"
        out += b"committer Bench <bench@example.com> %d +0000\n" % (1_700_000_000 + n * 60)
        out += _blob(f"change {n}")
        if n == 0:
            for i in range(models):
                out += f"M 100644 inline pkg/models_{i}.py\n".encode() + _blob(
                    MODEL.format(index=i, width=192)
                )
            for i in range(texts):
                out += f"M 100644 inline docs/note_{i}.md\n".encode() + _blob(f"note {i}\n")
            out += b"M 100644 inline configs/base.json\n" + _blob(
                CONFIG.format(hidden=192, epochs=100)
            )
            continue
        which = n % 3
        if which == 0:
            out += b"M 100644 inline configs/base.json\n" + _blob(
                CONFIG.format(hidden=192 + 64 * (n // 500), epochs=100 + n)
            )
        elif which == 1:
            i = (n * 7) % models
            out += f"M 100644 inline pkg/models_{i}.py\n".encode() + _blob(
                MODEL.format(index=i, width=192 + n)
            )
        elif texts:
            i = (n * 11) % texts
            out += f"M 100644 inline docs/note_{i}.md\n".encode() + _blob(f"note {i} v{n}\n")
    return bytes(out)


def build_history(dest: Path, commits: int, files: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=dest,
        check=True,
        input=fast_import_stream(commits, files),
    )


def measure(commits: int, files: int) -> dict[str, Any]:
    """Cold and warm scans of one generated history."""
    with tempfile.TemporaryDirectory() as scratch:
        repo, cache = Path(scratch) / "history", Path(scratch) / "cache"
        started = time.perf_counter()
        build_history(repo, commits, files)
        built = time.perf_counter() - started
        cold = timed_scan(repo, cache, "main")
        warm = timed_scan(repo, cache, "main")
    return {"commits": commits, "files": files, "build_s": built, "cold": cold, "warm": warm}


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", default="1000,3000,10000", help="history lengths")
    parser.add_argument("--files", default="200,2000", help="tree sizes")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    rows = []
    print(f"{'commits':>8} {'files':>6} {'cold s':>8} {'ms/commit':>9} {'warm s':>7} {'MiB':>6}")
    for files in _numbers(args.files):
        for commits in _numbers(args.commits):
            row = measure(commits, files)
            rows.append(row)
            cold, warm = row["cold"], row["warm"]
            per = 1000 * cold["seconds"] / max(cold["commits"], 1)
            print(
                f"{commits:>8} {files:>6} {cold['seconds']:>8.1f} {per:>9.2f} "
                f"{warm['seconds']:>7.2f} {max(cold['peak_rss_mib'], warm['peak_rss_mib']):>6.0f}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

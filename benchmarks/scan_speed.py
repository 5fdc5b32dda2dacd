"""Time cold and warm full scans of a generated history (default: 1200 commits).

    python benchmarks/scan_speed.py [--commits N] [--keep DIR]

The history is written with one `git fast-import`: each commit edits one of a few configs
(`s2.json`, `s1longer.yaml`, `requirements.txt`) or a Python file, so the scan sees real
config changes on most commits. Each scan runs in its own process, so peak memory (max RSS)
is that scan's own. Targets on a 2-core machine: warm ≤ 2 s, cold ≤ 20 s for 1000 commits.
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

S2: dict[str, dict[str, Any]] = {
    "train": {"seed": 1234, "epochs": 100, "learning_rate": 0.0001, "batch_size": 32},
    "data": {"sampling_rate": 32000, "hop_length": 640, "filter_length": 2048},
    "model": {"hidden_channels": 192, "gin_channels": 512, "upsample_rates": [10, 8, 2, 2]},
}
# Real s2.json files hold about 50 values; pad the sections to that size.
for _n in range(15):
    S2["train"][f"train_knob_{_n}"] = _n
    S2["data"][f"data_knob_{_n}"] = [_n, _n + 1]
    S2["model"][f"model_knob_{_n}"] = {"value": _n}


def _blob(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(data), data)


def fast_import_stream(commits: int) -> bytes:
    """A fast-import stream of ``commits`` commits on main."""
    out = bytearray()
    for n in range(commits):
        s2 = json.loads(json.dumps(S2))
        s2["train"]["epochs"] = 100 + n
        s2["model"]["gin_channels"] = 512 + 256 * (n // 300)
        yaml_text = f"model:\n  embedding_dim: 512\n  n_layer: {24 + n // 400}\n  dropout: 0\n"
        requirements = f"torch=={1 + n // 500}.{n % 3}.0\nnumpy\ngradio=={3 + n % 2}.0\n"
        code = f"HIDDEN = {192 + n}\n"
        when = 1_700_000_000 + n * 3600
        out += b"commit refs/heads/main\n"
        out += b"committer Bench <bench@example.com> %d +0000\n" % when
        out += _blob(f"change {n}")
        which = n % 4
        if n == 0 or which == 0:
            out += b"M 100644 inline configs/s2.json\n" + _blob(json.dumps(s2, indent=2))
        if n == 0 or which == 1:
            out += b"M 100644 inline configs/s1longer.yaml\n" + _blob(yaml_text)
        if n == 0 or which == 2:
            out += b"M 100644 inline requirements.txt\n" + _blob(requirements)
        if n == 0 or which == 3:
            out += b"M 100644 inline module/models.py\n" + _blob(code)
    return bytes(out)


def build_history(dest: Path, commits: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=dest, check=True, input=fast_import_stream(commits)
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=dest, check=True)


_SCAN = """
import json, resource, sys, time
from pathlib import Path
from auditor.pipeline import AuditOptions, scan
start = time.perf_counter()
report = scan(sys.argv[1], sys.argv[3] or None, AuditOptions(cache_dir=Path(sys.argv[2])))
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "commits": report.commits_scanned,
                  "findings": len(report.findings), "peak_rss_mib": rss / 1024}))
"""


def timed_scan(repo: Path, cache: Path, revisions: str = "") -> dict[str, float]:
    """A scan of REPO's REVISIONS (its whole history when empty) in a process of its own, with
    the fact cache in CACHE: seconds, commits, findings and peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", _SCAN, str(repo), str(cache), revisions],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1200)
    parser.add_argument("--keep", type=Path, help="build the history here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = args.keep or Path(scratch) / "history"
        cache = Path(scratch) / "cache"
        started = time.perf_counter()
        build_history(repo, args.commits)
        print(f"built {args.commits} commits in {time.perf_counter() - started:.1f} s")
        for label in ("cold", "warm"):
            result = timed_scan(repo, cache)
            rate = result["commits"] / result["seconds"]
            print(
                f"{label}: {result['seconds']:.2f} s for {result['commits']:.0f} commits "
                f"({rate:.0f} commits/s), {result['findings']:.0f} findings, "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB"
            )


if __name__ == "__main__":
    main()

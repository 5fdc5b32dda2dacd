"""Time the audit of a real history against its libcst floor, in one run.

    python benchmarks/real_speed.py REPO [--branch main] [--json OUT] [--skip-changelog]

The floor is one ``libcst.parse_module``, on one core, of each Python blob of REPO's history
that the audit reads and whose bytes may hold facts (the pre-filter the audit itself uses):
what any audit that reads each model file once must pay. Measured against it, each in its own
process with a fresh fact cache unless said:

- a cold scan of the whole history and a warm re-scan (the cache the cold one filled);
- a cold one-commit audit of the newest commit that changes no Python, against the tool's own
  start-up (``model-audit --version``), and of the newest commit that edits a ``models.py``;
- a cold ``changelog --all-tags`` and a cold ``diff`` between the first and the last tag (the
  whole command less the start-up, against the cold scan, which is timed inside its process).

Targets (issue: speed): cold scan <= 1.0x floor, warm <= 0.05x floor, peak memory <= 300 MB; a
commit without Python <= 2x start-up; one model file <= 0.15x floor; changelog and diff
<= 1.2x the cold scan.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libcst

from auditor.extract.python import builtin_components
from auditor.extract.python.parse import may_hold_facts
from auditor.extract.python_trees import python_selection

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_speed import timed_scan

TOOL = [sys.executable, "-m", "auditor"]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return done.stdout.decode("utf-8", "replace")


def history_blobs(repo: Path, branch: str) -> dict[str, str]:
    """Every Python blob of BRANCH's history the audit reads: blob -> one path of it."""
    selection = python_selection(())
    found: dict[str, str] = {}
    for line in _git(repo, "rev-list", "--objects", "--missing=allow-any", branch).splitlines():
        sha, _, path = line.partition(" ")
        if path.endswith(".py") and selection.selects(path):
            found.setdefault(sha, path)
    return found


def read_blobs(repo: Path, shas: list[str]) -> Iterator[tuple[str, bytes]]:
    """The contents of SHAS (absent ones, in a partial snapshot, are left out)."""
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{sha}\n" for sha in shas).encode(),
        check=True,
        capture_output=True,
    ).stdout
    at = 0
    while at < len(batch):
        end = batch.index(b"\n", at)
        header = batch[at:end].split()
        at = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        yield header[0].decode(), batch[at : at + size]
        at += size + 1


def floor(repo: Path, branch: str) -> dict[str, Any]:
    """One libcst parse of each model-relevant Python blob of the history, on one core."""
    blobs = history_blobs(repo, branch)
    components = builtin_components()
    relevant = [
        (sha, data)
        for sha, data in read_blobs(repo, sorted(blobs))
        if may_hold_facts(data, components)
    ]
    started = time.perf_counter()
    failed = 0
    for _, data in relevant:
        try:
            libcst.parse_module(data)
        except (libcst.ParserSyntaxError, UnicodeDecodeError, LookupError):
            failed += 1
    return {
        "seconds": time.perf_counter() - started,
        "python_blobs": len(blobs),
        "model_relevant_blobs": len(relevant),
        "unparsable": failed,
    }


def timed(args: list[str]) -> dict[str, float]:
    """ARGS run in a process of their own: wall seconds and exit status (0 or 1: findings)."""
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
    return {"seconds": seconds, "exit": done.returncode}


def newest_commit(repo: Path, branch: str, wanted: str) -> str | None:
    """The newest first-parent commit of BRANCH that changes no Python file (``no-python``)
    or that edits a ``models.py`` (``models``)."""
    log = _git(repo, "log", "--first-parent", "--format=@%H", "--name-only", branch, "-n", "400")
    for block in log.split("@")[1:]:
        sha, *paths = [line for line in block.splitlines() if line]
        if not paths:
            continue
        if wanted == "no-python" and not any(p.endswith(".py") for p in paths):
            return sha
        if wanted == "models" and any(p.endswith("models.py") for p in paths):
            return sha
    return None


def tags(repo: Path) -> list[str]:
    return _git(repo, "tag", "--sort=creatordate").split()


def one_commit(repo: Path, sha: str | None, scratch: Path, name: str) -> dict[str, Any] | None:
    if sha is None:
        return None
    cache = scratch / f"cache-{name}"
    run = timed([*TOOL, "scan", str(repo), "--range", f"{sha}~1..{sha}", "--cache-dir", str(cache)])
    return {"commit": sha, **run}


def measure(repo: Path, branch: str, skip_changelog: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        cache = scratch / "cache"
        result: dict[str, Any] = {"repository": str(repo), "branch": branch}
        result["floor"] = floor(repo, branch)
        result["startup"] = timed([*TOOL, "--version"])
        result["cold_scan"] = timed_scan(repo, cache, branch)
        result["warm_scan"] = timed_scan(repo, cache, branch)
        result["one_commit_no_python"] = one_commit(
            repo, newest_commit(repo, branch, "no-python"), scratch, "no-python"
        )
        result["one_commit_models"] = one_commit(
            repo, newest_commit(repo, branch, "models"), scratch, "models"
        )
        known = tags(repo)
        if not skip_changelog and len(known) >= 2:
            out = str(scratch / "out")
            result["changelog"] = timed(
                [*TOOL, "changelog", str(repo), "--all-tags", "-o", out, "--cache-dir",
                 str(scratch / "cache-changelog")]
            )  # fmt: skip
            result["diff"] = timed(
                [*TOOL, "diff", known[0], known[-1], str(repo), "-o", out, "--cache-dir",
                 str(scratch / "cache-diff")]
            )  # fmt: skip
    return result


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """Each measurement as the ratio its target is stated in."""
    base = result["floor"]["seconds"]
    cold = result["cold_scan"]["seconds"]
    warm = result["warm_scan"]["seconds"]
    found = {"cold_scan/floor": cold / base, "warm_scan/floor": warm / base}
    if result.get("one_commit_no_python"):
        found["no_python/startup"] = (
            result["one_commit_no_python"]["seconds"] / result["startup"]["seconds"]
        )
    if result.get("one_commit_models"):
        found["models_commit/floor"] = result["one_commit_models"]["seconds"] / base
    startup = result["startup"]["seconds"]
    for name in ("changelog", "diff"):
        if name in result:  # a whole command, against the scan alone: less its start-up
            found[f"{name}/cold_scan"] = max(result[name]["seconds"] - startup, 0.0) / cold
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a clone or bare git directory")
    parser.add_argument("--branch", default="HEAD")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--skip-changelog", action="store_true")
    args = parser.parse_args()
    result = measure(args.repo.resolve(), args.branch, args.skip_changelog)
    result["ratios"] = ratios(result)
    f = result["floor"]
    print(
        f"floor: {f['seconds']:.1f} s ({f['model_relevant_blobs']} model-relevant of "
        f"{f['python_blobs']} Python blobs)"
    )
    for name in ("startup", "cold_scan", "warm_scan", "changelog", "diff"):
        if name in result:
            r = result[name]
            peak = r.get("peak_rss_mib")
            memory = f", peak {peak:.0f} MiB" if peak else ""
            print(f"{name}: {r['seconds']:.2f} s{memory}")
    for name in ("one_commit_no_python", "one_commit_models"):
        r = result.get(name)
        if r:
            print(f"{name} ({r['commit'][:7]}): {r['seconds']:.2f} s")
    for name, value in result["ratios"].items():
        print(f"{name}: {value:.3f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

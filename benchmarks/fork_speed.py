"""Time fork audits of many forks of one upstream, with the fact cache shared between them.

    python benchmarks/fork_speed.py [--upstream REPO | --commits N] [--forks K] [--behind B]
                                    [--own M] [--jobs J]

The upstream is REPO's HEAD (a clone of GPT-SoVITS, say), or the generated history of
``scan_speed.py`` (N commits). Fork i is a clone sharing the upstream's objects that branches
off ``B - i * B / K`` commits before upstream's tip and adds M commits of its own (new config
values and model code, so its own facts are new). Each measurement runs in its own process:

- the fork furthest behind, against a cold cache (upstream's facts are computed here);
- every other fork, one by one, against the cache the earlier ones filled;
- a fork's own commits alone (``scan`` of merge-base..tip, cold cache): the floor;
- both sides' own commits (``scan`` of merge-base..upstream and merge-base..fork, one cold
  cache), against the cold fork audit of the fork furthest behind (target: within 1.2x);
- ``model-audit forks`` on all forks with a cold cache and J jobs (wall time).

Target: a warm fork costs little more than scanning its own commits, far below a cold one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_speed import build_history

_AUDIT = """
import json, sys, time
from pathlib import Path
from auditor.fork import ForkOptions, audit_fork
from auditor.pipeline import AuditOptions, scan
fork, upstream, cache, mode = sys.argv[1:5]
options = AuditOptions(cache_dir=Path(cache))
start = time.perf_counter()
if mode == "fork":
    report = audit_fork(fork, upstream, ForkOptions(audit=options))
    found = len(report.net)
else:
    found = len(scan(fork, mode, options).findings)
print(json.dumps({"seconds": time.perf_counter() - start, "findings": found}))
"""


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, input=stdin, check=True, capture_output=True)
    return done.stdout.decode("utf-8").strip()


def _own_commits(base: str, fork: int, count: int) -> bytes:
    """A fast-import stream of COUNT commits on top of BASE with values of this fork only."""
    out = bytearray()
    for n in range(count):
        s2 = {"model": {"gin_channels": 512 + fork, "hidden_channels": 192 + n}}
        files = {
            "configs/s2.json": json.dumps(s2, indent=2),
            "module/models.py": f"HIDDEN = {10_000 * fork + n}\n",
        }
        message = f"fork {fork} change {n}".encode()
        out += b"commit refs/heads/main\n"
        out += b"committer Fork <fork@example.com> %d +0000\n" % (1_800_000_000 + n)
        out += b"data %d\n%s\n" % (len(message), message)
        if n == 0:
            out += f"from {base}\n".encode()
        for path, text in files.items():
            data = text.encode("utf-8")
            out += f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(data), data)
    return bytes(out)


def build_forks(upstream: Path, root: Path, forks: int, own: int, behind: int) -> list[Path]:
    """FORKS clones of UPSTREAM, the first furthest behind, each with OWN commits of its own."""
    paths = []
    for index in range(forks):
        back = behind - index * behind // forks
        base = _git(upstream, "rev-parse", f"HEAD~{back}")
        path = root / f"fork{index:02d}"
        clone = ["git", "clone", "-q", "--shared", "--bare", str(upstream), str(path)]
        subprocess.run(clone, check=True)
        _git(path, "fast-import", "--quiet", "--force", stdin=_own_commits(base, index, own))
        _git(path, "symbolic-ref", "HEAD", "refs/heads/main")
        paths.append(path)
    return paths


def _read_objects(repo: Path) -> None:
    """Read REPO's object files once, so that every measurement finds them in memory."""
    objects = Path(_git(repo, "rev-parse", "--git-path", "objects"))
    objects = objects if objects.is_absolute() else repo / objects
    for path in objects.rglob("*"):
        if path.is_file():
            path.read_bytes()


def timed(fork: Path, upstream: Path, cache: Path, mode: str = "fork") -> float:
    done = subprocess.run(
        [sys.executable, "-c", _AUDIT, str(fork), str(upstream), str(cache), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds: float = json.loads(done.stdout)["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, help="an upstream clone to fork")
    parser.add_argument("--commits", type=int, default=1000, help="generated upstream commits")
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--behind", type=int, help="the furthest fork's commits behind")
    parser.add_argument("--own", type=int, default=5, help="commits of each fork's own")
    parser.add_argument("--jobs", type=int, default=2, help="processes for `forks`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        upstream = args.upstream
        if upstream is None:
            upstream = root / "upstream"
            build_history(upstream, args.commits)
        upstream = upstream.resolve()
        behind = args.behind if args.behind is not None else args.commits // 2
        forks = build_forks(upstream, root, args.forks, args.own, behind)
        print(
            f"upstream {upstream} ({_git(upstream, 'rev-list', '--count', 'HEAD')} commits); "
            f"{args.forks} forks of {args.own} own commits, {behind} to "
            f"{behind - (args.forks - 1) * behind // args.forks} behind; "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        _read_objects(upstream)  # the first measurement should not pay for a cold page cache
        cache = root / "cache"
        cold = timed(forks[0], upstream, cache)
        warm = [timed(fork, upstream, cache) for fork in forks[1:]]
        own = []
        for index, fork in enumerate(forks[1:], start=1):
            base = _git(fork, "merge-base", "HEAD", _git(upstream, "rev-parse", "HEAD"))
            own.append(timed(fork, upstream, root / f"own-cache-{index}", f"{base}..HEAD"))
        base = _git(forks[0], "merge-base", "HEAD", _git(upstream, "rev-parse", "HEAD"))
        sides = root / "sides-cache"
        both = timed(upstream, upstream, sides, f"{base}..HEAD")
        both += timed(forks[0], upstream, sides, f"{base}..HEAD")
        print(f"fork furthest behind, cold cache: {cold:.2f} s")
        print(
            f"both sides' own commits (scans, one cold cache): {both:.2f} s; "
            f"cold fork / both scans: {cold / both:.2f}"
        )
        print(
            f"next {len(warm)} forks, shared cache: mean {statistics.mean(warm):.2f} s, "
            f"max {max(warm):.2f} s"
        )
        print(
            f"a fork's own {args.own} commits alone (scan, cold cache): "
            f"mean {statistics.mean(own):.2f} s"
        )
        command = [sys.executable, "-m", "auditor", "forks", str(upstream)]
        command += [*map(str, forks), "--jobs", str(args.jobs), "--cache-dir", str(root / "all")]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        total = time.perf_counter() - started
        print(
            f"model-audit forks, {args.forks} forks, --jobs {args.jobs}, cold cache: "
            f"{total:.1f} s wall ({total / args.forks:.2f} s per fork)"
        )


if __name__ == "__main__":
    main()

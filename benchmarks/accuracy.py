"""Score model-audit against the hand-labelled corpus of real histories in benchmarks/corpus.

    python benchmarks/accuracy.py [CORPUS_FILE_OR_DIR ...] [--mirrors DIR]
        [--repo OWNER/NAME=GIT_DIR ...] [--model-audit EXE] [--json OUT]
        [--reports-dir DIR] [--from-reports] [--cache-dir DIR | --no-cache] [--timeout S]

Each corpus file (schemas/corpus.schema.json) names a repository, a revision range, commits that
break checkpoints (``breaking``, with a severity) and commits that must not be flagged
(``quiet``). For each repository the tool runs, through its CLI only,

    model-audit scan GIT_DIR --range RANGE --format json -o REPORT

and the report is scored (``score_repository``, a pure function):

- a critical or high label is FOUND when the report has a finding in that commit at high or
  above; a medium label when it has one at medium or above (``found_in_file``: such a finding
  is in the labelled file);
- a quiet commit with a finding at high or above is a FALSE ALARM.

The git directory of ``owner/name`` is the directory under ``--mirrors`` whose name starts with
``owner+name`` (the git directory itself, or its ``repo`` child, or a child that is one), unless
``--repo owner/name=PATH`` says otherwise. Scans run one at a time with a fresh, empty fact cache
each (cold timing) unless ``--cache-dir`` or ``--no-cache`` is given. ``--from-reports`` scores
the reports already in ``--reports-dir`` without running the tool.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schemas" / "corpus.schema.json"
CORPUS_DIR = ROOT / "benchmarks" / "corpus"
#: Where clones of the corpus repositories are (one folder per repository, named owner+name).
DEFAULT_MIRRORS = Path(os.environ.get("MODEL_AUDIT_MIRRORS", ".mirrors"))

SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


# ---------------------------------------------------------------------------------------------
# Schema and corpus


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The corpus schema (its ``$defs/scores`` describes the --json output)."""
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def corpus_validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A validator for one corpus file."""
    return jsonschema.Draft202012Validator(dict(schema))


def scores_validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A validator for the --json output, ``$defs/scores`` of the corpus schema."""
    sub = {
        "$schema": schema["$schema"],
        "$ref": "#/$defs/scores",
        "$defs": schema["$defs"],
    }
    return jsonschema.Draft202012Validator(sub)


def corpus_files(paths: Sequence[Path]) -> list[Path]:
    """The YAML files named, or found in the directories named, sorted within a directory."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            found.append(path)
    return found


def load_corpus(path: Path, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Read and validate one corpus file; raise ValueError naming the file when it is invalid."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(corpus_validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = "; ".join(
            f"{'/'.join(str(p) for p in e.path) or '<root>'}: {e.message}" for e in errors[:5]
        )
        raise ValueError(f"{path}: invalid corpus file: {where}")
    corpus: dict[str, Any] = data
    return corpus


# ---------------------------------------------------------------------------------------------
# Scoring (pure)


@dataclass(frozen=True)
class FindingRef:
    severity: str
    file: str
    parameter: str
    rule: str
    category: str


@dataclass(frozen=True)
class LabelResult:
    commit: str
    file: str
    parameter: str
    severity: str
    threshold: str
    found: bool
    found_in_file: bool
    best: FindingRef | None
    findings_in_commit: int


@dataclass(frozen=True)
class QuietResult:
    commit: str
    reason: str
    flagged: bool
    findings: list[FindingRef]


@dataclass
class Counts:
    labels_critical_high: int = 0
    found_critical_high: int = 0
    recall_critical_high: float | None = None
    labels_medium: int = 0
    found_medium: int = 0
    recall_medium: float | None = None
    found_in_file: int = 0
    recall_in_file: float | None = None
    quiet: int = 0
    false_alarms: int = 0
    labels_variant: int = 0
    found_variant: int = 0
    recall_variant: float | None = None

    def add(self, other: Counts) -> None:
        self.labels_critical_high += other.labels_critical_high
        self.found_critical_high += other.found_critical_high
        self.labels_medium += other.labels_medium
        self.found_medium += other.found_medium
        self.found_in_file += other.found_in_file
        self.quiet += other.quiet
        self.false_alarms += other.false_alarms
        self.labels_variant += other.labels_variant
        self.found_variant += other.found_variant
        self.finish()

    def finish(self) -> None:
        """Compute the ratios from the counts."""
        self.recall_critical_high = _ratio(self.found_critical_high, self.labels_critical_high)
        self.recall_medium = _ratio(self.found_medium, self.labels_medium)
        self.recall_variant = _ratio(self.found_variant, self.labels_variant)
        self.recall_in_file = _ratio(
            self.found_in_file,
            self.labels_critical_high + self.labels_medium + self.labels_variant,
        )


@dataclass
class RepositoryScore:
    repository: str
    corpus: str
    range: str
    git_dir: str | None
    scan_seconds: float | None
    commits_scanned: int | None
    findings: int
    error: str | None
    counts: Counts
    labels: list[LabelResult] = field(default_factory=list)
    quiet: list[QuietResult] = field(default_factory=list)


def _ratio(found: int, total: int) -> float | None:
    return None if total == 0 else found / total


#: The rules that report a new variant: compared with its sibling (MA401), or a component
#: added beside the one in use (MA114).
VARIANT_RULES = frozenset({"MA401", "MA114"})


def threshold_for(label_severity: str, variant: bool = False) -> str:
    """The lowest finding severity that finds a label of this severity (a new variant breaks
    no checkpoint users own: any comparison with its sibling at low or above finds it)."""
    if variant:
        return "low"
    return "high" if SEVERITY_RANK[label_severity] >= SEVERITY_RANK["high"] else "medium"


def _short(sha: str) -> str:
    return sha.lower()[:40]


def _ref(finding: Mapping[str, Any]) -> FindingRef:
    return FindingRef(
        severity=str(finding.get("severity", "info")),
        file=str(finding.get("file", "")),
        parameter=str(finding.get("parameter", "")),
        rule=str(finding.get("rule", "")),
        category=str(finding.get("category", "")),
    )


def _rank(finding: Mapping[str, Any]) -> int:
    return SEVERITY_RANK.get(str(finding.get("severity", "info")), 0)


def _by_commit(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for finding in report.get("findings", []):
        grouped.setdefault(_short(str(finding.get("commit", ""))), []).append(finding)
    return grouped


def score_repository(
    corpus: Mapping[str, Any],
    report: Mapping[str, Any] | None,
    *,
    corpus_path: str = "",
    git_dir: str | None = None,
    scan_seconds: float | None = None,
    error: str | None = None,
) -> RepositoryScore:
    """Score one report (the parsed JSON of ``model-audit scan``) against one corpus file.

    ``report`` None (the scan failed) scores every label as missed and no false alarm.
    """
    findings = _by_commit(report or {})
    counts = Counts()
    labels: list[LabelResult] = []
    for label in corpus.get("breaking", []):
        severity = str(label["severity"])
        variant = bool(label.get("variant", False))
        threshold = threshold_for(severity, variant)
        in_commit = findings.get(_short(str(label["commit"])), [])
        hits = [
            f
            for f in in_commit
            if _rank(f) >= SEVERITY_RANK[threshold]
            and (not variant or f.get("rule") in VARIANT_RULES)
        ]
        in_file = [f for f in hits if f.get("file") == label["file"]]
        same_file = [f for f in in_commit if f.get("file") == label["file"]]
        pool = same_file or in_commit
        best = _ref(max(pool, key=_rank)) if pool else None
        result = LabelResult(
            commit=str(label["commit"]),
            file=str(label["file"]),
            parameter=str(label["parameter"]),
            severity=severity,
            threshold=threshold,
            found=bool(hits),
            found_in_file=bool(in_file),
            best=best,
            findings_in_commit=len(in_commit),
        )
        labels.append(result)
        if variant:
            counts.labels_variant += 1
            counts.found_variant += result.found
        elif threshold == "high":
            counts.labels_critical_high += 1
            counts.found_critical_high += result.found
        else:
            counts.labels_medium += 1
            counts.found_medium += result.found
        counts.found_in_file += result.found_in_file
    quiet: list[QuietResult] = []
    for entry in corpus.get("quiet", []):
        loud = [
            _ref(f)
            for f in findings.get(_short(str(entry["commit"])), [])
            if _rank(f) >= SEVERITY_RANK["high"]
        ]
        quiet.append(
            QuietResult(
                commit=str(entry["commit"]),
                reason=str(entry["reason"]),
                flagged=bool(loud),
                findings=loud,
            )
        )
        counts.quiet += 1
        counts.false_alarms += bool(loud)
    counts.finish()
    scanned = report.get("commits_scanned") if report is not None else None
    return RepositoryScore(
        repository=str(corpus["repository"]),
        corpus=corpus_path,
        range=str(corpus["range"]),
        git_dir=git_dir,
        scan_seconds=scan_seconds,
        commits_scanned=scanned if isinstance(scanned, int) else None,
        findings=len(report.get("findings", [])) if report is not None else 0,
        error=error,
        counts=counts,
        labels=labels,
        quiet=quiet,
    )


def totals(scores: Iterable[RepositoryScore]) -> dict[str, Any]:
    """Micro-averaged counts over all repositories, with the summed scan time."""
    total = Counts()
    seconds = 0.0
    for score in scores:
        total.add(score.counts)
        seconds += score.scan_seconds or 0.0
    total.finish()
    return {**asdict(total), "scan_seconds": round(seconds, 3)}


def scores_document(scores: Sequence[RepositoryScore], executable: str) -> dict[str, Any]:
    """The --json output (``$defs/scores`` of the corpus schema)."""
    return {
        "schema_version": 1,
        "model_audit": executable,
        "repositories": [asdict(score) for score in scores],
        "totals": totals(scores),
    }


# ---------------------------------------------------------------------------------------------
# Mirrors and running the tool


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git_dir_in(path: Path) -> Path | None:
    if _is_git_dir(path):
        return path
    for candidate in (path / "repo", path / ".git"):
        if _is_git_dir(candidate):
            return candidate
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_dir() and _is_git_dir(child):
                return child
        if (path / ".git").exists():
            return path
    return None


def find_git_dir(repository: str, mirrors: Path, overrides: Mapping[str, Path]) -> Path | None:
    """The git directory for owner/name: an override, or the mirror named ``owner+name…``."""
    if repository in overrides:
        return overrides[repository]
    if not mirrors.is_dir():
        return None
    stem = repository.replace("/", "+")
    children = sorted(p for p in mirrors.iterdir() if p.name.startswith(stem))
    children.sort(key=lambda p: p.name != stem)  # an exact name first
    for child in children:
        found = _git_dir_in(child)
        if found is not None:
            return found
    return None


def run_scan(
    executable: str,
    git_dir: Path,
    revision_range: str,
    output: Path,
    extra: Sequence[str],
    timeout: float | None,
) -> tuple[dict[str, Any] | None, float, str | None]:
    """Run ``model-audit scan`` with JSON output; return (report, seconds, error)."""
    command = [
        executable,
        "scan",
        str(git_dir),
        "--range",
        revision_range,
        "--format",
        "json",
        "-o",
        str(output),
        *extra,
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1) or not output.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return None, seconds, f"exit {done.returncode}: {' | '.join(tail)}"
    try:
        report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    except ValueError as exc:
        return None, seconds, f"unreadable report: {exc}"
    return report, seconds, None


# ---------------------------------------------------------------------------------------------
# Output


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _frac(found: int, total: int, ratio: float | None) -> str:
    return f"{found}/{total} {_pct(ratio)}"


def render_table(scores: Sequence[RepositoryScore]) -> str:
    """A plain-text table per repository and the totals, then the misses and false alarms."""
    head = ("repository", "crit+high", "medium", "variants", "in file", "false alarms", "scan s")
    rows: list[tuple[str, ...]] = []
    for s in scores:
        c = s.counts
        rows.append(
            (
                s.repository + (" (ERROR)" if s.error else ""),
                _frac(c.found_critical_high, c.labels_critical_high, c.recall_critical_high),
                _frac(c.found_medium, c.labels_medium, c.recall_medium),
                _frac(c.found_variant, c.labels_variant, c.recall_variant),
                _frac(
                    c.found_in_file,
                    c.labels_critical_high + c.labels_medium + c.labels_variant,
                    c.recall_in_file,
                ),
                f"{c.false_alarms}/{c.quiet}",
                "-" if s.scan_seconds is None else f"{s.scan_seconds:.1f}",
            )
        )
    t = totals(scores)
    rows.append(
        (
            "TOTAL",
            _frac(t["found_critical_high"], t["labels_critical_high"], t["recall_critical_high"]),
            _frac(t["found_medium"], t["labels_medium"], t["recall_medium"]),
            _frac(t["found_variant"], t["labels_variant"], t["recall_variant"]),
            _frac(
                t["found_in_file"],
                t["labels_critical_high"] + t["labels_medium"] + t["labels_variant"],
                t["recall_in_file"],
            ),
            f"{t['false_alarms']}/{t['quiet']}",
            f"{t['scan_seconds']:.1f}",
        )
    )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [line(head), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows[:-1])
    out.append(line(["-" * w for w in widths]))
    out.append(line(rows[-1]))
    for s in scores:
        if s.error:
            out.append(f"\n{s.repository}: scan failed: {s.error}")
        missed = [label for label in s.labels if not label.found]
        alarms = [q for q in s.quiet if q.flagged]
        if missed:
            out.append(f"\n{s.repository}: missed")
            for label in missed:
                best = label.best
                got = (
                    f"best: {best.severity} {best.rule} {best.file} {best.parameter}"
                    if best
                    else "no finding in commit"
                )
                out.append(
                    f"  {label.commit[:10]} {label.severity:8} {label.file} "
                    f"{label.parameter}  [{got}]"
                )
        if alarms:
            out.append(f"\n{s.repository}: false alarms")
            for q in alarms:
                what = ", ".join(f"{f.severity} {f.file} {f.parameter}" for f in q.findings[:3])
                out.append(f"  {q.commit[:10]} ({q.reason})  [{what}]")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Command line


def _override(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or "/" not in name or not path:
        raise argparse.ArgumentTypeError(f"expected OWNER/NAME=PATH, got {text!r}")
    return name, Path(path)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score model-audit against the labelled corpus of real histories."
    )
    parser.add_argument(
        "corpus",
        nargs="*",
        type=Path,
        default=[CORPUS_DIR],
        help="corpus files or directories (default: benchmarks/corpus)",
    )
    parser.add_argument(
        "--mirrors",
        type=Path,
        default=DEFAULT_MIRRORS,
        help="directory of fetched git mirrors named owner+name… (default: %(default)s)",
    )
    parser.add_argument(
        "--repo",
        action="append",
        type=_override,
        default=[],
        metavar="OWNER/NAME=PATH",
        help="git directory of a repository, instead of looking in --mirrors",
    )
    parser.add_argument(
        "--model-audit",
        default="model-audit",
        metavar="EXE",
        help="the model-audit executable (default: model-audit on PATH)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the scores as JSON")
    parser.add_argument(
        "--reports-dir",
        type=Path,
        metavar="DIR",
        help="keep each scan's JSON report (owner+name.json) and time (owner+name.seconds) here"
        " (default: a temporary directory)",
    )
    parser.add_argument(
        "--from-reports",
        action="store_true",
        help="score the reports already in --reports-dir instead of running the tool",
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="fact cache shared by all scans (default: a fresh empty cache per scan)",
    )
    cache.add_argument("--no-cache", action="store_true", help="scan with --no-cache")
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds allowed per scan"
    )
    args = parser.parse_args(argv)
    if args.from_reports and args.reports_dir is None:
        parser.error("--from-reports needs --reports-dir")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    schema = load_schema()
    overrides: dict[str, Path] = dict(args.repo)
    files = corpus_files(args.corpus)
    if not files:
        print("no corpus files", file=sys.stderr)
        return 2
    corpora = [(path, load_corpus(path, schema)) for path in files]
    if args.model_audit and not args.from_reports and shutil.which(args.model_audit) is None:
        print(f"model-audit executable not found: {args.model_audit}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ma-accuracy-") as scratch:
        reports = args.reports_dir or Path(scratch) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        scores: list[RepositoryScore] = []
        for path, corpus in corpora:
            repository = str(corpus["repository"])
            report_path = reports / f"{repository.replace('/', '+')}.json"
            git_dir = find_git_dir(repository, args.mirrors, overrides)
            report: dict[str, Any] | None = None
            seconds: float | None = None
            error: str | None = None
            timing_path = report_path.with_suffix(".seconds")
            if args.from_reports:
                if report_path.is_file():
                    report = json.loads(report_path.read_text(encoding="utf-8"))
                    if timing_path.is_file():
                        seconds = float(timing_path.read_text(encoding="utf-8").strip())
                else:
                    error = f"no report {report_path}"
            elif git_dir is None:
                error = f"no git directory for {repository} under {args.mirrors}"
            else:
                if args.no_cache:
                    extra = ["--no-cache"]
                elif args.cache_dir is not None:
                    extra = ["--cache-dir", str(args.cache_dir)]
                else:
                    fresh = Path(tempfile.mkdtemp(prefix="cache-", dir=scratch))
                    extra = ["--cache-dir", str(fresh)]
                print(f"scanning {repository} ({corpus['range']}) ...", file=sys.stderr)
                report, seconds, error = run_scan(
                    args.model_audit,
                    git_dir,
                    str(corpus["range"]),
                    report_path,
                    extra,
                    args.timeout,
                )
                seconds = round(seconds, 3)
                timing_path.write_text(f"{seconds}\n", encoding="utf-8")
            scores.append(
                score_repository(
                    corpus,
                    report,
                    corpus_path=str(path),
                    git_dir=None if git_dir is None else str(git_dir),
                    scan_seconds=seconds,
                    error=error,
                )
            )
    print(render_table(scores))
    if args.json is not None:
        document = scores_document(scores, args.model_audit)
        scores_validator(schema).validate(document)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if any(s.error for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main())

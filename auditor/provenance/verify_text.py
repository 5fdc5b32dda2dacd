"""``verify`` output: plain text for people, JSON (``schemas/verify.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from auditor.checkpoints.check_render import (
    bisect_section,
    check_section,
    render_bisect,
    render_check,
)
from auditor.domain import Finding
from auditor.provenance.identify_text import facts_document, identify_document
from auditor.provenance.identify_text import render_table as identify_table
from auditor.provenance.manifest import manifest_document
from auditor.provenance.releases import ReleaseCheck, fact_of
from auditor.provenance.verify import Verdict, Verification
from auditor.schemas import schema_id

SCHEMA_VERSION = 1
#: How many findings the table lists before counting the rest.
FINDINGS_SHOWN = 12
_VERDICTS = {
    Verdict.FINE: "fine: the file is the one stamped and {target} loads it as the stamped "
    "commit does",
    Verdict.BREAKS: "breaks: {target} rejects it",
    Verdict.LOADS_AS_VARIANT: "loads as a variant: {target} rejects it as {stamped}, "
    "but loads it as {variant}",
    Verdict.MISMATCH: "mismatch: the file is not the one the manifest describes",
    Verdict.NOT_CHECKED: "not checked: no runtime check, and no static finding says it breaks",
}


def verify_document(v: Verification) -> dict[str, Any]:
    """The JSON document of a verification."""
    first = v.bisect.first_rejecting if v.bisect else None
    return {
        "$schema": schema_id("verify"),
        "schema_version": SCHEMA_VERSION,
        "verdict": v.verdict.value,
        **facts_document(v.facts),
        "repository": v.repository,
        "target": {"revision": v.target, "sha": v.target_sha},
        "manifest_source": v.manifest_source,
        "manifest": None if v.manifest is None else manifest_document(v.manifest),
        "hash": None
        if v.hash is None
        else {
            "of": v.hash.of,
            "expected": v.hash.expected,
            "actual": v.hash.actual,
            "matches": v.hash.matches,
            "keys_match": v.hash.keys_match,
        },
        "stamped": None
        if v.stamped is None
        else {"sha": v.stamped.sha, "subject": v.stamped.subject, "date": v.stamped.date},
        "models": list(v.models),
        "commits_scanned": v.commits_scanned,
        "findings": [_finding(f) for f in v.findings],
        "runtime": None if v.runtime is None else check_section(v.runtime),
        "runtime_error": v.runtime_error,
        "bisect": None if v.bisect is None else bisect_section(v.bisect),
        "loads_as": None if v.loads_as is None else _loads_as(v.loads_as),
        "first_breaking": None
        if first is None
        else {
            "sha": first.sha,
            "subject": first.subject,
            "author": first.author,
            "date": first.date,
            "fact": fact_of(v.bisect.check) if v.bisect else None,
            "findings": [f.id for f in v.findings if f.commit == first.sha],
        },
        "static_breaks": v.static_breaks,
        "environment_drift": [
            {"name": d.name, "stamped": d.stamped, "now": d.now, "minor_or_major": d.major}
            for d in v.drift
        ],
        "requirement_changes": [
            {"name": r.name, "stamped": r.stamped, "target": r.target}
            for r in v.requirement_changes
        ],
        "front_end_changes": [
            {"name": c.name, "stamped": c.stamped, "target": c.target, "key": c.key}
            for c in v.front_end_changes
        ],
        "identification": None if v.identification is None else identify_document(v.identification),
        "warnings": list(v.warnings),
    }


def _loads_as(found: ReleaseCheck) -> dict[str, Any]:
    return {
        "model": _model(found),
        "status": found.status.value,
        "check": check_section(found.check),
    }


def _model(found: ReleaseCheck) -> str:
    assert found.check.comparison is not None
    return found.check.comparison.model


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "rule": f.rule,
        "commit": f.commit,
        "file": f.file,
        "line": f.line,
        "severity": f.severity.value,
        "category": f.category.value,
        "key": f.key,
        "old": f.old,
        "new": f.new,
        "message": f.message,
    }


def render_json(v: Verification) -> str:
    """V as indented JSON."""
    return json.dumps(verify_document(v), indent=2, ensure_ascii=False, default=str) + "\n"


def render_table(v: Verification) -> str:
    """V as plain text: the file against its manifest, the way to the target, the verdict."""
    if v.identification is not None:
        lines = [f"warning: {w}" for w in v.warnings]
        return "\n".join(lines) + "\n" + identify_table(v.identification)
    assert v.manifest is not None and v.hash is not None and v.stamped is not None
    m, h = v.manifest, v.hash
    target = v.target if v.target_sha is None else f"{v.target} ({v.target_sha[:7]})"
    lines = [
        f"checkpoint  {v.facts.file}",
        f"manifest    {v.manifest_source}",
        f"stamped     {v.stamped.short_sha} {v.stamped.subject} ("
        f"{', '.join(m.repository.tags) or m.repository.revision}"
        f"{', dirty' if m.repository.dirty else ''}), {m.model.name or m.model.layout}",
        f"sha256      {'matches' if h.matches else 'DIFFERS'} ({h.of}: {h.actual[:16]}…"
        + ("" if h.matches else f", stamped {h.expected[:16]}…")
        + ")"
        + ("" if h.matches or not h.keys_match else "; same keys and shapes, other weights"),
        f"target      {target}",
    ]
    lines += ["", _findings_title(v)]
    width = max((len(f.severity.value) for f in v.findings), default=0)
    worst_first = sorted(v.findings, key=lambda f: -f.severity.rank)
    for f in worst_first[:FINDINGS_SHOWN]:
        lines.append(f"  {f.commit[:7]}  {f.severity.value:<{width}}  {f.file}: {f.message}")
    if len(v.findings) > FINDINGS_SHOWN:
        more = len(v.findings) - FINDINGS_SHOWN
        lines.append(f"  ... {more} more (--format json lists them all)")
    if v.bisect is not None:
        lines += ["", *render_bisect(v.facts.checkpoint, v.facts.file, v.bisect)]
        if v.runtime is not None and v.bisect.first_rejecting is not None:
            lines += ["", f"at the target {target}:"]
            lines += render_check(v.facts.checkpoint, v.facts.file, v.runtime)[2:]
        if v.loads_as is not None:
            lines += ["", f"at the target {target}, as {_model(v.loads_as)}:"]
            lines += render_check(v.facts.checkpoint, v.facts.file, v.loads_as.check)[2:]
    elif v.runtime_error:
        lines += ["", f"runtime     not checked: {v.runtime_error}"]
    if v.front_end_changes:
        lines += ["", "front end (stamped -> target's config; weights load, the output is wrong):"]
        lines += [f"  {c.name} {c.stamped} -> {c.target} ({c.key})" for c in v.front_end_changes]
    if v.drift:
        lines += ["", "environment (stamped -> now):"]
        lines += [f"  {d.name} {d.stamped or '-'} -> {d.now or '-'}" for d in v.drift]
    if v.requirement_changes:
        lines += ["", f"requirements (stamped commit -> {v.target}):"]
        lines += [
            f"  {r.name} {_specifier(r.stamped)} -> {_specifier(r.target)}"
            for r in v.requirement_changes
        ]
    lines += ["", "verdict     " + _verdict(v)]
    if v.bisect is not None and v.bisect.first_rejecting is not None:
        first = v.bisect.first_rejecting
        fact = fact_of(v.bisect.check)
        what = "first breaking commit"
        if v.loads_as is not None:
            what = f"first commit that rejects it as {v.bisect.model}"
        lines.append(
            f"            {what} {first.short_sha} {first.subject}" + (f": {fact}" if fact else "")
        )
    elif v.static_breaks:
        lines.append("            (by the static audit: a critical finding concerns its model)")
    lines += [f"warning: {w}" for w in v.warnings]
    return "\n".join(lines) + "\n"


def _verdict(v: Verification) -> str:
    stamped = v.bisect.model if v.bisect is not None else None
    variant = _model(v.loads_as) if v.loads_as is not None else None
    return _VERDICTS[v.verdict].format(target=v.target, stamped=stamped, variant=variant)


def _specifier(value: str | None) -> str:
    if value is None:
        return "(not listed)"
    return value or "(any version)"


def _findings_title(v: Verification) -> str:
    about = ", ".join(v.models) if v.models else "model facts"
    count = len(v.findings)
    noun = "finding" if count == 1 else "findings"
    scanned = f"{v.commits_scanned} commit{'s' if v.commits_scanned != 1 else ''}"
    shown = ", worst first" if count > 1 else ""
    return f"static      {count} {noun} about {about} in {scanned} since the stamp{shown}"

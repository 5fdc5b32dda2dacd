"""``identify`` output: plain text for people, JSON (``schemas/identify.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from auditor.checkpoints.check_render import SHOWN
from auditor.checkpoints.results import ModelChoice
from auditor.domain import Commit
from auditor.provenance.front_end import front_end_dict
from auditor.provenance.identify import FileFacts, Identification
from auditor.provenance.releases import Break, ReleaseCheck, Run, Status, fact_of
from auditor.provenance.weights_only import WeightsOnly
from auditor.schemas import schema_id

SCHEMA_VERSION = 1


def identify_document(found: Identification) -> dict[str, Any]:
    """The JSON document of an identification."""
    model = found.model
    return {
        "$schema": schema_id("identify"),
        "schema_version": SCHEMA_VERSION,
        **facts_document(found.facts),
        "repository": found.repository,
        "profile": found.profile,
        "device": found.device,
        "not_checked": found.not_checked,
        "model": None if model is None else _model(model),
        "releases": [_release(r) for r in found.releases],
        "runs": [{"status": r.status.value, "releases": list(r.releases)} for r in found.runs],
        "breaks": [_break(b) for b in found.breaks],
        "summary": summary(found),
        "left_out": found.left_out,
        "warnings": list(found.warnings),
    }


def facts_document(facts: FileFacts) -> dict[str, Any]:
    """The file's own facts: checkpoint, layout, front end, ``weights_only``."""
    c, layout = facts.checkpoint, facts.layout
    return {
        "checkpoint": {
            "file": facts.file,
            "format": c.format.value,
            "version_tag": c.version_tag,
            "container_keys": list(c.container_keys),
            "extras": c.extras,
            "tensor_count": len(c.tensors),
            "parameter_count": c.parameter_count,
            "sha256": facts.sha256,
            "keys_digest": facts.keys_digest,
        },
        "layout": {
            "label": layout.label,
            "project": layout.project,
            "model": layout.model,
            "generation": layout.generation,
            "evidence": list(layout.evidence),
            "training_checkpoint": layout.training,
        },
        "front_end": front_end_dict(facts.front_end),
        "weights_only": _weights_only(facts.weights_only),
    }


def _weights_only(w: WeightsOnly) -> dict[str, Any]:
    return {
        "pickled": w.pickled,
        "version_tag": w.tagged,
        "loads_as_is": w.loads_as_is,
        "globals": [
            {"name": g.qualified, "allowed": g.allowed, "runs_code": g.runs_code} for g in w.globals
        ],
        "refused": [g.qualified for g in w.refused],
        "allow_list": list(w.allow_list),
        "summary": w.summary,
    }


def _choice(choice: ModelChoice | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    return {
        "model": choice.model,
        "by": choice.basis.value,
        "version": choice.version,
        "reason": choice.reason,
    }


def _model(release: ReleaseCheck) -> dict[str, Any]:
    check = release.check
    c = check.comparison
    match = next((m for m in check.models if c is not None and m.name == c.model), None)
    return {
        "release": release.name,
        "name": c.model if c else None,
        "class": c.class_name if c else None,
        "config": c.config if c else None,
        "variant": match.variant if match else None,
        "choice": _choice(check.choice),
    }


def _release(release: ReleaseCheck) -> dict[str, Any]:
    check = release.check
    return {
        "name": release.name,
        "sha": release.sha,
        "tagged": release.tagged,
        "status": release.status.value,
        "outcome": check.outcome.value,
        "model": check.comparison.model if check.comparison else None,
        "fact": None if release.status is Status.LOADS else fact_of(check),
    }


def _commit(commit: Commit | None) -> dict[str, Any] | None:
    if commit is None:
        return None
    return {
        "sha": commit.sha,
        "subject": commit.subject,
        "author": commit.author,
        "date": commit.date,
        "parent": commit.parent,
    }


def _break(b: Break) -> dict[str, Any]:
    bisect = b.bisect
    return {
        "after": b.after,
        "at": b.at,
        "verdict": bisect.verdict.value if bisect else None,
        "first_rejecting": _commit(bisect.first_rejecting) if bisect else None,
        "parent_accepts": bisect.parent_accepts if bisect else None,
        "fact": b.fact,
        "model": bisect.model if bisect else None,
        "commits_checked": len(bisect.trials) if bisect else 0,
        "commits_in_range": bisect.commits_in_range if bisect else 0,
        "error": b.error,
    }


def render_json(found: Identification) -> str:
    """FOUND as indented JSON."""
    return json.dumps(identify_document(found), indent=2, ensure_ascii=False) + "\n"


def _span(run: Run) -> str:
    first, last = run.releases[0], run.releases[-1]
    return first if first == last else f"{first} … {last}"


def summary(found: Identification) -> str | None:
    """``loads at 20240821v2 … 20250606v2pro; fails from 4e34814 on with …``; None when no
    release was checked."""
    if not found.runs:
        return None
    breaks = {b.at: b for b in found.breaks}
    parts = []
    for run in found.runs:
        span = _span(run)
        if run.status is Status.LOADS:
            parts.append(f"loads at {span}")
        elif run.status is Status.LOADS_NOT_STRICT:
            parts.append(f"loads with strict=False at {span}")
        elif run.status is Status.NOT_CHECKED:
            parts.append(f"not checked at {span}")
        else:
            parts.append(_fails(run, breaks.get(run.releases[0]), found))
    return "; ".join(parts)


def _fails(run: Run, cause: Break | None, found: Identification) -> str:
    verb = "fails" if run.status is Status.FAILS else "loads only with strict=False"
    first = cause.bisect.first_rejecting if cause and cause.bisect else None
    if first is not None:
        text = f"{verb} from {first.short_sha} on ({_span(run)})"
        return text + (f" with {cause.fact}" if cause and cause.fact else "")
    release = next(r for r in found.releases if r.name == run.releases[0])
    fact = fact_of(release.check)
    return f"{verb} at {_span(run)}" + (f" with {fact}" if fact else "")


def facts_lines(facts: FileFacts) -> list[str]:
    """The file's own facts as lines: container, digests, layout, front end, torch.load."""
    c, layout = facts.checkpoint, facts.layout
    tag = f", version tag {c.version_tag}" if c.version_tag else ""
    lines = [
        f"checkpoint  {facts.file}: {c.format.value}{tag}, {len(c.tensors)} tensors, "
        f"{c.parameter_count:,} parameters",
        f"sha256      {facts.sha256}",
        f"keys        {facts.keys_digest}",
        f"layout      {layout.label}" + (" (a training checkpoint)" if layout.training else ""),
        *(f"            {e}" for e in layout.evidence),
    ]
    if facts.front_end:
        shown = ", ".join(f"{v.name} {_value(v.value)}" for v in facts.front_end)
        lines.append(f"front end   {shown}")
    w = facts.weights_only
    lines.append(f"torch.load  {w.summary}")
    lines += [f"            {line}" for line in w.allow_list]
    return lines


def _value(value: object) -> str:
    return "null" if value is None else str(value)


def render_table(found: Identification) -> str:
    """FOUND as plain text: the file, the model, each release, each break, the summary."""
    lines = facts_lines(found.facts)
    model = found.model
    if model is not None and model.check.comparison is not None:
        c = model.check.comparison
        lines.append(
            f"model       {c.model} ({c.class_name} from {c.config or 'no config'}) at {model.name}"
        )
        if model.check.choice is not None:
            lines.append(f"chosen      {model.check.choice.reason}")
    if found.not_checked and not found.releases:
        lines.append(f"releases    not checked: {found.not_checked}")
    if found.releases:
        lines += ["", f"releases    profile {found.profile}, device {found.device}"]
        width = max(len(r.name) for r in found.releases)
        status = max(len(r.status.value) for r in found.releases)
        for r in found.releases:
            check = r.check
            what = check.comparison.model if check.comparison else (check.reason or "")
            fact = None if r.status is Status.LOADS else fact_of(check)
            detail = f"{what}: {fact}" if fact and check.comparison else what
            lines.append(f"  {r.name:<{width}}  {r.sha[:7]}  {r.status.value:<{status}}  {detail}")
    if found.breaks:
        lines += ["", "breaks"]
        for b in found.breaks:
            lines += _break_lines(b)
    text = summary(found)
    if text:
        lines += ["", text]
    lines += [f"warning: {w}" for w in found.warnings[:SHOWN]]
    return "\n".join(lines) + "\n"


def _break_lines(b: Break) -> list[str]:
    head = f"  {b.after} -> {b.at}: "
    bisect = b.bisect
    first = bisect.first_rejecting if bisect else None
    if first is None:
        why = b.error or (bisect.verdict.value if bisect else "not bisected")
        return [head + f"the first commit that rejects it is unknown ({why})"]
    lines = [
        head + f"first rejected at {first.short_sha} {first.subject}",
        f"      {first.author}, {first.date}",
    ]
    if b.fact:
        lines.append(f"      {b.fact}")
    if bisect is not None and bisect.parent_accepts and first.parent:
        lines.append(f"      its parent {first.parent[:7]} loads it")
    return lines

"""``check-ckpt`` output: plain text for people, JSON (``schemas/ckpt-check.schema.json``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.results import (
    BisectResult,
    BisectVerdict,
    CheckOutcome,
    CheckResult,
    Comparison,
    ModelChoice,
    Trial,
)
from auditor.domain import Commit
from auditor.schemas import schema_id

SCHEMA_VERSION = 1
#: How many keys of a list the table shows before grouping them by their first component.
SHOWN = 8


def check_document(
    checkpoint: Checkpoint,
    file: str,
    repository: str,
    check: CheckResult,
    bisect: BisectResult | None = None,
) -> dict[str, Any]:
    """The JSON document of one check (``--rev``) or of a bisection (``--range``)."""
    return {
        "$schema": schema_id("ckpt-check"),
        "schema_version": SCHEMA_VERSION,
        "checkpoint": {
            "file": file,
            "format": checkpoint.format.value,
            "version_tag": checkpoint.version_tag,
            "container_keys": list(checkpoint.container_keys),
            "tensor_count": len(checkpoint.tensors),
            "parameter_count": checkpoint.parameter_count,
            "config": checkpoint.config,
        },
        "repository": repository,
        "profile": check.profile,
        "device": check.device,
        "check": check_section(check),
        "bisect": None if bisect is None else bisect_section(bisect),
    }


def check_section(check: CheckResult) -> dict[str, Any]:
    """The ``check`` of the JSON document (``verify`` embeds it too)."""
    return {
        "revision": check.revision,
        "sha": check.sha,
        "outcome": check.outcome.value,
        "loads": check.loads,
        "reason": check.reason,
        "choice": _choice(check.choice),
        **_comparison(check.comparison),
        "models": [
            {
                "name": m.name,
                "variant": m.variant,
                "class": m.class_name,
                "config": m.config,
                "built": m.built,
                "not_applicable": m.not_applicable,
                "error": m.error,
                "unavailable": m.unavailable,
                "stopped": m.stopped,
                "tensors": m.tensors,
                "matched_keys": m.matched_keys,
                "match": round(m.fraction, 4),
                "mismatched_keys": m.mismatched_keys,
                "missing_keys": m.missing_keys,
            }
            for m in check.models
        ],
        "warnings": list(check.warnings),
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


def _comparison(c: Comparison | None) -> dict[str, Any]:
    if c is None:
        return {"model": None, "key_mapping": None, **{key: [] for key in _LISTS}}
    return {
        "model": c.model,
        "key_mapping": {"strip": c.mapping.strip, "add": c.mapping.add},
        "shape_mismatches": [
            {"key": m.key, "checkpoint": list(m.old), "model": list(m.new)} for m in c.mismatches
        ],
        "missing_keys": list(c.missing_keys),
        "not_shipped_keys": list(c.not_shipped),
        "unexpected_keys": list(c.unexpected_keys),
        "renames": [{"checkpoint": r.old, "model": r.new, "tensors": r.tensors} for r in c.renames],
        "config_differences": [
            {"key": d.key, "checkpoint": d.checkpoint, "model": d.model}
            for d in c.config_differences
        ],
    }


_LISTS = (
    "shape_mismatches",
    "missing_keys",
    "not_shipped_keys",
    "unexpected_keys",
    "renames",
    "config_differences",
)


def _commit(commit: Commit) -> dict[str, Any]:
    return {"sha": commit.sha, "subject": commit.subject}


def bisect_section(result: BisectResult) -> dict[str, Any]:
    """The ``bisect`` of the JSON document (``verify`` embeds it too)."""
    first = result.first_rejecting
    return {
        "range": result.range,
        "base": result.base,
        "tip": result.tip,
        "verdict": result.verdict.value,
        "model": result.model,
        "searched": result.searched,
        "commits_in_range": result.commits_in_range,
        "candidates": [_commit(c) for c in result.candidates],
        "tested": [
            {**_commit(t.commit), "role": t.role, "outcome": t.outcome.value, "rejects": t.rejects}
            for t in result.trials
        ],
        "first_rejecting": None
        if first is None
        else {**_commit(first), "parent": first.parent, "author": first.author, "date": first.date},
        "parent_accepts": result.parent_accepts,
        "undecided": [_commit(c) for c in result.undecided],
        "warnings": list(result.warnings),
    }


def render_json(document: dict[str, Any]) -> str:
    """DOCUMENT as indented JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_OUTCOMES = {
    CheckOutcome.LOADS: "loads",
    CheckOutcome.LOADS_WITH_MISSING_KEYS: "loads only with strict=False",
    CheckOutcome.FAILS_TO_LOAD: "fails to load: size mismatch "
    "(load_state_dict raises even with strict=False)",
    CheckOutcome.NO_MATCHING_MODEL: "could not check",
    CheckOutcome.BUILD_FAILED: "could not check",
    CheckOutcome.UNAVAILABLE: "could not check",
    CheckOutcome.TIMEOUT: "could not check",
    CheckOutcome.CRASHED: "could not check",
}


def render_check(checkpoint: Checkpoint, file: str, check: CheckResult) -> list[str]:
    """The lines of one check: the checkpoint, the revision, the model, the outcome, details."""
    tag = f", version tag {checkpoint.version_tag}" if checkpoint.version_tag else ""
    lines = [
        f"checkpoint  {file}: {checkpoint.format.value}{tag}, {len(checkpoint.tensors)} tensors, "
        f"{checkpoint.parameter_count:,} parameters",
        f"revision    {_revision(check)}, profile {check.profile}, device {check.device}",
    ]
    c = check.comparison
    if c is not None:
        match = next(m for m in check.models if m.name == c.model)
        mapping = ""
        if c.mapping.strip or c.mapping.add:
            mapping = f"; keys read as {c.mapping.strip or '-'}* -> {c.mapping.add or '-'}*"
        lines.append(
            f"model       {c.model} ({c.class_name} from {c.config or 'no config'}): "
            f"holds {match.fraction:.0%} of the checkpoint's keys{mapping}"
        )
    if check.choice is not None:
        lines.append(f"chosen      {check.choice.reason}")
    lines.append(f"outcome     {_OUTCOMES[check.outcome]}")
    if check.reason:
        lines.append(f"            {check.reason}")
    if c is None:
        return lines + [f"warning: {w}" for w in check.warnings]
    if c.not_shipped:
        lines.append(f"            {not_shipped(c)}")
    if c.mismatches:
        lines += ["", f"shape mismatches ({len(c.mismatches)}; checkpoint -> model):"]
        width = max(len(m.key) for m in c.mismatches[:SHOWN])
        lines += [
            f"  {m.key:<{width}}  {list(m.old)} -> {list(m.new)}" for m in c.mismatches[:SHOWN]
        ]
        if len(c.mismatches) > SHOWN:
            lines.append(f"  ... {len(c.mismatches) - SHOWN} more (--format json lists them all)")
    for title, keys in (
        ("missing keys (in the model, not in the checkpoint)", c.missing_keys),
        ("unexpected keys (in the checkpoint, not in the model)", c.unexpected_keys),
    ):
        if keys:
            lines += ["", f"{title}: {len(keys)}", *(f"  {k}" for k in summarise(keys))]
    if c.renames:
        lines += ["", "likely renames (checkpoint -> model):"]
        lines += [f"  {r.old}.* -> {r.new}.* ({r.tensors} tensors)" for r in c.renames]
    if c.config_differences:
        lines += ["", f"config (the checkpoint's -> {c.config} at {_revision(check)}):"]
        width = max(len(d.key) for d in c.config_differences)
        lines += [
            f"  {d.key:<{width}}  {json.dumps(d.checkpoint)} -> {json.dumps(d.model)}"
            for d in c.config_differences
        ]
    return lines + [f"warning: {w}" for w in check.warnings]


def not_shipped(c: Comparison) -> str:
    """``416 keys the project does not ship (enc_q.*) are absent, as expected``."""
    globs = [g for g in c.shipped_without if any(fnmatchcase(k, g) for k in c.not_shipped)]
    count = len(c.not_shipped)
    keys = "1 key" if count == 1 else f"{count} keys"
    verb = "is" if count == 1 else "are"
    return f"{keys} the project does not ship ({', '.join(globs)}) {verb} absent, as expected"


def _revision(check: CheckResult) -> str:
    short = check.sha[:7]
    return short if check.revision in (check.sha, short) else f"{check.revision} ({short})"


def summarise(keys: Sequence[str]) -> list[str]:
    """KEYS as they are, or grouped by their first component when there are many."""
    if len(keys) <= SHOWN:
        return list(keys)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        groups[key.split(".", 1)[0]].append(key)
    return [
        members[0] if len(members) == 1 else f"{head}.* ({len(members)} keys)"
        for head, members in groups.items()
    ]


_VERDICTS = {
    BisectVerdict.LOADS_AT_TIP: "no commit rejects it: the tip loads it as the base does",
    BisectVerdict.REJECTED_AT_BASE: "the base of the range already fails to load it",
    BisectVerdict.UNDECIDED: "undecided: commits that could not be built hide the first one",
}


def render_bisect(checkpoint: Checkpoint, file: str, result: BisectResult) -> list[str]:
    """The lines of a bisection: the range, the commit named, every commit checked."""
    check = result.check
    in_range = sum(1 for trial in result.trials if trial.role != "base")
    searched = f"{in_range} of {result.commits_in_range} commits checked, and the base"
    if result.searched != "none":
        searched += f"; {len(result.candidates)} change model facts"
    if result.searched == "all-commits":
        searched += ", and commits the static audit did not flag were searched"
    lines = [
        f"range       {result.range} ({result.base[:7]}..{result.tip[:7]}), "
        f"profile {check.profile}, device {check.device}",
        *([f"model       {result.model} at every commit"] if result.model else []),
        f"searched    {searched}",
    ]
    first = result.first_rejecting
    if first is not None:
        lines.append(f"first commit that rejects the checkpoint: {first.short_sha} {first.subject}")
        lines.append(f"            {first.author}, {first.date}")
        if first.parent and result.parent_accepts:
            lines.append(f"            its parent {first.parent[:7]} accepts it")
    else:
        lines.append(f"verdict     {_VERDICTS[result.verdict]}")
    lines += ["", "checked:"]
    lines += [_trial(t) for t in result.trials]
    if result.undecided:
        lines += ["", "the first rejecting commit is one of:"]
        lines += [f"  {c.short_sha}  {c.subject}" for c in result.undecided]
    lines += [f"warning: {w}" for w in result.warnings]
    return [*lines, "", *render_check(checkpoint, file, check)]


def _trial(trial: Trial) -> str:
    verdict = {True: "rejects", False: "accepts", None: "not built"}[trial.rejects]
    return (
        f"  {trial.commit.short_sha}  {trial.role:<9}  {trial.outcome.value:<23}  {verdict:<9}  "
        f"{trial.commit.subject}"
    )


def render_table(
    checkpoint: Checkpoint, file: str, check: CheckResult, bisect: BisectResult | None = None
) -> str:
    """The check, or the bisection and the check at the commit it names, as plain text."""
    lines = (
        render_check(checkpoint, file, check)
        if bisect is None
        else render_bisect(checkpoint, file, bisect)
    )
    return "\n".join(lines) + "\n"

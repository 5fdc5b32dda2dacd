"""Merge one runtime confirmation into a static report: what loading did says of each finding.

``scan --range A..B --confirm`` audits A..B statically, then builds the profile's models at A
and B (:func:`auditor.runtime.confirm`). A finding whose category is about stored tensors
(``tensor-shape``) or state-dict keys (``state-dict-keys``) is then ``confirmed`` (the
runtime shows it: a tensor whose shape moves from the old value to the new, keys missing or
renamed), ``refuted`` (the models' maps agree on every key and shape) or ``not-checked`` (the
model it concerns could not be built, or its worker ran past its timeout or died: its
evidence names the outcome, ``sovits: timeout``). Confirmation raises its confidence to
``high``, refutation lowers it to ``low``. What the runtime found that no finding says (a
model that loads but gives other outputs, a renamed submodule) becomes a finding of category
``runtime``. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from auditor.domain import Category, ChangeKind, Confidence, Finding
from auditor.rules.runtime import OUTPUT_DIFFERS, RUNTIME_RENAME, RuntimeRule
from auditor.runtime.profile import Profile
from auditor.runtime.results import ModelResult, Outcome, RuntimeReport
from auditor.wording import key_rename, shape_change

CONFIRMED = "confirmed"
REFUTED = "refuted"
NOT_CHECKED = "not-checked"
#: Rule ids of the findings runtime confirmation adds (``auditor/rules/runtime.py``).
OUTPUT_DIFFERS_RULE = OUTPUT_DIFFERS.id
RENAME_RULE = RUNTIME_RENAME.id
#: Categories whose findings a state-dict map can confirm or refute.
CHECKED = frozenset({Category.TENSOR_SHAPE, Category.STATE_DICT_KEYS})
#: How many keys of evidence a finding names.
SHOWN = 3
#: Outcomes of a model that was not built, or whose worker hung or died: nothing to judge by.
_UNBUILT = frozenset({Outcome.BUILD_FAILED, Outcome.UNAVAILABLE, Outcome.TIMEOUT, Outcome.CRASHED})


@dataclass(frozen=True)
class RuntimeMerge:
    """A static report's findings judged by a runtime confirmation, and the findings only the
    runtime made (before the project's settings apply to them)."""

    judged: tuple[Finding, ...]
    added: tuple[Finding, ...]


def merge_runtime(
    findings: Sequence[Finding], runtime: RuntimeReport, profile: Profile
) -> RuntimeMerge:
    """FINDINGS with each checkable one judged by RUNTIME, and the runtime's own findings."""
    judged = tuple(judge(finding, concerned(finding, runtime, profile)) for finding in findings)
    return RuntimeMerge(judged, runtime_findings(judged, runtime, profile))


def concerned(finding: Finding, runtime: RuntimeReport, profile: Profile) -> list[ModelResult]:
    """The models FINDING is about: built from its file, or defined in it; else every model
    that is not a variant (a change in a shared module such as the symbol table)."""
    files = model_files(profile)
    named = [
        m
        for m in runtime.models
        if finding.file in (m.old_config, m.new_config) or finding.file in files.get(m.name, ())
    ]
    return named or [m for m in runtime.models if "@" not in m.name]


def model_files(profile: Profile) -> dict[str, tuple[str, ...]]:
    """The source files each model's class may live in: every candidate module, per folder on
    the worker's sys.path."""
    roots = [r.strip("/") for r in (*profile.sys_path, ".")]
    return {
        spec.name: tuple(
            f"{root}/{module.replace('.', '/')}.py".removeprefix("./").lstrip("/")
            for module in spec.modules
            for root in roots
        )
        for spec in profile.models
    }


def judge(finding: Finding, models: Sequence[ModelResult]) -> Finding:
    """FINDING with ``runtime`` set from MODELS, and its confidence moved accordingly."""
    if finding.category not in CHECKED:
        return finding
    mapped = [m for m in models if m.outcome not in _UNBUILT]
    evidence = [e for m in mapped for e in _evidence(finding, m)]
    if evidence:
        verdict, confidence = CONFIRMED, Confidence.HIGH
        text = "; ".join(evidence[:SHOWN]) + (" …" if len(evidence) > SHOWN else "")
    elif mapped and all(_clean(m) for m in mapped):
        verdict, confidence = REFUTED, Confidence.LOW
        names = ", ".join(m.name for m in mapped)
        text = f"{names}: every state-dict key and shape is the same at both revisions"
    else:
        verdict, confidence = NOT_CHECKED, finding.confidence
        text = "; ".join(f"{m.name}: {m.outcome.value}" for m in models) or "no model to check"
    return replace(finding, runtime=verdict, runtime_evidence=text, confidence=confidence)


def _clean(result: ModelResult) -> bool:
    return not (result.mismatches or result.missing_keys or result.unexpected_keys)


def _evidence(finding: Finding, result: ModelResult) -> list[str]:
    attribute = _attribute(finding.key)
    if finding.category is Category.TENSOR_SHAPE:
        resized = [s for s in result.mismatches if _moves(s.old, s.new, finding.old, finding.new)]
        own = [s for s in resized if attribute in s.key.split(".")]
        moved = [f"{result.name}: {shape_change(s.key, s.old, s.new)}" for s in own or resized]
        if moved or not _is_count(finding):
            return moved
        keys = [*result.missing_keys, *result.unexpected_keys]
        return (
            [f"{result.name}: {len(keys)} keys missing or unexpected (e.g. {keys[0]})"]
            if keys
            else []
        )
    name = attribute
    renamed = [
        f"{result.name}: {key_rename(r.old, r.new, r.tensors)}"
        for r in result.renames
        if name in (r.old.rpartition(".")[2], r.new.rpartition(".")[2])
    ]
    touched = [
        k for k in (*result.missing_keys, *result.unexpected_keys) if name and name in k.split(".")
    ]
    if renamed or not touched:
        return renamed
    return [f"{result.name}: {len(touched)} keys under {name} missing or unexpected"]


def _attribute(key: str) -> str:
    """The submodule a code fact's key names (``…self.ssl_proj.out_channels``: ssl_proj)."""
    return key.rpartition("self.")[2].split(".")[0] if "self." in key else ""


def _moves(old: Sequence[int], new: Sequence[int], before: object, after: object) -> bool:
    """Whether a tensor's shape moves, in one dimension, from BEFORE to AFTER (for values
    that are not sizes, such as ``upsample_rates``, whether it changes at all)."""
    if isinstance(before, int) and isinstance(after, int):
        pairs = zip(old, new, strict=True) if len(old) == len(new) else ()
        return any(a == before and b == after for a, b in pairs)
    return tuple(old) != tuple(new)


def _is_count(finding: Finding) -> bool:
    """A layer count or similar: it adds or removes tensors rather than resizing them."""
    leaf = finding.parameter.lower()
    return "layer" in leaf or leaf in {"n_flows", "n_blocks", "depth", "n_q"}


def runtime_findings(
    judged: Iterable[Finding], runtime: RuntimeReport, profile: Profile
) -> tuple[Finding, ...]:
    """What the runtime found that no static finding says, as findings of category runtime.

    A model and its variants (``sovits``, ``sovits@v2``) share their code: one finding each.
    """
    said = " ".join(f.runtime_evidence or "" for f in judged if f.runtime == CONFIRMED)
    files = model_files(profile)
    differs, renamed = OUTPUT_DIFFERS, RUNTIME_RENAME
    found: dict[str, Finding] = {}
    for m in runtime.models:
        base = m.name.split("@")[0]
        where = m.new_config or next(iter(files.get(m.name, ())), "")
        key = f"{base}.output"
        if differs.fires(m) and m.comparison and key not in found:
            error = m.comparison.max_rel_error
            shown = "other output shapes" if error is None else f"relative error {error:.3g}"
            found[key] = _finding(
                runtime,
                differs,
                key,
                where,
                f"{m.name}: the old weights load into the new model, every shape fits, and its "
                f"output differs from the old model's on the same inputs ({shown}, tolerance "
                f"{m.comparison.tolerance:g}): the model computes something else",
                differs.hint,
            )
        for r in m.renames if renamed.fires(m) else ():
            key = f"{base}.{r.old}"
            if f"likely rename {r.old} -> {r.new}" in said or key in found:
                continue
            found[key] = _finding(
                runtime,
                renamed,
                key,
                where,
                f"{m.name}: every tensor under {r.old}. moved to {r.new}. ({r.tensors} tensors, "
                "same shapes): old checkpoints leave it at its initial values",
                f"Map the keys when loading old checkpoints ({r.old}.* -> {r.new}.*), or keep "
                "the old attribute name.",
                old=r.old,
                new=r.new,
            )
    return tuple(found[key] for key in sorted(found))


def _finding(
    runtime: RuntimeReport,
    rule: RuntimeRule,
    key: str,
    file: str,
    message: str,
    hint: str,
    *,
    old: str | None = None,
    new: str | None = None,
) -> Finding:
    material = f"{rule.id}\0{runtime.new_sha}\0{runtime.old_sha}\0{key}"
    return Finding(
        id=hashlib.sha256(material.encode("utf-8")).hexdigest()[:16],
        rule=rule.id,
        change=ChangeKind.MODIFIED,
        commit=runtime.new_sha,
        parent=runtime.old_sha,
        file=file,
        line=0,
        severity=rule.severity,
        confidence=rule.confidence,
        category=rule.category,
        parameter=key.rpartition(".")[2],
        key=key,
        old=old,
        new=new,
        message=message,
        hint=hint,
        runtime=CONFIRMED,
        runtime_evidence=message,
    )

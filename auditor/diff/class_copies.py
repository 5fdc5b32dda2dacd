"""A class new to a Python file, compared with what it copies or is a version of.

- A class copied from another file of the same folder (``SynthesizerTrnV3`` of ``models.py``
  copied into its export copy ``models_onnx.py``; a class of the same name that shares at least
  half of its fact keys) is compared with that class: an exact copy
  changes nothing (the export model loads the same weights), a copy that drifted reports where
  it differs from its original. Submodules built by the same class from either file's module
  (``module.models.CFM``, ``module.models_onnx.CFM``) are the same.
- A class added beside the class it is a version of (``SynthesizerTrnV3`` beside
  ``SynthesizerTrn``) is compared with it, and its own facts are not listed as added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from auditor.diff.facts import diff_facts
from auditor.diff.siblings import variant_name
from auditor.domain import Change, ChangeKind, Fact, FactKind, class_of

#: Given a new class's name and facts, the class it copies from another file, if any: (that
#: file, its facts of the class).
CopyLookup = Callable[[str, "tuple[Fact, ...]"], "tuple[str, tuple[Fact, ...]] | None"]


def class_variants(
    path: str,
    before: tuple[Fact, ...],
    after: tuple[Fact, ...],
    changes: list[Change],
    copy_of: CopyLookup,
) -> list[Change]:
    """``changes`` of one file with the facts of its new classes compared as above."""
    existing = {class_of(f.key) for f in before}
    new_classes = {class_of(f.key) for f in after} - existing
    if not new_classes:
        return changes
    kept = [c for c in changes if class_of(c.key) not in new_classes]
    for name in sorted(new_classes):
        mine = tuple(f for f in after if class_of(f.key) == name)
        is_class = any(f.key.startswith(f"{name}.__init__") for f in mine)
        copied = copy_of(name, mine) if is_class else None
        if copied is not None:
            original, theirs = copied
            kept += [
                replace(c, variant_of=f"{original}:{name}", old_file=original)
                for c in copy_drift(path, theirs, mine)
            ]
            continue
        sibling = variant_name(name, existing)
        if sibling is None:
            kept += [c for c in changes if class_of(c.key) == name]
            continue
        renamed = [
            replace(f, key=name + f.key[len(sibling) :])
            for f in before
            if class_of(f.key) == sibling
        ]
        kept += [
            replace(c, variant_of=f"{path}:{sibling}", old_file=path)
            for c in diff_facts(renamed, mine, file=path)
        ]
    return kept


def copy_drift(path: str, original: tuple[Fact, ...], copy: tuple[Fact, ...]) -> list[Change]:
    """Where the class whose facts are COPY, in PATH, differs from the class it copies
    (ORIGINAL's facts): each change goes from the original's value to the copy's."""
    return [c for c in diff_facts(original, copy, file=path) if not _same_class(c)]


def _same_class(change: Change) -> bool:
    """A submodule built by a class of the same name from another module of the copy."""
    return (
        change.fact_kind is FactKind.SUBMODULE
        and change.kind is ChangeKind.MODIFIED
        and str(change.old).rsplit(".", 1)[-1] == str(change.new).rsplit(".", 1)[-1]
    )

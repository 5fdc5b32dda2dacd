"""Where a project's export copy of a class drifted from the class it copies.

Projects that export their models keep export copies of the model classes in a file beside
the original (GPT-SoVITS: ``GPT_SoVITS/module/models_onnx.py`` beside ``models.py``): the
export graph is built from the copy, the weights trained with the original. A copy that
drifted (another default, a submodule added or dropped, another literal width) exports a
model that is not the one trained. The static audit already pairs such copies with their
originals (:meth:`auditor.diff.code.CodeDiffer.copied_class`); this lists, at one revision,
the facts that differ, original → copy.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from posixpath import basename

from auditor.export.results import CopyDrift
from auditor.pipeline import AuditOptions, class_copies_at

#: File names of export copies: ``models_onnx.py``, ``attentions_onnx.py``...
EXPORT_COPIES = ("*_onnx.py",)


def is_export_copy(path: str) -> bool:
    """Whether PATH (repository-relative) names an export copy by its file name."""
    return any(fnmatchcase(basename(path), pattern) for pattern in EXPORT_COPIES)


def copy_drift(
    path: str | os.PathLike[str], rev: str, options: AuditOptions | None = None
) -> tuple[CopyDrift, ...]:
    """Every class of REV's export copies that copies a class beside it, with its drift
    (no changes: an exact copy), ordered by copy file and class."""
    found = class_copies_at(os.fspath(path), rev, is_export_copy, options)
    return tuple(
        CopyDrift(copy=copy, original=original, class_name=name, changes=changes)
        for copy, original, name, changes in found
    )

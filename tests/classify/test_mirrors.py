"""Findings that repeat a change in a mirror copy are grouped with the primary finding."""

from __future__ import annotations

from dataclasses import replace

from auditor.classify.mirrors import group_mirrors, mirrors_of, shown
from auditor.domain import Category, ChangeKind, Confidence, FactValue, Finding, Severity

C1, C2 = "1" * 40, "2" * 40
MODELS = "GPT_SoVITS/module/models.py"
ONNX = "GPT_SoVITS/module/models_onnx.py"


def finding(
    ident: str,
    file: str,
    commit: str = C1,
    new: FactValue = "ref_encoder",
    change: ChangeKind = ChangeKind.RENAMED,
) -> Finding:
    return Finding(
        id=ident * 16,
        rule="MA504",
        change=change,
        commit=commit,
        parent=None,
        file=file,
        line=526,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        parameter="ref_encoder",
        key="SynthesizerTrn.__init__.self.ref_encoder",
        old="ref_enc",
        new=new,
        message="renamed",
        hint="remap the keys",
    )


def test_the_export_copy_mirrors_the_model_file_whatever_their_order() -> None:
    onnx, models = finding("a", ONNX), finding("b", MODELS)
    grouped = group_mirrors([onnx, models])
    assert [f.mirror_of for f in grouped] == ["b" * 16, None]
    assert shown(grouped) == [grouped[1]]
    assert mirrors_of(grouped) == {"b" * 16: [grouped[0]]}


def test_only_the_same_change_in_the_same_commit_is_a_mirror() -> None:
    models = finding("b", MODELS)
    later = finding("a", ONNX, commit=C2)
    other_value = finding("c", ONNX, new="reference_encoder")
    same_file = replace(finding("d", MODELS), key="SynthesizerTrnV3.__init__.self.ref_encoder")
    whole = finding("e", ONNX, change=ChangeKind.FILE_ADDED)
    also_whole = finding("f", MODELS, change=ChangeKind.FILE_ADDED)
    found = [models, later, other_value, same_file, whole, also_whole]
    assert [f.mirror_of for f in group_mirrors(found)] == [None] * 6


def test_three_copies_point_at_one_primary_and_grouping_is_idempotent() -> None:
    copies = [
        finding("a", "GPT_SoVITS/onnx_export.py"),
        finding("b", ONNX),
        finding("c", MODELS),
    ]
    grouped = group_mirrors(copies)
    assert [f.mirror_of for f in grouped] == ["c" * 16, "c" * 16, None]
    assert group_mirrors(grouped) == grouped
    # A primary left out of the report (by a filter) leaves its mirrors standing alone.
    assert shown(grouped[:2]) == list(grouped[:2])

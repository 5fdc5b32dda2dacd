"""Grouping findings into changelog entries: chains, merges, reverts, mirror copies, verdicts."""

from __future__ import annotations

from dataclasses import replace

from auditor.changelog.contents import Location, Release, Section
from auditor.changelog.entries import group_findings, reason_of, verdict
from auditor.domain import (
    Category,
    ChangeKind,
    Commit,
    Confidence,
    FactValue,
    Finding,
    Severity,
)

WHY = "it sets the shape of stored weights"
COMMITS = {
    sha: Commit(sha, None, "2024-01-01T00:00:00+00:00", "Ada", subject)
    for sha, subject in [
        ("a" * 40, "widen"),
        ("b" * 40, "widen more"),
        ("c" * 40, "Merge branch 'wide'"),
        ("d" * 40, "revert"),
        ("e" * 40, "更新配置"),
    ]
}


def finding(
    commit: str,
    old: FactValue,
    new: FactValue,
    *,
    key: str = "model.gin_channels",
    file: str = "configs/s2.json",
    line: int = 12,
    rule: str = "MA101",
    severity: Severity = Severity.CRITICAL,
    change: ChangeKind = ChangeKind.MODIFIED,
    category: Category = Category.TENSOR_SHAPE,
) -> Finding:
    sha = commit * 40
    return Finding(
        id=f"{commit * 8}{abs(hash((file, key, old, new))) % 10**8:08d}"[:16],
        rule=rule,
        change=change,
        commit=sha,
        parent=None,
        file=file,
        line=line,
        severity=severity,
        confidence=Confidence.MEDIUM,
        category=category,
        parameter=key.rsplit(".", 1)[-1],
        key=key,
        old=old,
        new=new,
        message=f"{key}: {old} → {new}: {WHY}.",
        hint="Retrain.",
    )


def test_one_finding_is_one_entry_with_its_reason_and_location() -> None:
    (entry,) = group_findings([finding("a", 512, 1024)], COMMITS)
    assert (entry.key, entry.old, entry.new, entry.change) == (
        "model.gin_channels",
        512,
        1024,
        ChangeKind.MODIFIED,
    )
    assert entry.reason == f"{WHY}."
    assert entry.locations == (Location("configs/s2.json", 12),)
    assert [c.subject for c in entry.commits] == ["widen"]


def test_a_merge_repeating_its_branch_adds_its_commit_only() -> None:
    entries = group_findings([finding("a", 512, 1024), finding("c", 512, 1024)], COMMITS)
    (entry,) = entries
    assert (entry.old, entry.new) == (512, 1024)
    assert [c.subject for c in entry.commits] == ["widen", "Merge branch 'wide'"]
    assert len(entry.finding_ids) == 2


def test_changed_twice_reads_as_one_net_change() -> None:
    (entry,) = group_findings([finding("a", 512, 768), finding("b", 768, 1024)], COMMITS)
    assert (entry.old, entry.new) == (512, 1024)
    assert [c.subject for c in entry.commits] == ["widen", "widen more"]


def test_two_steps_merged_after_both_commits_stay_one_entry() -> None:
    found = [finding("a", 512, 768), finding("b", 768, 1024), finding("c", 512, 1024)]
    (entry,) = group_findings(found, COMMITS)
    assert (entry.old, entry.new) == (512, 1024)
    assert len(entry.commits) == 3


def test_changed_and_changed_back_is_not_in_the_release() -> None:
    assert group_findings([finding("a", 512, 1024), finding("d", 1024, 512)], COMMITS) == ()


def test_changed_back_and_again_is_in_the_release() -> None:
    found = [finding("a", 512, 1024), finding("b", 1024, 512), finding("d", 512, 1024)]
    (entry,) = group_findings(found, COMMITS)
    assert (entry.old, entry.new) == (512, 1024)


def test_added_then_removed_is_not_in_the_release() -> None:
    found = [
        finding("a", None, True, key="model.use_spk", change=ChangeKind.ADDED),
        finding("b", True, None, key="model.use_spk", change=ChangeKind.REMOVED),
    ]
    assert group_findings(found, COMMITS) == ()


def test_true_is_not_one() -> None:
    (entry,) = group_findings([finding("a", 1, 2), finding("b", 2, True)], COMMITS)
    assert (entry.old, entry.new) == (1, True)


def test_a_mirror_copy_reads_as_one_entry_with_both_locations() -> None:
    found = [
        finding("a", 512, 1024),
        finding("a", 512, 1024, file="tools/mirror/s2.json", line=30),
    ]
    (entry,) = group_findings(found, COMMITS)
    assert entry.locations == (
        Location("configs/s2.json", 12),
        Location("tools/mirror/s2.json", 30),
    )
    assert len(entry.commits) == 1


def test_a_rename_in_the_model_and_its_export_copy_is_one_entry() -> None:
    renamed = {
        "key": "SynthesizerTrn.__init__.self.ref_encoder",
        "rule": "MA504",
        "severity": Severity.MEDIUM,
        "change": ChangeKind.RENAMED,
        "category": Category.STATE_DICT_KEYS,
    }
    found = [
        finding("e", "ref_enc", "ref_encoder", file="module/models.py", line=526, **renamed),
        finding("e", "ref_enc", "ref_encoder", file="module/models_onnx.py", line=88, **renamed),
    ]
    ((entry,), verdict_line) = group_findings(found, COMMITS), verdict(_section(*found))
    assert (entry.change, entry.old, entry.new, entry.severity) == (
        ChangeKind.RENAMED,
        "ref_enc",
        "ref_encoder",
        Severity.MEDIUM,
    )
    assert entry.locations == (
        Location("module/models.py", 526),
        Location("module/models_onnx.py", 88),
    )
    assert verdict_line == (True, "yes, but review 1 medium change")


def test_different_values_in_two_files_stay_apart() -> None:
    found = [finding("a", 512, 1024), finding("a", 512, 768, file="configs/s2v2.json")]
    assert len(group_findings(found, COMMITS)) == 2


def test_files_removed_by_one_commit_are_one_entry() -> None:
    found = [
        finding(
            "e",
            None,
            None,
            key=path,
            file=path,
            line=0,
            rule="MA302",
            severity=Severity.MEDIUM,
            change=ChangeKind.FILE_REMOVED,
            category=Category.CONFIG_FILE,
        )
        for path in ("a/x.json", "a/y.json")
    ]
    found = [replace(f, message=f"{f.file} removed (3 values): gone.") for f in found]
    (entry,) = group_findings(found, COMMITS)
    assert [loc.file for loc in entry.locations] == ["a/x.json", "a/y.json"]
    assert entry.reason == "gone."
    assert entry.commits[0].subject == "更新配置"


def test_file_added_then_removed_is_not_in_the_release() -> None:
    added = finding(
        "a", None, None, key="a/x.json", file="a/x.json", rule="MA301", change=ChangeKind.FILE_ADDED
    )
    removed = replace(added, commit="b" * 40, change=ChangeKind.FILE_REMOVED)
    found = [added, removed]
    assert group_findings(found, COMMITS) == ()


def test_entries_are_most_severe_first_then_in_walk_order() -> None:
    found = [
        finding("a", "1", "2", key="torch", rule="MA201", severity=Severity.LOW),
        finding("b", 6, 8, key="model.n_layers"),
        finding("d", 192, 256, key="model.hidden_channels"),
    ]
    keys = [entry.key for entry in group_findings(found, COMMITS)]
    assert keys == ["model.n_layers", "model.hidden_channels", "torch"]


def test_reason_keeps_a_message_it_cannot_split() -> None:
    odd = replace(finding("a", 1, 2), message="something else happened.")
    assert reason_of(odd) == "something else happened."


def _section(*found: Finding) -> Section:
    release = Release("v2.0", "f" * 40, None, "v1.0", "0" * 40)
    return Section(release, group_findings(found, COMMITS), 3)


def test_verdicts() -> None:
    assert verdict(_section()) == (True, "yes")
    assert verdict(_section(finding("a", 1, 2), finding("b", 3, 4, key="model.n_layers"))) == (
        False,
        "no — 2 critical changes",
    )
    high = finding("a", 1, 2, key="data.hop_length", rule="MA110", severity=Severity.HIGH)
    assert verdict(_section(high)) == (True, "yes, but review 1 high change")
    variant = finding("a", 256, 192, file="s2v2.json", rule="MA401", category=Category.NEW_VARIANT)
    assert verdict(_section(variant)) == (True, "yes (new variants: 1 difference)")


def test_reason_of_a_change_in_a_moved_file_leaves_out_the_move() -> None:
    plain = finding("a", 512, 1024)
    prefix = "model.gin_channels: 512 → 1024"
    assert plain.message.startswith(prefix + ": ")
    moved = replace(plain, message=f"{prefix} (file moved from old/s2.json): it sets shapes.")
    assert reason_of(moved) == "it sets shapes."


def test_reason_of_a_component_others_import_names_them_after_why() -> None:
    plain = finding("a", 512, 1024)
    prefix = "model.gin_channels: 512 → 1024"
    used = replace(plain, message=f"{prefix} (imported by api.py and webui.py): it feeds them.")
    assert reason_of(used) == "it feeds them. Imported by api.py and webui.py."

"""The Markdown report for pull-request comments."""

from __future__ import annotations

from dataclasses import replace

from auditor.domain import ChangeKind, Severity
from auditor.render.markdown import code, escape, render, verdict
from tests.render.test_renderers import REPORT

GIN, RATES, ADDED = REPORT.findings


def test_verdict_no_counts_the_breaking_changes() -> None:
    assert verdict(replace(REPORT, warnings=())) == (
        "Checkpoints from `v1.0` load after these changes: no — 1 critical and 1 high changes"
    )
    three = replace(REPORT, findings=(GIN, GIN, GIN), warnings=())
    assert verdict(three).endswith(": no — 3 critical changes")


def test_verdict_yes_when_nothing_breaks() -> None:
    clean = replace(REPORT, range="HEAD", findings=(ADDED,), warnings=())
    assert verdict(clean) == (
        "Checkpoints from `0000000` load after these changes: yes — no breaking changes found"
    )
    empty = replace(REPORT, range="HEAD", commits=(), findings=(), warnings=())
    assert verdict(empty).startswith("Checkpoints from the start of `HEAD` load")
    assert "(1 warning: not everything was scanned)" in verdict(replace(REPORT, findings=()))


def test_groups_by_severity_worst_first_and_counts_info() -> None:
    info = replace(RATES, severity=Severity.INFO)
    medium = replace(GIN, severity=Severity.MEDIUM)
    text = render(replace(REPORT, findings=(ADDED, info, medium, GIN, info)))
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == ["### Critical (1)", "### Medium (1)", "### Low (1)", "### Warnings (1)"]
    assert "2 info findings (training-only or unknown changes) not listed" in text
    assert "upsample" not in text


def test_unicode_subject_is_kept_and_entries_say_what_where_why_and_what_to_do() -> None:
    text = render(REPORT)
    assert "- **`model.gin_channels`: `512` → `1024`** (MA101 `tensor-shape-parameter`)" in text
    assert (
        "  - where: `GPT_SoVITS/configs/s2.json:41` in `1111111` 更大的说话人嵌入 (gin 1024)"
    ) in text
    assert "  - why: model.gin\\_channels: 512 → 1024: it sets the shape of stored weights." in text
    assert "  - what to do: Retrain." in text
    assert "- **`GPT_SoVITS/configs/s2v2.json`: file added** (MA301" in text


def test_user_text_is_escaped() -> None:
    assert escape("fix *all* the <b>things</b> | [x](y) $a$ ~~z~~ & \\") == (
        r"fix \*all\* the \<b\>things\</b\> \| \[x\](y) \$a\$ \~\~z\~\~ \& \\"
    )
    assert escape("two\nlines\r\n") == "two lines "
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    commit = replace(REPORT.commits[1], subject="<script>alert(1)</script> 設定を追加")
    text = render(replace(REPORT, commits=(REPORT.commits[0], commit)))
    assert "`2222222` \\<script\\>alert(1)\\</script\\> 設定を追加" in text


def test_added_and_removed_values() -> None:
    added = replace(GIN, change=ChangeKind.ADDED, old=None, new="cnhubert")
    removed = replace(GIN, change=ChangeKind.REMOVED, old=True, new=None)
    text = render(replace(REPORT, findings=(added, removed)))
    assert '`model.gin_channels`: added, `"cnhubert"`**' in text
    assert "`model.gin_channels`: removed, was `true`**" in text


def test_deterministic() -> None:
    assert render(REPORT) == render(REPORT)

"""Changelog renderers: Keep-a-Changelog Markdown and the JSON context; mini_sovits golden files.

Regenerate the golden files after an intended change with ``make golden``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.changelog.build import build_changelog
from auditor.changelog.contents import Changelog, Entry, Forge, Location, Release, Section
from auditor.changelog.context import render_json
from auditor.changelog.markdown import escape, render_markdown, what_changed
from auditor.domain import Category, ChangeKind, Commit, Severity
from auditor.pipeline import AuditOptions
from tests.conftest import validate

GOLDEN = Path(__file__).parent / "golden"
FORGE = Forge("github", "https://github.com/example/mini_sovits")
C1 = "1" * 40


def _entry(severity: Severity = Severity.CRITICAL, **changes: object) -> Entry:
    entry = Entry(
        severity=severity,
        rule="MA101",
        category=Category.TENSOR_SHAPE,
        change=ChangeKind.MODIFIED,
        parameter="gin_channels",
        key="model.gin_channels",
        old=512,
        new=1024,
        reason="it sets the shape of stored weights.",
        hint="Retrain.",
        locations=(Location("configs/s2.json", 23),),
        commits=(Commit(C1, None, "2024-01-02T00:00:00+00:00", "Ada", "更大的 *speaker* [emb]"),),
        finding_ids=("0123456789abcdef",),
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


def _changelog(*entries: Entry, forge: Forge | None = FORGE) -> Changelog:
    v2 = Release("v2.0", "2" * 40, "2024-06-04T10:00:00+02:00", "v1.0", "3" * 40)
    v1 = Release("v1.0", "3" * 40, "2024-01-01T00:00:00+00:00", None, None, root="4" * 40)
    sections = (Section(v2, entries, 4), Section(v1, (), 2))
    return Changelog("repo", sections, forge)


def test_markdown_shape() -> None:
    info = _entry(Severity.INFO, key="train.epochs", old=100, new=200)
    text = render_markdown(_changelog(_entry(), info))
    assert text.startswith(
        "## [v2.0] - 2024-06-04\n\nCheckpoints from v1.0 load into v2.0: no — 1 critical change\n"
        "\n### Critical\n\n- `model.gin_channels`: `512` → `1024` in `configs/s2.json:23`\n"
        "  - Why: it sets the shape of stored weights.\n  - What to do: Retrain.\n"
        f"  - Commit: [`1111111`](https://github.com/example/mini_sovits/commit/{C1}) "
        "更大的 \\*speaker\\* \\[emb\\]\n\n"
    )
    assert "train.epochs" not in text
    assert "## [v1.0] - 2024-01-01\n\nCheckpoints from the first commit (4444444) load" in text
    assert "No changes that affect checkpoints." in text
    assert text.endswith(
        "\n[v2.0]: https://github.com/example/mini_sovits/compare/v1.0...v2.0\n"
        "[v1.0]: https://github.com/example/mini_sovits/releases/tag/v1.0\n"
    )
    assert "### Info\n\n- `train.epochs`" in render_markdown(_changelog(_entry(), info), True)


def test_markdown_without_a_forge_has_no_links() -> None:
    text = render_markdown(_changelog(_entry(), forge=None))
    assert "](" not in text and "\n[v2.0]:" not in text
    assert "  - Commit: `1111111` 更大的" in text


def test_what_changed_for_each_kind() -> None:
    assert what_changed(_entry(change=ChangeKind.ADDED, old=None, new=True)) == (
        "`model.gin_channels` added: `true` in `configs/s2.json:23`"
    )
    assert what_changed(_entry(change=ChangeKind.REMOVED, old="v1", new=None)) == (
        '`model.gin_channels` removed (was `"v1"`) in `configs/s2.json:23`'
    )
    two = (Location("a.json", 0), Location("b.json", 0))
    assert what_changed(_entry(change=ChangeKind.FILE_REMOVED, locations=two)) == (
        "`a.json` and `b.json` removed"
    )
    mirror = (Location("a/s2.json", 3), Location("b/s2.json", 4))
    assert what_changed(_entry(locations=mirror)).endswith("in `a/s2.json:3` and `b/s2.json:4`")
    renamed = _entry(
        change=ChangeKind.RENAMED,
        key="SynthesizerTrn.__init__.self.ref_encoder",
        old="ref_enc",
        new="ref_encoder",
        locations=(Location("module/models.py", 526), Location("module/models_onnx.py", 88)),
    )
    assert what_changed(renamed) == (
        "`SynthesizerTrn`: submodule likely renamed `ref_enc` → `ref_encoder` (checkpoint keys "
        "`ref_enc.*` become `ref_encoder.*`) in `module/models.py:526` and "
        "`module/models_onnx.py:88`"
    )
    assert what_changed(_entry(new="a`b")) == (
        '`model.gin_channels`: `512` → `` "a`b" `` in `configs/s2.json:23`'
    )


def test_escape_keeps_words_and_scripts() -> None:
    assert escape("gin_channels 日本語 <b> _x_") == "gin_channels 日本語 \\<b\\> \\_x\\_"


def test_json_context_follows_the_schema() -> None:
    document = json.loads(render_json(_changelog(_entry())))
    validate(document, "changelog")
    release = document["releases"][0]
    assert (release["version"], release["previous"]["version"], release["compatible"]) == (
        "v2.0",
        "v1.0",
        False,
    )
    assert release["timestamp"] == 1717488000
    assert release["entries"][0]["commits"][0]["subject"] == "更大的 *speaker* [emb]"
    assert document["remote"] == {"kind": "github", "url": FORGE.url}


@pytest.fixture(scope="module")
def mini_sovits_changelog(sample_repo: Callable[[str], Path]) -> Changelog:
    options = AuditOptions(use_cache=False)
    changelog, _ = build_changelog(sample_repo("mini_sovits"), all_tags=True, options=options)
    return replace(changelog, repository="mini_sovits", forge=FORGE)


@pytest.mark.parametrize(
    ("name", "render"),
    [("mini_sovits.md", render_markdown), ("mini_sovits.json", render_json)],
)
def test_golden(
    mini_sovits_changelog: Changelog, name: str, render: Callable[[Changelog], str]
) -> None:
    text = render(mini_sovits_changelog)
    golden = GOLDEN / name
    if os.environ.get("MODEL_AUDIT_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    if name.endswith(".json"):
        validate(json.loads(text), "changelog")

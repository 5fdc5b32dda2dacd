"""``model-audit explain RULE_ID``: one rule's documentation."""

from __future__ import annotations

import pytest

from auditor.rules import rule_by_id
from auditor.rules.catalogue_doc import catalogue_markdown, rule_markdown
from tests.test_cli import run


def test_explain_prints_the_rule_with_its_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "MA101", "--format", "markdown")
    assert code == 0
    assert err == ""
    rule = rule_by_id("MA101")
    assert rule is not None
    assert out == rule_markdown(rule)
    assert out.startswith("## MA101 `tensor-shape-parameter`\n")
    for text in (
        rule.summary,
        "default severity: **critical**",
        "category: `tensor-shape`",
        rule.why,
        rule.hint,
    ):
        assert text in out
    assert "| flags | `GPT_SoVITS/configs/s2.json` |" in out
    assert "| ignores |" in out


def test_ids_are_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "explain", "ma999", "--format", "markdown")[1].startswith("## MA999 ")


def test_explain_renders_for_a_terminal_and_takes_the_slug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "explain", "tensor-shape-parameter")
    assert code == 0
    assert out.splitlines()[0].strip() == "MA101 tensor-shape-parameter"
    assert "##" not in out and "**" not in out and "`" not in out
    assert all(line == line.rstrip() for line in out.splitlines())
    rule = rule_by_id("MA101")
    assert rule is not None and rule.summary in out


def test_unknown_rule_exits_2_and_says_where_the_ids_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "explain", "MA000")
    assert code == 2
    assert out == ""
    assert "MA000" in err
    assert "model-audit rules" in err


def test_rule_markdown_is_the_catalogue_section() -> None:
    rule = rule_by_id("MA301")
    assert rule is not None
    assert rule_markdown(rule) in catalogue_markdown([rule])

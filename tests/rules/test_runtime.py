"""Every example of every runtime rule: a model's runtime result that the merge of a runtime
confirmation into a report (``scan --confirm``) must turn into the rule's finding, or not."""

from __future__ import annotations

import pytest

from auditor.classify.runtime_results import merge_runtime
from auditor.domain import Category, Confidence
from auditor.rules import all_rules
from auditor.rules.runtime import RuntimeExample, RuntimeRule
from auditor.runtime.profile import load_profile
from auditor.runtime.results import RuntimeReport
from tests.test_cli import run

OLD, NEW = "1" * 40, "2" * 40
PROFILE = load_profile("gpt-sovits")
RUNTIME_RULES = [rule for rule in all_rules() if isinstance(rule, RuntimeRule)]
RUNTIME_CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{'flag' if example.flagged else 'ignore'}-{n}")
    for rule in RUNTIME_RULES
    for n, example in enumerate(rule.runtime_examples)
]


def test_the_catalogue_holds_the_runtime_rules() -> None:
    assert [rule.id for rule in RUNTIME_RULES] == ["MA601", "MA602"]
    assert all(rule.category is Category.RUNTIME for rule in RUNTIME_RULES)


@pytest.mark.parametrize(("rule", "example"), RUNTIME_CASES)
def test_runtime_example(rule: RuntimeRule, example: RuntimeExample) -> None:
    runtime = RuntimeReport(
        repository="GPT-SoVITS",
        profile=PROFILE.name,
        old="v1",
        new="v2",
        old_sha=OLD,
        new_sha=NEW,
        device="cpu",
        models=(example.model,),
    )
    merged = merge_runtime((), runtime, PROFILE)
    assert merged.judged == ()
    fired = [f for f in merged.added if f.rule == rule.id]
    assert rule.fires(example.model) is example.flagged
    if not example.flagged:
        assert not fired, f"{rule.id} should ignore {example.model}: {fired}"
        return
    (finding,) = fired
    assert (finding.severity, finding.confidence) == (rule.severity, Confidence.HIGH)
    assert (finding.category, finding.commit, finding.parent) == (rule.category, NEW, OLD)
    assert finding.runtime == "confirmed"
    assert finding.file == "GPT_SoVITS/configs/s2.json"


def test_explain_and_the_catalogue_know_the_runtime_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "explain", "ma601", "--format", "markdown")
    assert code == 0
    assert out.startswith("## MA601 `output-differs`\n")
    assert "- found by runtime confirmation (`scan --confirm`)" in out
    assert (
        "| flags | `sovits` | `loads-output-differs` | decode() output: relative error 0.731 "
        "(tolerance 0.0001) |"
    ) in out
    code, out, _ = run(capsys, "rules")
    listed = [line.split()[:3] for line in out.splitlines() if line.startswith("MA60")]
    assert listed == [["MA601", "output-differs", "high"], ["MA602", "runtime-rename", "medium"]]

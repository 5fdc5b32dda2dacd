from auditor.classify.classifier import Classifier, describe, finding_id
from auditor.domain import (
    Category,
    Change,
    ChangeKind,
    Confidence,
    Fact,
    FactKind,
    Finding,
    Severity,
)
from auditor.project_config import ProjectConfig, parse_project_config
from auditor.rules import all_rules

SHA = "a" * 40


def change(key: str, old: object, new: object, kind: FactKind = FactKind.CONFIG) -> Change:
    return Change(
        ChangeKind.MODIFIED,
        kind,
        "GPT_SoVITS/configs/s2.json",
        key,
        key.rsplit(".", 1)[-1],
        old,
        new,
        12,
    )  # type: ignore[arg-type]


def classify(c: Change, config: ProjectConfig | None = None):  # type: ignore[no-untyped-def]
    return Classifier(all_rules(), config or ProjectConfig()).classify(c, SHA, "b" * 40)


def test_gin_channels_is_critical_tensor_shape() -> None:
    finding = classify(change("model.gin_channels", 512, 1024))
    assert finding is not None
    assert (finding.rule, finding.severity.value, finding.category.value) == (
        "MA101",
        "critical",
        "tensor-shape",
    )
    assert (finding.parameter, finding.key, finding.old, finding.new, finding.line) == (
        "gin_channels",
        "model.gin_channels",
        512,
        1024,
        12,
    )
    assert finding.message.startswith("model.gin_channels: 512 → 1024: it sets the shape")
    assert finding.hint.startswith("Retrain")


def test_aliases_and_case_are_matched() -> None:
    assert classify(change("model.N_LAYER", 24, 12)).rule == "MA101"  # type: ignore[union-attr]
    assert classify(change("model.head", 16, 8)).rule == "MA101"  # type: ignore[union-attr]


def test_training_keys_are_info_and_unknown_keys_fall_back() -> None:
    assert classify(change("train.learning_rate", 1e-4, 2e-4)).severity is Severity.INFO  # type: ignore[union-attr]
    other = classify(change("data.exp_dir", "a", "b"))
    assert other is not None and (other.rule, other.confidence.value) == ("MA999", "low")


def test_dependency_rules() -> None:
    torch = classify(change("torch", "==1.13.1", "==2.1.0", FactKind.DEPENDENCY))
    gradio = classify(change("gradio", "==3", "==4", FactKind.DEPENDENCY))
    assert (torch.rule, torch.severity.value) == ("MA201", "low")  # type: ignore[union-attr]
    assert (gradio.rule, gradio.severity.value) == ("MA901", "info")  # type: ignore[union-attr]


def test_project_settings_override_disable_and_declare() -> None:
    config = parse_project_config(
        {
            "severity": {"MA203": "medium"},
            "disable": ["MA101"],
            "parameters": {"style_dim": "critical"},
        },
        ".model-audit.yaml",
    )
    assert classify(change("model.gin_channels", 1, 2), config) is None
    pointer = classify(change("train.pretrained_s2G", "a", "b"), config)
    assert pointer is not None and pointer.severity is Severity.MEDIUM
    declared = classify(change("model.style_dim", 128, 256), config)
    assert declared is not None and (declared.rule, declared.severity) == (
        "MA100",
        Severity.CRITICAL,
    )


def test_file_added_is_low_only_when_it_holds_model_parameters() -> None:
    def added(*facts: Fact) -> Change:
        return Change(
            ChangeKind.FILE_ADDED,
            FactKind.CONFIG,
            "c/s2v2.json",
            "c/s2v2.json",
            "s2v2.json",
            facts=facts,
        )

    model = Fact(FactKind.CONFIG, "model.gin_channels", "gin_channels", 512, 3)
    ui = Fact(FactKind.CONFIG, "title", "title", "demo", 1)
    assert classify(added(model, ui)).severity is Severity.LOW  # type: ignore[union-attr]
    assert classify(added(ui)).severity is Severity.INFO  # type: ignore[union-attr]
    assert describe(added(model, ui)) == "c/s2v2.json added (2 values)"


def test_finding_id_is_stable_and_depends_on_the_change() -> None:
    one = change("model.gin_channels", 512, 1024)
    assert finding_id("MA101", SHA, one) == finding_id("MA101", SHA, one)
    assert finding_id("MA101", SHA, one) != finding_id(
        "MA101", SHA, change("model.gin_channels", 512, 768)
    )
    assert len(finding_id("MA101", SHA, one)) == 16


def _runtime_finding(severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        id="0123456789abcdef",
        rule="MA601",
        change=ChangeKind.MODIFIED,
        commit=SHA,
        parent="b" * 40,
        file="GPT_SoVITS/configs/s2.json",
        line=0,
        severity=severity,
        confidence=Confidence.HIGH,
        category=Category.RUNTIME,
        parameter="output",
        key="sovits.output",
        old=None,
        new=None,
        message="sovits: the output differs",
        hint="Retrain.",
    )


def test_a_finding_only_the_runtime_made_follows_the_project_settings() -> None:
    found = _runtime_finding()
    plain = Classifier(all_rules(), ProjectConfig())
    assert plain.adjust(found) is found
    raised = parse_project_config({"severity": {"MA601": "critical"}}, ".model-audit.yaml")
    adjusted = Classifier(all_rules(), raised).adjust(found)
    assert adjusted is not None and adjusted.severity is Severity.CRITICAL
    off = parse_project_config({"disable": ["MA601"]}, ".model-audit.yaml")
    assert Classifier(all_rules(), off).adjust(found) is None


def test_a_commit_without_a_parent_breaks_no_earlier_checkpoint() -> None:
    classifier = Classifier(all_rules(), ProjectConfig())
    wider = change("model.gin_channels", 512, 1024)
    first = classifier.classify(wider, SHA, None)
    later = classifier.classify(wider, SHA, "b" * 40)
    assert first is not None and later is not None
    assert (first.rule, first.severity, later.severity) == (
        "MA101",
        Severity.LOW,
        Severity.CRITICAL,
    )
    assert first.message.endswith("(no earlier revision: nothing trained before it can break).")
    # what is rated low or below already keeps its severity and its words
    epochs = classifier.classify(change("train.epochs", 10, 20), SHA, None)
    assert epochs is not None and epochs.severity is Severity.INFO
    assert "no earlier revision" not in epochs.message

import pytest

from auditor.domain import Severity
from auditor.errors import ConfigError
from auditor.extract.python import KnownComponent
from auditor.extract.python.components import ROLES
from auditor.project_config import ProjectConfig, find_project_config, read_project_config
from auditor.schemas import load_schema


def test_yaml_config_extends_default_globs() -> None:
    config = read_project_config(
        "include: ['**/*.cfg']\nexclude: ['experiments/**']\nseverity: {MA999: low}\n",
        ".model-audit.yaml",
    )
    assert config.selection.selects("GPT_SoVITS/configs/s2.json")
    assert not config.selection.selects("experiments/s2.json")
    assert config.severity == {"MA999": Severity.LOW}


def test_replace_default_globs() -> None:
    config = read_project_config(
        "include: ['conf/*.json']\nreplace_default_globs: true\n", ".model-audit.yaml"
    )
    assert config.selection.selects("conf/a.json")
    assert not config.selection.selects("GPT_SoVITS/configs/s2.json")


def test_pyproject_table() -> None:
    text = '[project]\nname = "x"\n\n[tool.model-audit]\ndisable = ["MA203"]\n'
    assert find_project_config({"pyproject.toml": text.encode()}).disabled == {"MA203"}
    assert find_project_config({"pyproject.toml": b'[project]\nname = "x"\n'}) == ProjectConfig()


def test_model_audit_yaml_wins_over_pyproject() -> None:
    files = {
        ".model-audit.yaml": b"disable: [MA101]\n",
        "pyproject.toml": b'[tool.model-audit]\ndisable = ["MA203"]\n',
    }
    assert find_project_config(files).disabled == {"MA101"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("severity: {MA101: fatal}\n", "'severity.MA101'"),
        ("unknown_key: 1\n", "'(top level)'"),
        ("disable: [gin]\n", "'disable.0'"),
        ("max_file_bytes: 0\n", "'max_file_bytes'"),
        ("include: [\n", "not valid YAML"),
        ("components: [{name: MyHubert, role: encoder}]\n", "'components.0.role'"),
        ("components: [{name: My Hubert, role: vocoder}]\n", "'components.0.name'"),
        ("components: [{name: X, role: vocoder, match: [a.b]}]\n", "'components.0.match.0'"),
        ("components: {content_encoders: [MyHubert]}\n", "'components'"),
    ],
)
def test_invalid_config_names_the_bad_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_project_config(text, ".model-audit.yaml")
    assert ".model-audit.yaml" in str(error.value)
    assert expected in str(error.value)


def test_components_extend_the_known_encoders_and_vocoders() -> None:
    text = """\
components:
  - {name: MyHubert, role: content-encoder}
  - name: NSF vocoder (ours)
    role: vocoder
    match: [MyNsfGenerator, my_nsf_generator]
"""
    config = read_project_config(text, ".model-audit.yaml")
    assert config.components == (
        KnownComponent("MyHubert", "content-encoder", ("MyHubert",)),
        KnownComponent("NSF vocoder (ours)", "vocoder", ("MyNsfGenerator", "my_nsf_generator")),
    )
    toml = '[tool.model-audit]\ncomponents = [{name = "CAMPPlusV2", role = "speaker-encoder"}]\n'
    found = find_project_config({"pyproject.toml": toml.encode()}).components
    assert found == (KnownComponent("CAMPPlusV2", "speaker-encoder", ("CAMPPlusV2",)),)


def test_component_roles_are_the_schema_roles() -> None:
    schema = load_schema("config")
    assert tuple(schema["$defs"]["component"]["properties"]["role"]["enum"]) == ROLES

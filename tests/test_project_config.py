from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.domain import Severity
from auditor.errors import ConfigError
from auditor.extract.python import KnownComponent
from auditor.extract.python.components import ROLES
from auditor.project_config import ProjectConfig, find_project_config, read_project_config
from auditor.schemas import load_schema
from tests.gitrepo import GitRepo
from tests.test_cli import run


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
        ("include: [\n", "invalid YAML"),
        ("include: ['configs/[s2.json']\n", "'include.0': 'configs/[s2.json' is not a glob"),
        ("exclude: ['a', 'b[z-a]']\n", "'exclude.1': 'b[z-a]' is not a glob: bad character"),
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


def test_a_component_names_its_checkpoint_words() -> None:
    text = "components:\n  - {name: MyHubert, role: content-encoder, words: [MyHubert, Tiny]}\n"
    (component,) = read_project_config(text, ".model-audit.yaml").components
    assert component.words == ("myhubert", "tiny")


def test_component_roles_are_the_schema_roles() -> None:
    schema = load_schema("config")
    assert tuple(schema["$defs"]["component"]["properties"]["role"]["enum"]) == ROLES


@pytest.mark.parametrize(
    ("source", "text", "message"),
    [
        (
            "audit.yaml",
            "include: []\nexclude: []\nfoo: b: c\n",
            "audit.yaml:3:7: invalid YAML: mapping values are not allowed here",
        ),
        (
            ".model-audit.yaml",
            "include: [a\n",
            ".model-audit.yaml:2:1: invalid YAML: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence)",
        ),
        (
            ".model-audit.yaml",
            "disable: [\x01]\n",
            ".model-audit.yaml:1:11: invalid YAML: unacceptable character #x0001: "
            "special characters are not allowed",
        ),
        (
            "x.json",
            '{"include": ["a"],\n  "exclude": ["b",]\n}\n',
            "x.json:2:19: invalid JSON: Expecting value",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[tool.model-audit]\ndisable = = 1\n',
            "pyproject.toml:4:11: invalid TOML: Invalid value",
        ),
        (
            "pyproject.toml",
            '[tool.model-audit]\ndisable = ["MA101"\n',
            "pyproject.toml:3:1: invalid TOML: Unclosed array",
        ),
    ],
)
def test_syntax_errors_say_file_line_and_column(source: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_project_config(text, source)
    assert str(error.value) == message


def test_the_tips_files_say_where_their_syntax_is_wrong() -> None:
    with pytest.raises(ConfigError, match=r"^\.model-audit\.yaml:2:4: invalid YAML: "):
        find_project_config({".model-audit.yaml": b"a: 1\n  b: 2\n"})
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:1:18: invalid TOML: Expected ']'"):
        find_project_config({"pyproject.toml": b"[tool.model-audit\n"})


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("audit.yaml", "foo: b: c\n", "audit.yaml:1:7: invalid YAML: mapping values are not"),
        ("x.json", '{"disable": [}\n', "x.json:1:14: invalid JSON: Expecting value"),
    ],
)
def test_config_option_syntax_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    name: str,
    text: str,
    message: str,
) -> None:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": '{"model": {"gin_channels": 512}}\n'})
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "scan", str(repo.path), "--no-cache", "--config", str(config))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {tmp_path / message}")
    assert err.count("\n") == 1
    if name.endswith(".json"):
        assert "YAML" not in err

import pytest

from auditor.extract.selection import (
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    ENVIRONMENT,
    JSON,
    PYPROJECT,
    REQUIREMENTS,
    YAML,
    Extractor,
    FileSelection,
    extractor_for,
    glob_problem,
)


@pytest.mark.parametrize(
    "path",
    [
        "GPT_SoVITS/configs/s2.json",
        "GPT_SoVITS/configs/s2v2Pro.json",
        "GPT_SoVITS/configs/s1longer.yaml",
        "configs/config.yml",
        "requirements.txt",
        "extra-req.txt",
        "docs/requirements-docs.txt",
        "install/cuda_requirements.txt",
        "environment.yml",
        "pyproject.toml",
        "./GPT_SoVITS/configs/s2.json",
    ],
)
def test_default_selection_includes_configs(path: str) -> None:
    assert FileSelection().selects(path)


@pytest.mark.parametrize(
    "path",
    [
        "tools/i18n/locale/en_US.json",
        "locales/zh.yaml",
        ".github/workflows/x.yaml",
        ".github/dependabot.yml",
        "package-lock.json",
        "webui/package.json",
        "webui/tsconfig.app.json",
        "poetry.lock",
        ".pre-commit-config.yaml",
        "docker-compose.yaml",
        ".vscode/settings.json",
        "webui/node_modules/x/config.json",
        "schemas/report.schema.json",
        "mkdocs.yml",
        ".model-audit.yaml",
        "GPT_SoVITS/pretrained_models/chinese-roberta/tokenizer.json",
        "README.md",
        "GPT_SoVITS/module/models.py",
        "notebook.ipynb",
    ],
)
def test_default_selection_excludes_non_configs(path: str) -> None:
    assert not FileSelection().selects(path)


def test_defaults_are_the_module_constants() -> None:
    assert FileSelection() == FileSelection(DEFAULT_INCLUDE, DEFAULT_EXCLUDE)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.json", "a/b/c.json", True),
        ("configs/*.json", "configs/s2.json", True),
        ("configs/*.json", "configs/v2/s2.json", False),
        ("configs/*.json", "x/configs/s2.json", False),
        ("configs/**/*.json", "configs/s2.json", True),
        ("configs/**/*.json", "configs/a/b/s2.json", True),
        ("**/configs/*.json", "x/y/configs/s2.json", True),
        ("weights/**", "weights/a/b.json", True),
        ("s?.json", "s2.json", True),
        ("s[12].json", "s3.json", False),
        ("s[!12].json", "s3.json", True),
    ],
)
def test_glob_semantics(pattern: str, path: str, matches: bool) -> None:
    assert FileSelection(include=(pattern,), exclude=()).selects(path) is matches


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (
            "configs/[s2.json",
            "the '[' at column 9 is never closed (a literal '[' is written '[[]')",
        ),
        ("configs/[]", "the '[' at column 9 is never closed"),
        ("configs/[a/b]", "the '[' at column 9 is never closed"),
        ("configs/[z-a].json", "bad character range z-a (a reversed range)"),
        ("configs/[!].json", "a '[...]' class is empty or never closed"),
    ],
)
def test_invalid_globs_say_why(pattern: str, problem: str) -> None:
    found = glob_problem(pattern)
    assert found is not None and found.startswith(problem)


@pytest.mark.parametrize("pattern", ["**/*.json", "s[!12].json", "s[]].json", "configs/[[]s2"])
def test_valid_globs_have_no_problem(pattern: str) -> None:
    assert glob_problem(pattern) is None


def test_keys_are_not_split_at_slashes() -> None:
    assert glob_problem("model.[a/b]", paths=False) is None
    assert glob_problem("model.[gin", paths=False) is not None


@pytest.mark.filterwarnings("error")
def test_a_literal_bracket_is_written_as_a_class() -> None:
    assert FileSelection(include=("configs/[[]s2.json",), exclude=()).selects("configs/[s2.json")


def test_exclude_wins_over_include() -> None:
    selection = FileSelection(include=("**/*.json",), exclude=("legacy/**",))

    assert selection.selects("configs/s2.json")
    assert not selection.selects("legacy/s2.json")


@pytest.mark.parametrize(
    ("path", "extractor"),
    [
        ("pyproject.toml", PYPROJECT),
        ("envs/environment-cuda.yml", ENVIRONMENT),
        ("environment.yaml", ENVIRONMENT),
        ("requirements.txt", REQUIREMENTS),
        ("install/cuda_requirements.txt", REQUIREMENTS),
        ("extra-req.txt", REQUIREMENTS),
        ("GPT_SoVITS/configs/s2.json", JSON),
        ("GPT_SoVITS/configs/S1.YAML", YAML),
        ("configs/base.yml", YAML),
        ("README.md", None),
        ("notes.txt", None),
    ],
)
def test_extractor_for_picks_by_file_name(path: str, extractor: Extractor | None) -> None:
    assert extractor_for(path) == extractor


def test_extractors_have_distinct_names_and_versions() -> None:
    extractors = [JSON, YAML, REQUIREMENTS, ENVIRONMENT, PYPROJECT]

    assert len({e.name for e in extractors}) == len(extractors)
    assert all(e.version >= 1 for e in extractors)
    assert JSON.extract(b'{"a": 1}').facts[0].key == "a"

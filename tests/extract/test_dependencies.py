import pytest

from auditor.domain import Fact, FactKind
from auditor.extract.dependencies import (
    extract_environment_facts,
    extract_pyproject_facts,
    extract_requirements_facts,
    normalize_name,
    parse_conda_spec,
    parse_requirement,
)


def dep(name: str, value: str, line: int) -> Fact:
    return Fact(FactKind.DEPENDENCY, name, name, value, line)


def test_requirements_txt_pins_and_unpinned() -> None:
    data = b"torch==2.1.0\ntorchaudio\ntransformers>=4.43  # for bert\n"

    assert extract_requirements_facts(data).facts == (
        dep("torch", "==2.1.0", 1),
        dep("torchaudio", "", 2),
        dep("transformers", ">=4.43", 3),
    )


def test_requirements_options_comments_urls_and_continuations() -> None:
    data = b"""# GPT-SoVITS requirements
--index-url https://download.pytorch.org/whl/cu118
-r extra-req.txt
-c constraints.txt

numpy<2.0
Pillow >= 9.0, < 11 ; python_version >= "3.9"
funasr[llm]==1.0.27 \\
    --hash=sha256:0123
-e git+https://github.com/x/faster-whisper.git@v1.0#egg=Faster_Whisper
-e .
pyopenjtalk @ git+https://github.com/r9y9/pyopenjtalk.git@v0.3.4 ; sys_platform == 'linux'
https://download.pytorch.org/whl/cu118/torchaudio-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl
numpy==1.23.4
jieba_fast
"""

    assert extract_requirements_facts(data).facts == (
        dep("faster-whisper", "@git+https://github.com/x/faster-whisper.git@v1.0", 10),
        dep("funasr", "==1.0.27", 8),
        dep("jieba-fast", "", 15),
        dep("numpy", "<2.0", 6),
        dep("pillow", ">=9.0,<11", 7),
        dep("pyopenjtalk", "@git+https://github.com/r9y9/pyopenjtalk.git@v0.3.4", 12),
        dep("torchaudio", "==2.0.1+cu118", 13),
    )


def test_requirements_file_errors() -> None:
    assert extract_requirements_facts(b"torch==2.1.0\n\xff\n").error == (
        "not UTF-8 text (invalid byte 0xff at offset 13)"
    )
    assert extract_requirements_facts("torch==2.1.0\r\n".encode("utf-16")).facts == (
        dep("torch", "==2.1.0", 1),
    )


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Torch", "torch"),
        ("jieba_fast", "jieba-fast"),
        ("ruamel.yaml", "ruamel-yaml"),
        ("a-_.b", "a-b"),
    ],
)
def test_names_are_pep503_normalized(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


@pytest.mark.parametrize(
    ("requirement", "parsed"),
    [
        ("torch==2.1.0", ("torch", "==2.1.0")),
        ("torch (>=1.13, <2)", ("torch", ">=1.13,<2")),
        ("peft[torch]~=0.10", ("peft", "~=0.10")),
        ("torch is great", None),
        ("./local/dir", None),
    ],
)
def test_parse_requirement(requirement: str, parsed: tuple[str, str] | None) -> None:
    assert parse_requirement(requirement) == parsed


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("python=3.10", ("python", "==3.10")),
        ("pytorch==2.1.0=py3.10_cuda11.8_0", ("pytorch", "==2.1.0")),
        ("conda-forge::ffmpeg", ("ffmpeg", "")),
        ("numpy 1.26.*", ("numpy", "==1.26.*")),
        ("torchaudio>=2.0,<3", ("torchaudio", ">=2.0,<3")),
    ],
)
def test_parse_conda_spec(spec: str, parsed: tuple[str, str]) -> None:
    assert parse_conda_spec(spec) == parsed


def test_environment_yml_with_pip_section() -> None:
    data = b"""name: GPTSoVits
channels:
  - pytorch
  - nvidia
dependencies:
  - python=3.10
  - pytorch==2.1.0
  - torchaudio>=2.0
  - conda-forge::ffmpeg
  - pip
  - pip:
    - -r requirements.txt
    - gradio==4.44.1  # ui
    - torchaudio==2.1.0
"""

    assert extract_environment_facts(data).facts == (
        dep("ffmpeg", "", 9),
        dep("gradio", "==4.44.1", 13),
        dep("pip", "", 10),
        dep("python", "==3.10", 6),
        dep("pytorch", "==2.1.0", 7),
        dep("torchaudio", ">=2.0", 8),
    )


def test_environment_yml_without_dependencies_or_broken() -> None:
    assert extract_environment_facts(b"name: empty\n").facts == ()
    assert extract_environment_facts(b"dependencies: [python=3.10\n").error == (
        "invalid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)"
    )


PYPROJECT = b"""[project]
name = "gpt-sovits"
dependencies = [
  "torch>=2.1",
  'numpy<2.0',
  "pyopenjtalk @ git+https://github.com/r9y9/pyopenjtalk.git ; sys_platform == 'linux'",
]

[project.optional-dependencies]
dev = ["pytest>=8", "NumPy==1.26"]

[tool.poetry.dependencies]
python = "^3.10"
librosa = { version = "0.10.2", extras = ["display"] }
"Peft" = "*"
fast-whisper = { git = "https://github.com/x/fast-whisper.git" }
"""


def test_pyproject_project_and_poetry_dependencies() -> None:
    assert extract_pyproject_facts(PYPROJECT).facts == (
        dep("fast-whisper", "", 16),
        dep("librosa", "==0.10.2", 14),
        dep("numpy", "<2.0", 5),
        dep("peft", "", 15),
        dep("pyopenjtalk", "@git+https://github.com/r9y9/pyopenjtalk.git", 6),
        dep("pytest", ">=8", 10),
        dep("python", "^3.10", 13),
        dep("torch", ">=2.1", 4),
    )


def test_pyproject_errors() -> None:
    assert extract_pyproject_facts(b"[project\nname = 1\n").error == (
        "invalid TOML at line 1, column 9: Expected ']' at the end of a table declaration"
    )
    assert extract_pyproject_facts(b"[tool.other]\nx = 1\n").facts == ()

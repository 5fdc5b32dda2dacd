"""``model-audit changelog`` on the mini_sovits sample and on small repositories."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.changelog.update import BEGIN, END
from tests.conftest import validate
from tests.gitrepo import GitRepo
from tests.test_cli import run

S2 = '{{"model": {{"gin_channels": {gin}}}}}\n'


@pytest.fixture(scope="module")
def mini_sovits(sample_repo: Callable[[str], Path]) -> Path:
    return sample_repo("mini_sovits")


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## \[([^\]]+)\].*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_all_tags_newest_first_with_verdicts(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path
) -> None:
    code, out, _ = run(capsys, "changelog", str(mini_sovits), "--no-cache", "--all-tags")
    assert code == 0
    headings = re.findall(r"^## \[(.+?)\](?: - (\d{4}-\d{2}-\d{2}))?$", out, flags=re.MULTILINE)
    assert [name for name, _ in headings] == ["v3.2", "v3.1", "v3.0", "v2.0", "v1.0"]
    assert all(date for _, date in headings)
    verdicts = re.findall(r"^Checkpoints from .*$", out, flags=re.MULTILINE)
    assert verdicts == [
        "Checkpoints from v3.1 load into v3.2: yes",  # a silent break: only runtime sees it
        "Checkpoints from v3.0 load into v3.1: no — 2 critical changes",
        "Checkpoints from v2.0 load into v3.0: no — 2 critical changes "
        "(new variants: 12 differences) (incomplete audit: 1 warning)",
        "Checkpoints from v1.0 load into v2.0: no — 8 critical changes",
    ]
    # the first release has nothing earlier to compare with: it is the baseline
    assert "The first release of this history (7 commits)" in _sections(out)["v1.0"]
    v2 = _sections(out)["v2.0"]
    assert v2.count("`model.gin_channels`") == 1
    gin = next(line for line in v2.splitlines() if "`model.gin_channels`" in line)
    # one of four shape changes that share their reason, said once above them
    assert gin.startswith(
        "  - `model.gin_channels`: `512` → `1024` in `GPT_SoVITS/configs/s2.json:24`: `1291da9`"
    )
    assert "- 4 changes. Why: it sets the shape of stored weights" in v2
    assert "Double gin_channels for the SV embedding; `4298e63` Merge branch" in v2
    assert "### Info" not in out and "train.learning_rate" not in out


def test_include_info_and_subjects_in_any_language(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path
) -> None:
    _, out, _ = run(capsys, "changelog", str(mini_sovits), "--no-cache", "--to", "v1.0")
    assert "## [v1.0]" in out and "No changes that affect checkpoints." in out
    _, out, _ = run(
        capsys, "changelog", str(mini_sovits), "--no-cache", "--to", "v1.0", "--include-info"
    )
    assert "### Info" in out and "`train.learning_rate`: `0.0001` → `5e-05`" in out


def test_default_is_unreleased_since_the_latest_tag(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path
) -> None:
    code, out, _ = run(capsys, "changelog", str(mini_sovits), "--no-cache")
    assert code == 0
    assert out.startswith(
        "## [Unreleased]\n\nCheckpoints from v3.2 load into HEAD (unreleased): yes"
    )


def test_json_validates(capsys: pytest.CaptureFixture[str], mini_sovits: Path) -> None:
    code, out, _ = run(
        capsys, "changelog", str(mini_sovits), "--no-cache", "--all-tags", "--format", "json"
    )
    assert code == 0
    document = json.loads(out)
    validate(document, "changelog")
    versions = [r["version"] for r in document["releases"]]
    assert versions == ["v3.2", "v3.1", "v3.0", "v2.0", "v1.0"]
    v2 = document["releases"][3]
    assert v2["previous"]["version"] == "v1.0" and v2["compatible"] is False
    gin = [e for e in v2["entries"] if e["key"] == "model.gin_channels"]
    assert len(gin) == 1 and len(gin[0]["commits"]) == 2
    assert (gin[0]["scope"], gin[0]["models"], gin[0]["effect"]) == (
        "checkpoint",
        ["SoVITS generator"],
        "shape",
    )
    verdicts = {m["model"]: (m["loads"], m["answer"]) for m in v2["models"]}
    assert verdicts == {"SoVITS generator": ("no", "no"), "GPT stage": ("no", "no")}
    assert document["releases"][4]["baseline"] is True
    rows = {(r["model"], r["release"]) for r in document["matrix"]["rows"]}
    assert ("SoVITS generator", "v1.0") in rows and ("GPT stage", "v3.2") in rows


def test_matrix_alone_and_min_severity(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path
) -> None:
    code, out, _ = run(
        capsys, "changelog", str(mini_sovits), "--no-cache", "--all-tags", "--matrix"
    )
    assert code == 0 and out.startswith("## Compatibility matrix\n")
    assert "| Checkpoint from | v1.0 | v2.0 | v3.0 | v3.1 | v3.2 |" in out
    assert (
        "| GPT stage @ v2.0 |  | · | loads | fails (`5f73f4b`: `model.vocab_size`) | fails |" in out
    )
    code, out, _ = run(
        capsys,
        "changelog",
        str(mini_sovits),
        "--no-cache",
        "--to",
        "v3.0",
        "--min-severity",
        "high",
    )
    assert code == 0
    assert "#### High" in out and "#### Medium" not in out and "#### Low" not in out


def _small(make_repo: Callable[..., GitRepo]) -> GitRepo:
    repo = make_repo()
    repo.commit("root", {"configs/s2.json": S2.format(gin=256)})
    repo.git("tag", "v1")
    repo.commit("更大的说话人嵌入", {"configs/s2.json": S2.format(gin=512)})
    repo.git("remote", "add", "origin", "git@github.com:o/r.git")
    return repo


def test_links_to_github_and_update_is_idempotent(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = _small(make_repo)
    target = tmp_path / "CHANGELOG.md"
    target.write_bytes(b"# Changelog\r\n\r\nHand-written.\r\n\r\n## [0.1] - 2020-01-01\r\n")
    code, out, err = run(capsys, "changelog", str(repo.path), "--no-cache", "--update", str(target))
    assert (code, out) == (0, "") and "updated" in err
    once = target.read_bytes()
    assert once.startswith(f"# Changelog\r\n\r\n{BEGIN}\r\n## [Unreleased]\r\n".encode())
    assert once.endswith(f"{END}\r\n\r\nHand-written.\r\n\r\n## [0.1] - 2020-01-01\r\n".encode())
    text = once.decode()
    sha = repo.sha("HEAD")
    assert f"[`{sha[:7]}`](https://github.com/o/r/commit/{sha}) 更大的说话人嵌入" in text
    assert "[Unreleased]: https://github.com/o/r/compare/v1...HEAD" in text
    code, _, err = run(capsys, "changelog", str(repo.path), "--no-cache", "--update", str(target))
    assert code == 0 and "already up to date" in err
    assert target.read_bytes() == once


def test_suppressions_apply_to_the_changelog(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = _small(make_repo)
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - rule: MA101\n    reason: accepted\n", "utf-8")
    _, out, _ = run(capsys, "changelog", str(repo.path), "--no-cache", "--ignore-file", str(ignore))
    assert "gin_channels`:" not in out and "load into HEAD (unreleased): yes" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all-tags", "--from", "v1"], "--all-tags cannot be combined"),
        (["--from", "v9"], "unknown revision 'v9'"),
        (["--format", "json", "--update", "{tmp}/C.md"], "--update writes Markdown"),
    ],
)
def test_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    repo = _small(make_repo)
    filled = [a.format(tmp=tmp_path) for a in args]
    code, _, err = run(capsys, "changelog", str(repo.path), "--no-cache", *filled)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_reversed_range_is_an_error_naming_both_ends(
    capsys: pytest.CaptureFixture[str], make_repo: Callable[..., GitRepo]
) -> None:
    repo = _small(make_repo)
    repo.git("tag", "v2")
    code, out, err = run(
        capsys, "changelog", str(repo.path), "--no-cache", "--from", "v2", "--to", "v1"
    )
    assert (code, out) == (2, "")
    assert err.startswith("error: --from v2 --to v1: v1 is an ancestor of v2")
    assert "did you mean --from v1 --to v2?" in err and "load" not in err


@pytest.mark.parametrize(
    "markers",
    [f"{BEGIN}\nold\n", f"{END}\nold\n{BEGIN}\n", f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n"],
    ids=["begin-without-end", "end-before-begin", "two-begins"],
)
def test_update_refuses_broken_markers_before_auditing(
    capsys: pytest.CaptureFixture[str],
    make_repo: Callable[..., GitRepo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    markers: str,
) -> None:
    repo = _small(make_repo)
    target = tmp_path / "CHANGELOG.md"
    target.write_text(f"# Changelog\n\n{markers}", "utf-8")
    before = target.read_bytes()

    def no_audit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the audit ran")

    monkeypatch.setattr("auditor.changelog.command.build_changelog", no_audit)
    code, out, err = run(capsys, "changelog", str(repo.path), "--no-cache", "--update", str(target))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {target}: ") and "the audit ran" not in err
    assert target.read_bytes() == before


def test_badge_per_release(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "badges"
    args = ["changelog", str(mini_sovits), "--no-cache", "--all-tags", "--matrix"]
    code, _, err = run(capsys, *args, "--badge", str(folder))
    assert code == 0 and f"{folder}: 5 badges written" in err
    svgs = {path.name: path.read_text("utf-8") for path in sorted(folder.iterdir())}
    assert list(svgs) == ["v1.0.svg", "v2.0.svg", "v3.0.svg", "v3.1.svg", "v3.2.svg"]
    assert "checkpoints: first release" in svgs["v1.0.svg"]
    # v2.0 breaks every checkpoint of v1.0: SoVITS v1 and v2, and the GPT stage
    assert "checkpoints: breaks 3" in svgs["v2.0.svg"]
    assert "checkpoints: loads" in svgs["v3.2.svg"]  # statically; the runtime sees more
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    code, _, err = run(capsys, *args, "--badge", str(blocked / "badges"))
    assert code == 2 and "cannot write badges into" in err

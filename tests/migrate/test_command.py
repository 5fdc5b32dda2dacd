"""``model-audit migrate``: the plan as JSON (schema'd), exit codes, and bad input as one
``error:`` line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.migrate.command import default_output
from tests.checkpoint_files import model_checkpoint, saved_checkpoint, shapes_checkpoint
from tests.conftest import validate
from tests.migrate.conftest import WIDEN
from tests.provenance.conftest import PHONEMES, sha_of
from tests.test_cli import run

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def v1_file(mini_sovits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return saved_checkpoint(tmp_path_factory, mini_sovits, "v1.0", drop="enc_q")


def test_dry_run_prints_the_plan_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path, v1_file: Path
) -> None:
    target = sha_of(mini_sovits, PHONEMES)
    code, out, _ = run(
        capsys, "-q", "migrate", str(v1_file), str(mini_sovits), "--to", target,
        "--from", "v1.0", "--dry-run", "--format", "json",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    validate(document, "migrate")
    assert (document["treatment"], document["dry_run"], document["written"]) == (
        "exact",
        True,
        None,
    )
    assert [t["key"] for t in document["tensors"] if t["step"] == "symbol-rows"] == [
        "enc_p.text_embedding.weight"
    ]
    assert not default_output(v1_file).exists()


def test_an_impossible_plan_exits_1_and_names_the_tensor(
    capsys: pytest.CaptureFixture[str], mini_sovits: Path, tmp_path: Path
) -> None:
    torch = pytest.importorskip("torch")
    target = sha_of(mini_sovits, WIDEN)
    checkpoint = model_checkpoint(torch, mini_sovits, f"{target}~1", tmp_path / "w.pth")
    parent = f"{target}~1"
    code, out, _ = run(
        capsys, "migrate", str(checkpoint), str(mini_sovits), "--to", target, "--from", parent,
    )  # fmt: skip
    assert code == 1
    assert "  retrain      enc_p.ssl_proj.weight [impossible]: [192, 768, 1] → [256, 768, 1]" in out
    assert "config      model.hidden_channels: 192 -> 256" in out
    assert not default_output(checkpoint).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent.pth", "--to", "v2.0"], "error: no checkpoint file absent.pth"),
        (["{ckpt}", "--to", "no-such-rev", "--from", "v1.0"], "no-such-rev"),
        (["{ckpt}", "--to", "v2.0", "--from", "nope"], "nope"),
        (
            ["{stranger}", "--to", "v2.0", "--from", "v1.0", "--dry-run"],
            "no model of profile gpt-sovits holds",
        ),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    mini_sovits: Path,
    v1_file: Path,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    torch = pytest.importorskip("torch")
    stranger = shapes_checkpoint(torch, tmp_path / "other.pth", {"body.w": (3, 3)})
    named = [a.format(ckpt=v1_file, stranger=stranger) for a in args]
    code, _, err = run(capsys, "-q", "migrate", named[0], str(mini_sovits), *named[1:])
    assert code == 2
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

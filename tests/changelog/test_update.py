"""Updating a hand-kept changelog between markers: every other byte stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.changelog.update import BEGIN, END, check_file, update_file, update_text
from auditor.errors import AuditError

GENERATED = "## [v2.0] - 2024-01-21\n\nCheckpoints from v1.0 load into v2.0: yes\n"
NEWER = "## [v3.0] - 2024-02-01\n\nCheckpoints from v2.0 load into v3.0: no — 1 critical change\n"


def test_update_keeps_hand_written_text_and_crlf_byte_for_byte(tmp_path: Path) -> None:
    before = (
        "\ufeff# Changelog\r\n"
        "\r\n"
        "Hand-written intro, kept as is.  \r\n"
        f"{BEGIN}\r\nold generated text\r\n{END}\r\n"
        "\r\n"
        "## [0.9] - 2023-01-01 — hand-written, 手写\r\n"
        "- trailing line without newline"
    ).encode()
    target = tmp_path / "CHANGELOG.md"
    target.write_bytes(before)
    assert update_file(target, GENERATED)
    once = target.read_bytes()
    head, _, tail = before.partition(BEGIN.encode())
    _, _, tail = tail.partition(END.encode())
    assert once.startswith(head + BEGIN.encode())
    assert once.endswith(END.encode() + tail)
    assert once == head + (BEGIN + "\n" + GENERATED + END).replace("\n", "\r\n").encode() + tail
    assert b"\r\n" in once and b"\n" not in once.replace(b"\r\n", b"")
    assert not update_file(target, GENERATED)
    assert target.read_bytes() == once
    update_file(target, NEWER)
    update_file(target, GENERATED)
    assert target.read_bytes() == once


def test_markers_go_below_the_first_title() -> None:
    text = "Preamble\n# Changelog\nAll notable changes.\n\n## [0.1]\n"
    once = update_text(text, GENERATED)
    assert once == (
        f"Preamble\n# Changelog\n\n{BEGIN}\n{GENERATED}{END}\n\nAll notable changes.\n\n## [0.1]\n"
    )
    assert update_text(once, GENERATED) == once


def test_markers_go_at_the_top_without_a_title() -> None:
    once = update_text("notes\n", GENERATED)
    assert once == f"{BEGIN}\n{GENERATED}{END}\n\nnotes\n"
    assert update_text(once, GENERATED) == once


def test_a_title_without_newline_gets_one() -> None:
    once = update_text("# Changes", GENERATED)
    assert once == f"# Changes\n\n{BEGIN}\n{GENERATED}{END}\n"
    assert update_text(once, GENERATED) == once


def test_missing_file_is_created_with_a_title(tmp_path: Path) -> None:
    target = tmp_path / "CHANGELOG.md"
    assert update_file(target, GENERATED)
    assert target.read_text("utf-8") == f"# Changelog\n\n{BEGIN}\n{GENERATED}{END}\n"
    assert not update_file(target, GENERATED)


BROKEN = [
    (f"# C\n{BEGIN}\nx\n", f"{BEGIN} has no {END} after it"),
    (f"# C\n{END}\n{BEGIN}\n", f"{END} has no {BEGIN} before it"),
    (f"# C\n{END}\nx\n", f"{END} has no {BEGIN} before it"),
    (f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n", f"{BEGIN} appears 2 times"),
    (f"{BEGIN}\n{END}\n{END}\n", f"{END} appears 2 times"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_broken_markers_are_an_error(text: str, message: str) -> None:
    with pytest.raises(AuditError) as raised:
        update_text(text, GENERATED, "CHANGELOG.md")
    assert str(raised.value).startswith(f"CHANGELOG.md: {message}")


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_check_file_refuses_what_update_would_refuse(
    tmp_path: Path, text: str, message: str
) -> None:
    target = tmp_path / "CHANGELOG.md"
    target.write_text(text, "utf-8")
    with pytest.raises(AuditError) as raised:
        check_file(target)
    assert str(raised.value).startswith(f"{target}: {message}")
    assert target.read_text("utf-8") == text


@pytest.mark.parametrize("text", [None, "notes\n", f"# C\n{BEGIN}\nold\n{END}\n"])
def test_check_file_accepts_what_update_can_write(tmp_path: Path, text: str | None) -> None:
    target = tmp_path / "CHANGELOG.md"
    if text is not None:
        target.write_text(text, "utf-8")
    check_file(target)
    assert target.exists() == (text is not None)

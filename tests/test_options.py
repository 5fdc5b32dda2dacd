"""The options every auditing command shares: declared once, read alike."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from auditor.options import CACHE_ENV, cache_options, settings_options


@click.command()
@cache_options()
@settings_options("each tip's", baseline=True)
def echo(
    cache_dir: Path | None,
    no_cache: bool,
    config_file: Path | None,
    ignore_file: Path | None,
    baseline_file: Path | None,
) -> None:
    click.echo(f"{cache_dir}|{no_cache}|{config_file}|{ignore_file}|{baseline_file}")


def test_the_cache_directory_comes_from_the_environment(tmp_path: Path) -> None:
    result = CliRunner().invoke(echo, ["--no-cache"], env={CACHE_ENV: str(tmp_path)})
    assert result.output == f"{tmp_path}|True|None|None|None\n"


def test_settings_files_must_exist_and_the_baseline_need_not(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text("{}\n", encoding="utf-8")
    later = tmp_path / "report.json"
    args = ["--config", str(config), "--baseline", str(later)]
    result = CliRunner().invoke(echo, args, env={CACHE_ENV: ""})
    assert result.output == f"None|False|{config}|None|{later}\n"
    missing = CliRunner().invoke(echo, ["--ignore-file", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_help_says_whose_files_are_replaced() -> None:
    help_text = " ".join(CliRunner().invoke(echo, ["--help"]).output.split())
    assert "Project configuration to use instead of each tip's own." in help_text


def test_without_baseline_there_is_no_baseline_option() -> None:
    @click.command()
    @settings_options()
    def bare(config_file: Path | None, ignore_file: Path | None) -> None:
        click.echo("ran")

    assert CliRunner().invoke(bare, []).output == "ran\n"
    assert CliRunner().invoke(bare, ["--baseline", "x"]).exit_code == 2

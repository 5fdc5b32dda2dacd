"""The runtime options the commands share: one --profile, --python and --stub-imports, and
--rev, --range and --timeout worded per command."""

from __future__ import annotations

import click
from click.testing import CliRunner

from auditor.cli import cli
from auditor.runtime.options import (
    PROFILE_DEFAULT,
    device_option,
    profile_option,
    range_option,
    rev_option,
    stub_imports_option,
    timeout_option,
    tolerance_option,
)


@click.command()
@profile_option("With --confirm", "profile")
@stub_imports_option
def probe(profile: str | None, stub_imports: bool) -> None:
    click.echo(f"{profile} {stub_imports}")


def test_the_profile_option_names_its_default_and_when_it_applies() -> None:
    result = CliRunner().invoke(probe, ["--help"], terminal_width=400)
    said = " ".join(result.output.split())
    assert "--profile NAME|FILE With --confirm: a shipped runtime profile" in said
    assert PROFILE_DEFAULT in said
    ran = CliRunner().invoke(probe, ["--profile", "vits", "--no-stub-imports"])
    assert (ran.exit_code, ran.output) == (0, "vits False\n")
    assert CliRunner().invoke(probe, []).output == "None True\n"


def test_every_command_taking_a_profile_says_the_same_default() -> None:
    taking = []
    for name, command in cli.commands.items():
        commands = getattr(command, "commands", {name: command})
        for sub in commands.values():
            for param in sub.params:
                if "--profile" in getattr(param, "opts", ()):
                    taking.append(sub.name)
                    assert PROFILE_DEFAULT in (getattr(param, "help", "") or ""), sub.name
    assert {"runtime", "check-ckpt", "migrate", "export-check", "fork"} <= set(taking)


@click.command()
@rev_option("probe")
@range_option("that probes")
@timeout_option("the probe goes on")
def ranged(rev: str | None, revision_range: str | None, timeout: float | None) -> None:
    click.echo(f"{rev} {revision_range} {timeout}")


def test_rev_range_and_timeout_parse_and_say_what_the_command_does() -> None:
    ran = CliRunner().invoke(ranged, ["--rev", "v1", "--range", "a..b", "--timeout", "5"])
    assert (ran.exit_code, ran.output) == (0, "v1 a..b 5.0\n")
    assert CliRunner().invoke(ranged, []).output == "None None None\n"
    assert CliRunner().invoke(ranged, ["--timeout", "0.5"]).exit_code == 2
    said = " ".join(CliRunner().invoke(ranged, ["--help"], terminal_width=400).output.split())
    assert "--rev REV The revision to probe. [default: HEAD]" in said
    assert "--range A..B Name the first commit of A..B that probes." in said
    assert "a model past it is a timeout, the probe goes on." in said


def _help(command: str, option: str) -> str:
    (param,) = [p for p in cli.commands[command].params if option in getattr(p, "opts", ())]
    assert isinstance(param, click.Option) and param.help is not None
    return param.help


def test_the_commands_word_the_shared_options_for_themselves() -> None:
    assert _help("check-ckpt", "--rev") == "The revision to check against.  [default: HEAD]"
    assert _help("export-check", "--rev") == "The revision to export.  [default: HEAD]"
    assert _help("check-ckpt", "--range").endswith("A..B whose model rejects the checkpoint.")
    assert _help("export-check", "--range").endswith("that exports at A stops exporting.")
    assert _help("check-ckpt", "--timeout").endswith("the other models are still mapped.")
    for command in ("runtime", "export-check"):
        assert _help(command, "--timeout").endswith(
            "the other models still run (default: the profile's, 300)."
        )


@click.command()
@device_option("Where the models are built.", ("meta", "cpu"))
@tolerance_option("Largest relative error that still matches.")
def built(device: str, tolerance: float | None) -> None:
    click.echo(f"{device} {tolerance}")


def test_device_defaults_to_the_first_choice_and_tolerance_is_never_negative() -> None:
    assert CliRunner().invoke(built, []).output == "meta None\n"
    ran = CliRunner().invoke(built, ["--device", "cpu", "--tolerance", "0.01"])
    assert (ran.exit_code, ran.output) == (0, "cpu 0.01\n")
    assert CliRunner().invoke(built, ["--device", "cuda"]).exit_code == 2
    assert CliRunner().invoke(built, ["--tolerance", "-1"]).exit_code == 2
    said = " ".join(CliRunner().invoke(built, ["--help"], terminal_width=400).output.split())
    assert "--device [meta|cpu] Where the models are built. [default: meta]" in said

"""The runtime options the commands share: one --profile, --python and --stub-imports."""

from __future__ import annotations

import click
from click.testing import CliRunner

from auditor.cli import cli
from auditor.runtime.options import PROFILE_DEFAULT, profile_option, stub_imports_option


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

"""docs/commands.md documents every command and every option the command line has,
and nothing it lacks."""

from __future__ import annotations

import re

import click
import pytest

from orgstate.cli import SETTINGS, cli
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "commands.md").read_text()
HEADING = re.compile(r"^## `orgstate ([a-z -]+)`$", re.M)
# An option documented at the start of a bullet: "- `--format text|json`" or "- `-f`, `--file PATH`".
OPTION = re.compile(r"^- (?:`-[a-z]`, )?`(--[a-z-]+)", re.M)
ARGUMENT = re.compile(r"^- `([A-Z_]+)`", re.M)


def commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Every runnable command by its full name ("local init")."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix}{name} ")
        else:
            found[f"{prefix}{name}"] = command
    return found


def sections(text: str) -> dict[str, str]:
    """The text under each `## orgstate NAME` heading."""
    matches = list(HEADING.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return {m.group(1): text[m.end() : end] for m, end in zip(matches, ends, strict=True)}


def options(command: click.Command) -> set[str]:
    return {
        name
        for parameter in command.params
        if isinstance(parameter, click.Option)
        for name in parameter.opts
        if name.startswith("--") and name != "--help"
    }


def arguments(command: click.Command) -> set[str]:
    return {p.human_readable_name for p in command.params if isinstance(p, click.Argument)}


def compare(documented: set[str], actual: set[str], what: str) -> list[str]:
    return [f"{what}: {name} is not documented" for name in sorted(actual - documented)] + [
        f"{what}: {name} is documented but does not exist" for name in sorted(documented - actual)
    ]


DOCUMENTED = sections(DOC)
COMMANDS = commands()


def test_every_command_has_a_section_and_every_section_a_command() -> None:
    assert not compare(set(DOCUMENTED), set(COMMANDS), "command")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_and_argument_is_documented_and_exists(name: str) -> None:
    text = DOCUMENTED.get(name, "")
    problems = compare(set(OPTION.findall(text)), options(COMMANDS[name]), f"orgstate {name}")
    problems += compare(set(ARGUMENT.findall(text)), arguments(COMMANDS[name]), f"orgstate {name}")
    assert not problems


def test_every_orgstate_toml_key_is_documented() -> None:
    table = DOC[DOC.index("## Where commands look") : DOC.index("## `orgstate validate`")]
    assert not compare(set(re.findall(r"^(\w+) = ", table, re.M)), set(SETTINGS), "orgstate.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "## `orgstate plan`\n- `--detailed-exitcode`: x\n- `--out FILE`: x\n",
            ["orgstate plan: --out is documented but does not exist"],
        ),
        ("## `orgstate plan`\n", ["orgstate plan: --detailed-exitcode is not documented"]),
    ],
)
def test_the_comparison_reports_missing_and_extra_options(text: str, expected: list[str]) -> None:
    """The check can fail: an undocumented option and a documented one that does not exist."""
    fake = click.Command("plan", params=[click.Option(["--detailed-exitcode"], is_flag=True)])
    section = sections(text)["plan"]
    assert compare(set(OPTION.findall(section)), options(fake), "orgstate plan") == expected

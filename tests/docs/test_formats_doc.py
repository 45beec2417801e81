"""docs/commands.md lists each command's formats as its `--format` offers them (the
renderer registry's, in its order), and the formats for CI have their section."""

from __future__ import annotations

import re

import click
import pytest

from tests.docs.test_commands_doc import COMMANDS, DOC, DOCUMENTED

FORMATS = re.compile(r"^- `--format ([a-z|]+)`", re.M)
WITH_FORMAT = sorted(
    name
    for name, command in COMMANDS.items()
    if any(isinstance(p, click.Option) and "--format" in p.opts for p in command.params)
)


def choices(command: click.Command) -> list[str]:
    option = next(p for p in command.params if isinstance(p, click.Option) and "--format" in p.opts)
    assert isinstance(option.type, click.Choice)
    return [str(choice) for choice in option.type.choices]


@pytest.mark.parametrize("name", WITH_FORMAT)
def test_the_documented_formats_are_the_offered_ones(name: str) -> None:
    documented = FORMATS.findall(DOCUMENTED.get(name, ""))
    assert documented == ["|".join(choices(COMMANDS[name]))], f"orgstate {name}: docs/commands.md says {documented}"


def test_the_formats_for_ci_have_their_section() -> None:
    assert "\n## Annotations and code scanning\n" in DOC
    for name in ("validate", "plan"):
        assert "(#annotations-and-code-scanning)" in DOCUMENTED[name]

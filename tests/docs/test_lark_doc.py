"""docs/lark.md against the code: the scopes are the emulator's (plus the Lark-only ones
the doc declares as such), the rate-limit table is the tier table, the environment
variables are ones the code reads, and every `orgstate ...` option named exists."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.lark.backend import WITH_EXTENSIONS
from orgstate.cli import cli
from orgstate.emulator.faults import Fault
from orgstate.emulator.scopes import ALL_SCOPES
from orgstate.lark.endpoints import TIERS
from orgstate.planner.context import CAPABILITIES
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "lark.md").read_text()
SOURCES = {path: path.read_text() for path in (ROOT / "src" / "orgstate").rglob("*.py")}
SCOPE = re.compile(r"(?<![\w/.:-])([a-z]+:[a-z][a-z_.]*(?::[a-z_.]+)?)(?![\w/:-])")
ENV = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
# How the code reads a variable: os.environ.get("X"), os.environ["X"], envvar="X", "X" in os.environ, X_ENV = "X".
READS = re.compile(r'(?:environ(?:\.get)?[\[(]|envvar=|_ENV = )"([A-Z0-9_]+)"|"([A-Z0-9_]+)" (?:not )?in os\.environ')
SHELL_STOP = {"|", "&", "&&", ";", ">", "2>"}


def rows(text: str, *header: str) -> list[list[str]]:
    """Body rows of the tables (outside code blocks) whose header starts with `header`."""
    found, table, fenced = [], [], False
    for line in [*text.splitlines(), ""]:
        fenced ^= line.startswith("```")
        if line.startswith("|") and not fenced:
            table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif table:
            if table[0][: len(header)] == list(header):
                found.extend(table[2:])
            table = []
    return found


def code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected one `code` span, got {cell!r}"
    return match.group(1)


def number(cell: str) -> int | None:
    return None if cell == "—" else int(cell)


def commands(text: str) -> list[list[str]]:
    """Every `orgstate ...` command line: in code blocks, and in inline code spans."""
    blocks = re.findall(r"```\w*\n(.*?)```", text, re.S)
    spans = re.findall(r"`([^`\n]*(?:\n[^`\n]*)?)`", re.sub(r"```.*?```", "", text, flags=re.S))
    lines = [line for block in blocks for line in block.splitlines()] + [" ".join(s.split()) for s in spans]
    found = []
    for line in filter(lambda line: "orgstate " in line, lines):
        words = shlex.split(line.split(" #", 1)[0], comments=True)
        if "orgstate" in words:
            found.append(words[words.index("orgstate") + 1 :])
    return found


def command_for(words: list[str]) -> tuple[click.Command, list[str]]:
    """The click command a command line names, and the rest of its words."""
    command: click.Command = cli
    while words and isinstance(command, click.Group) and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


def options(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}


def all_commands(command: click.Command = cli) -> list[click.Command]:
    children = command.commands.values() if isinstance(command, click.Group) else ()
    return [command, *(c for child in children for c in all_commands(child))]


def test_the_scope_table_is_the_emulators() -> None:
    listed = [code(row[0]) for row in rows(DOC, "Scope", "Whose name")]
    assert sorted(listed) == sorted(ALL_SCOPES)


def test_every_scope_named_is_the_emulators_or_declared_as_lark_only() -> None:
    lark_only = {code(row[0]) for row in rows(DOC, "Lark scope")}
    assert lark_only and not lark_only & set(ALL_SCOPES), "a Lark-only scope the emulator now checks: move it"
    named = {scope.rstrip(".") for scope in SCOPE.findall(DOC)} - set(CAPABILITIES)  # recipient:docs is no scope
    assert named - lark_only == set(ALL_SCOPES)


def test_the_rate_limits_are_the_tier_table() -> None:
    documented = {code(r[0]): (number(r[2]), number(r[3])) for r in rows(DOC, "Endpoint", "Call", "Per minute")}
    assert documented == {name: (tier.per_minute, tier.per_second) for name, tier in TIERS.items()}


def test_the_environment_variables_are_ones_the_code_reads() -> None:
    read = {name for text in SOURCES.values() for match in READS.findall(text) for name in match if name}
    named = set(ENV.findall(DOC))
    assert named <= read, f"not read by the code: {sorted(named - read)}"
    backend = SOURCES[ROOT / "src" / "orgstate" / "appliers" / "lark" / "backend.py"]
    assert {name for match in READS.findall(backend) for name in match if name} <= named, "the lark backend reads more"


@pytest.mark.parametrize("words", commands(DOC), ids=" ".join)
def test_each_orgstate_command_line_uses_options_that_exist(words: list[str]) -> None:
    command, rest = command_for(words)
    assert command is not cli, f"no such command: orgstate {' '.join(words)}"
    rest = rest[: next((i for i, word in enumerate(rest) if word in SHELL_STOP), len(rest))]
    given = {word.split("=", 1)[0] for word in rest if word.startswith("-") and word != "-"}
    assert given <= options(command), f"orgstate {command.name}: no option {sorted(given - options(command))}"


def test_each_option_named_alone_exists() -> None:
    known = set().union(*(options(command) for command in all_commands()))
    named = set(re.findall(r"`(--[a-z-]+)", DOC))
    assert named and named <= known, f"no such option: {sorted(named - known)}"


def test_the_emulator_tables_list_every_serve_option_and_fault() -> None:
    serve, _ = command_for(["emulator", "serve"])
    assert {code(row[0]) for row in rows(DOC, "Option", "Default")} == options(serve) - {"-h", "--help"}
    assert {code(row[0]) for row in rows(DOC, "Key", "Value")} == {f.value for f in Fault} | {"seed", "stall"}


def test_the_capabilities_the_lark_backend_declares_are_the_ones_named() -> None:
    section = DOC[DOC.index("## 6. What the Open API cannot do") :]
    named = set(re.findall(r"`((?:recipient:)?[a-z_]+)`", section[: section.index("| Limitation")]))
    assert LarkBackend.capabilities | WITH_EXTENSIONS == named & set(CAPABILITIES)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(([^):]+)\)", DOC))))
def test_each_link_resolves(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = (ROOT / "docs" / path).read_text() if path else DOC
    assert not anchor or anchor in {slug(h) for h in re.findall(r"^#+ (.+)$", target, re.M)}

"""Each rule id is spelled once, as a member of `RuleId` in catalogue.py.

Every module of src/orgstate is read with `ast`. Outside the catalogue no string
literal is a rule id, wherever it stands (a diagnostic constructor, a `rule=` keyword,
a comparison): a literal that is a catalogue id, or is shaped like one without being
in the catalogue, fails. Every `RuleId.NAME` names a member, `RuleId` and `CATALOGUE`
list the same ids once each, and every rule is named somewhere outside the catalogue.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from orgstate.catalogue import CATALOGUE, RuleId

SRC = Path(__file__).resolve().parents[2] / "src" / "orgstate"
CATALOGUE_MODULE = "catalogue.py"
ID_SHAPE = re.compile(r"[A-Z]+(?:-[A-Z]+)+")
CATALOGUE_IDS = frozenset(rule.id.value for rule in CATALOGUE)


@dataclass(frozen=True)
class IdUse:
    path: str  # relative to src/orgstate
    line: int
    name: str  # the literal's text, or the RuleId member's name


@dataclass(frozen=True)
class Scan:
    literals: tuple[IdUse, ...]  # string literals that are, or look like, rule ids
    constants: tuple[IdUse, ...]  # RuleId.NAME


def scan_source(source: str, path: str) -> Scan:
    literals: list[IdUse] = []
    constants: list[IdUse] = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in CATALOGUE_IDS or ID_SHAPE.fullmatch(node.value):
                literals.append(IdUse(path, node.lineno, node.value))
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == RuleId.__name__:
            constants.append(IdUse(path, node.lineno, node.attr))
    return Scan(tuple(literals), tuple(constants))


@cache
def scan_code() -> Scan:
    """Every module but the catalogue, which spells the ids."""
    scans = [
        scan_source(file.read_text(encoding="utf-8"), file.relative_to(SRC).as_posix())
        for file in sorted(SRC.rglob("*.py"))
        if file.relative_to(SRC).as_posix() != CATALOGUE_MODULE
    ]
    return Scan(
        tuple(use for scan in scans for use in scan.literals),
        tuple(use for scan in scans for use in scan.constants),
    )


def test_rule_id_and_catalogue_list_the_same_ids_once_each() -> None:
    assert [rule.id for rule in CATALOGUE] == list(RuleId)


def test_no_rule_id_is_spelled_outside_the_catalogue() -> None:
    found = [f"{use.path}:{use.line}: {use.name!r}" for use in scan_code().literals]
    advice = "name these rules through RuleId (a new rule goes into the catalogue first):"
    assert not found, "\n".join([advice, *found])


def test_every_rule_id_constant_is_in_the_catalogue() -> None:
    unknown = [
        f"{use.path}:{use.line}: RuleId.{use.name}"
        for use in scan_code().constants
        if use.name not in RuleId.__members__
    ]
    assert not unknown, "\n".join(unknown)


def test_every_rule_is_named_outside_the_catalogue() -> None:
    named = {use.name for use in scan_code().constants}
    assert sorted(set(RuleId.__members__) - named) == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("rules/seats.py", "SEAT_CAPACITY"),
        ("planner/live_seats.py", "SEAT_CAPACITY"),
        ("config/loader.py", "CFG_DUPLICATE_KEY"),
        ("tenant/core.py", "PERMISSION"),
    ],
)
def test_the_scan_finds_known_emitters(path: str, name: str) -> None:
    assert any(use.path == path and use.name == name for use in scan_code().constants)


@pytest.mark.parametrize(
    ("source", "literals", "constants"),
    [
        pytest.param('error("SEAT-CAPACITY", "m")\n', ["SEAT-CAPACITY"], [], id="catalogue-id-literal"),
        pytest.param('warning("NEW-RULE", "m")\n', ["NEW-RULE"], [], id="literal-not-in-catalogue"),
        pytest.param('raise TenantError(kind, "m", rule="PERMISSION")\n', ["PERMISSION"], [], id="one-word-id"),
        pytest.param('overfull = d.rule == "SEAT-CAPACITY"\n', ["SEAT-CAPACITY"], [], id="comparison"),
        pytest.param('error(RuleId.SEAT_CAPACITY, "m")\n', [], ["SEAT_CAPACITY"], id="constant"),
        pytest.param('error(RuleId.NO_SUCH_RULE, "m")\n', [], ["NO_SUCH_RULE"], id="unknown-constant"),
        pytest.param('"""SEAT-CAPACITY is checked here."""\nx = "UTF-8"\n', [], [], id="prose-and-other-words"),
    ],
)
def test_scan_source_finds_literals_and_constants(source: str, literals: list[str], constants: list[str]) -> None:
    scan = scan_source(source, "rules/sample.py")
    assert [use.name for use in scan.literals] == literals
    assert [use.name for use in scan.constants] == constants

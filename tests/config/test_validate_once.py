"""One run reports every problem: schema errors of the items that fail, the static rules
on the rest, and no cascade from an error already reported (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orgstate.config.loader import load_config
from orgstate.pipeline import check
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, run_orgstate

HEAD = "version: 1\norg: {name: Tiny}\ndepartments:\n  - {id: eng, name: Engineering}\nmembers:\n"


def _found(path: Path) -> list[tuple[str, int | None, str]]:
    return [(d.rule, d.line, d.message) for d in check([path]).diagnostics]


def test_schema_errors_and_rule_errors_come_in_one_run(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml(
        HEAD
        + "  - {id: alice, name: Alice, department: eng, work_email: a@t.example, job: {manager: zed}}\n"
        + "  - {id: bob, name: Bob, department: eng, work_email: bad}\n"
        + "  - {id: carol, name: Carol, department: sales, work_email: c@t.example, job: {manager: bob}}\n"
        + "  - {id: dave, name: Dave, department: eng, work_email: d@t.example, hide_phone: yes}\n"
    )
    assert [(rule, line) for rule, line, _ in _found(path)] == [
        ("REF-UNKNOWN", 6),  # alice's manager zed
        ("CFG-SCHEMA", 7),  # bob's email
        ("REF-UNKNOWN", 8),  # carol's department; her manager bob failed the schema, which is not unknown
        ("CFG-SCHEMA", 9),  # dave's hide_phone
    ]
    result = run_orgstate("validate", "-f", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "4 errors" in result.stdout + result.stderr


def test_a_plan_that_fails_the_schema_leaves_its_seats_unchecked(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml(
        "version: 1\norg:\n  name: Tiny\n  plans:\n"
        "    - {id: pro, edition: pro, seats: many, starts: 2026-01-01, expires: 2027-01-01}\n"
        "departments:\n  - {id: eng, name: Engineering}\nmembers:\n"
        "  - {id: alice, name: Alice, department: eng, work_email: a@t.example, seat: pro}\n"
        "  - {id: bob, name: Bob, department: eng, work_email: b@t.example, seat: prox}\n"
    )
    found = _found(path)
    assert [(rule, line) for rule, line, _ in found] == [("CFG-SCHEMA", 5), ("REF-UNKNOWN", 10)]
    assert found[0][2] == "expected a whole number, found 'many'"


def test_a_missing_required_section_stops_at_the_schema(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("version: 1\nmembers:\n  - {id: a, name: A, department: nowhere, work_email: a@t.example}\n")
    assert [rule for rule, _, _ in _found(path)] == ["CFG-SCHEMA"]


# -- cascades: a repeated id is reported once, and nothing follows from it --------------------------


@pytest.mark.parametrize(
    ("items", "line"),
    [
        # the repeat names itself as manager: no MANAGER-CYCLE at the first one's `manager: alice`
        (
            "  - {id: alice, name: Alice, department: eng, work_email: a@t.example}\n"
            "  - {id: bob, name: Bob, department: eng, work_email: b@t.example, job: {manager: alice}}\n"
            "  - {id: bob, name: Bob, department: eng, work_email: b2@t.example, job: {manager: bob}}\n",
            8,
        ),
        # a copy-pasted member: its email, phone and employee id repeat too
        (
            "  - {id: bob, name: Bob, department: eng, work_email: b@t.example, phone: '+15550100002',"
            " employee_id: '7'}\n"
            "  - {id: bob, name: Bob, department: eng, work_email: b@t.example, phone: '+15550100002',"
            " employee_id: '7'}\n",
            7,
        ),
        # the repeat's references and fields are not checked again
        (
            "  - {id: bob, name: Bob, department: eng, work_email: b@t.example}\n"
            "  - {id: bob, name: Bob, department: sales, login: phone, job: {manager: zed}}\n",
            7,
        ),
    ],
    ids=["manager-cycle", "member-fields", "references"],
)
def test_a_repeated_id_is_reported_once(write_yaml: Callable[..., Path], items: str, line: int) -> None:
    found = _found(write_yaml(HEAD + items))
    assert [(rule, at) for rule, at, _ in found] == [("ID-UNIQUE", line)], found


def test_a_repeated_department_gives_no_cycle_and_no_second_name(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml(
        "version: 1\norg: {name: Tiny}\ndepartments:\n  - {id: eng, name: Engineering}\n"
        "  - {id: ops, name: Ops, parent: eng}\n  - {id: ops, name: Ops, parent: ops}\n"
        "members:\n  - {id: alice, name: Alice, department: ops, work_email: a@t.example}\n"
    )
    assert [(rule, at) for rule, at, _ in _found(path)] == [("ID-UNIQUE", 6)]


def test_a_repeated_group_gives_no_second_seat_or_name(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml(
        "version: 1\norg:\n  name: Tiny\n  plans:\n"
        "    - {id: pro, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01}\n"
        "    - {id: basic, edition: basic, seats: 5, starts: 2026-01-01, expires: 2027-01-01}\n"
        "policy: {invitations: {require_approval: true}}\n"
        "departments:\n  - {id: eng, name: Engineering}\n"
        "members:\n  - {id: alice, name: Alice, department: eng, work_email: a@t.example}\n"
        "user_groups:\n  - {id: g, name: G, seat: pro, members: [alice]}\n"
        "  - {id: g, name: G, seat: basic, members: [alice, alice]}\n"
    )
    assert [(rule, at) for rule, at, _ in _found(path)] == [("ID-UNIQUE", 14)]


# -- phones ---------------------------------------------------------------------------------------


def test_a_phone_without_country_code_says_so_and_spaced_ones_are_normalised(
    write_yaml: Callable[..., Path],
) -> None:
    path = write_yaml(
        HEAD
        + "  - {id: alice, name: Alice, department: eng, phone: 15550100002}\n"
        + "  - {id: bob, name: Bob, department: eng, phone: '+86 138 0013 8000'}\n"
    )
    found = _found(path)
    assert found == [("CFG-SCHEMA", 6, 'a phone number needs its country code, e.g. "+15550100002"')]
    path.write_text(path.read_text().replace("15550100002", "'+1 555 010 0002'"))
    config = load_config([path]).config
    assert config is not None
    assert [member.phone for member in config.members] == ["+15550100002", "+8613800138000"]


def test_a_fixture_phone_is_normalised_as_a_declared_one(tmp_path: Path) -> None:
    fixture = tmp_path / "tenant.yaml"
    text = (EXAMPLES / "tenant.yaml").read_text().replace('phone: "+8613800138020"', 'phone: "+86 138 0013 8020"')
    fixture.write_text(text)
    state = load_fixture(fixture)
    assert "+8613800138020" in {live.member.phone for live in state.members}


# -- seat lists -----------------------------------------------------------------------------------


def _seat_list_errors(tmp_path: Path, csv_text: str) -> list[tuple[int | None, str]]:
    (tmp_path / "org.yaml").write_text((EXAMPLES / "org.yaml").read_text())
    (tmp_path / "seats-basic.csv").write_text(csv_text)
    found = check([tmp_path / "org.yaml"]).diagnostics
    assert {d.file for d in found if d.rule == "CFG-SCHEMA"} <= {str(tmp_path / "seats-basic.csv")}
    return [(d.line, d.message) for d in found if d.rule == "CFG-SCHEMA"]


def test_every_problem_of_a_seat_list_is_located(tmp_path: Path) -> None:
    csv_text = (
        "email,phone\n"
        "maria@acme.example,,extra\n"  # line 2
        ",\n"
        "henry@acme.example,+1 555 010 0007\n"
        "henry@acme.example,+15550100007\n"  # the same row, once normalised
        "ivan@acme.example,5550100\n"
        "paula@acme.example\n"
        "\n"  # an empty line is no row
    )
    assert _seat_list_errors(tmp_path, csv_text) == [
        (2, "3 cells, but the first row names 2 columns"),
        (3, "a row with no email or phone: it names no member"),
        (5, "repeats line 4"),
        (6, 'a phone number needs its country code, e.g. "+5550100"'),
        (7, "1 cell, but the first row names 2 columns"),
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("email,name", "unknown column 'name'; a seat list has an 'email' column, a 'phone' column or both"),
        ("Email,email", "column 'email' is named twice"),
        ("", "the first row must name an 'email' or 'phone' column"),
    ],
)
def test_a_seat_list_header_names_email_or_phone_once(tmp_path: Path, header: str, message: str) -> None:
    assert (1, message) in _seat_list_errors(tmp_path, f"{header}\nmaria@acme.example\n")

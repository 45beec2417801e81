"""The text plan renderer, on plans built directly (no config, no tenant)."""

from __future__ import annotations

from typing import Any

import click
import pytest

from orgstate.diagnostics import Diagnostic
from orgstate.planner.changes import Change
from orgstate.planner.plan import SeatUse
from orgstate.render.diagnostics import diagnostic_line
from orgstate.render.plan_text import NO_CHANGES, SYMBOLS, kind_counts, render_plan_text
from tests.render.plans import make_plan
from tests.samples import ONE_OF_EACH, change

CAPACITY = Diagnostic(
    rule="SEAT-CAPACITY",
    severity="error",
    message="pro needs 42 seats, 40 bought",
    file="org.yaml",
    line=12,
    column=5,
    path="org.plans[0]",
    address="plan.pro",
)
DEFAULT = Diagnostic(rule="TRANSFER-DEFAULT", severity="warning", message="apps stay", file="org.yaml", line=80)
WINDOW = Diagnostic(rule="RESTORE-WINDOW", severity="info", message="restored", file="org.yaml", line=3, column=1)


def test_every_action_has_a_symbol() -> None:
    assert sorted(SYMBOLS) == sorted(
        {"create", "update", "delete", "suspend", "resume", "restore", "add", "remove", "assign", "release", "transfer"}
    )


@pytest.mark.parametrize("item", ONE_OF_EACH, ids=lambda item: f"{item.type}.{item.action}")
def test_each_change_has_a_line_with_symbol_address_action_and_reason(item: Change) -> None:
    expected = {
        "create": "+",
        "add": "+",
        "assign": "+",
        "restore": "+",
        "update": "~",
        "transfer": "~",
        "resume": "~",
        "suspend": "~",
        "delete": "-",
        "remove": "-",
        "release": "-",
    }[item.action]
    with_reason = item.model_copy(update={"reason": "because"})
    lines = render_plan_text(make_plan((with_reason,))).splitlines()
    head = f"  {expected} {item.address} {item.action} (because)"
    assert head + (" ! irreversible" if item.irreversible else "") in lines


def test_a_change_without_a_reason_has_no_parentheses() -> None:
    text = render_plan_text(
        make_plan((change("member", "delete", "member.fi", before={"id": "fi", "name": "Fi", "department": "eng"}),))
    )
    assert "  - member.fi delete" in text.splitlines()


@pytest.mark.parametrize(
    ("before", "after", "fields", "expected"),
    [
        (
            {"job": {"title": "Engineer"}},
            {"job": {"title": "Staff Engineer"}},
            ("job.title",),
            ['    job.title: "Engineer" -> "Staff Engineer"'],
        ),
        (
            {"custom": {"level": "L1"}},
            {"custom": {"level": "L2"}},
            ("custom.level",),
            ['    custom.level: "L1" -> "L2"'],
        ),
        (
            {"phone": "+15550100001", "job": {"manager": "omar", "city": "Oslo"}},
            {"phone": "+15550100002", "job": {"manager": "paula", "city": "Bergen"}},
            ("phone", "job.manager", "job.city"),
            [
                '    phone: "+15550100001" -> "+15550100002"',
                '    job.manager: "omar" -> "paula"',
                '    job.city: "Oslo" -> "Bergen"',
            ],
        ),
        ({"employee_id": None}, {"employee_id": "E1"}, ("employee_id",), ['    employee_id: null -> "E1"']),
        ({}, {"departments": ["a", "b"]}, ("departments",), ['    departments: null -> ["a", "b"]']),
        ({"name": "Zoë"}, {"name": "Zoë Ö"}, ("name",), ['    name: "Zoë" -> "Zoë Ö"']),
    ],
    ids=["nested-job", "nested-custom", "several", "null", "missing-before", "unicode"],
)
def test_update_lists_one_line_per_field(
    before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...], expected: list[str]
) -> None:
    item = change("member", "update", "member.alice", before=before, after=after, fields=fields, reason="changed")
    lines = render_plan_text(make_plan((item,))).splitlines()
    start = lines.index("  ~ member.alice update (changed)")
    assert lines[start + 1 : start + 1 + len(expected)] == expected


def test_a_seat_moving_between_plans_shows_the_plan() -> None:
    item = change(
        "seat",
        "assign",
        "seat.hana",
        before={"member": "hana", "plan": "pro"},
        after={"member": "hana", "plan": "basic"},
    )
    assert '    plan: "pro" -> "basic"' in render_plan_text(make_plan((item,))).splitlines()


def test_create_lists_the_non_empty_fields_compactly() -> None:
    after = {
        "id": "henry",
        "name": "Henry Clarke",
        "departments": [],
        "business_email": None,
        "hide_phone": False,
        "job": {"title": "SDR", "manager": "diego", "dotted_line_managers": []},
        "custom": {"level": "L1"},
        "department": "sales",
    }
    item = change("member", "create", "member.henry", after=after, reason="declared, not live")
    lines = render_plan_text(make_plan((item,))).splitlines()
    start = lines.index("  + member.henry create (declared, not live)")
    assert lines[start + 1 : start + 8] == [
        '    name: "Henry Clarke"',
        '    department: "sales"',
        "    hide_phone: false",
        '    job.title: "SDR"',
        '    job.manager: "diego"',
        '    custom.level: "L1"',
        "",
    ]


def test_add_and_delete_show_no_payload() -> None:
    items = (
        change("group_member", "add", "group_member.ops/ann", after={"group": "ops", "member": "ann"}),
        change("department", "delete", "department.qa", 2, before={"id": "qa", "name": "QA"}),
    )
    lines = render_plan_text(make_plan(items)).splitlines()
    start = lines.index("  + group_member.ops/ann add")
    assert lines[start + 1 : start + 3] == ["  - department.qa delete", ""]


def test_transfer_lists_each_resource_type_with_default_marks() -> None:
    after = {
        "docs": {"to": "bob", "count": 23, "default": True, "outcome": "transferred"},
        "calendar_past": {"count": 9, "default": True, "outcome": "deleted"},
        "mail": {"count": 1, "default": False, "outcome": "retained", "retain": True},
        "apps": {"to": "grace", "count": 1, "default": False, "outcome": "transferred"},
    }
    item = change(
        "resources", "transfer", "resources.frank", after=after, reason="offboarding entry", irreversible=True
    )
    lines = render_plan_text(make_plan((item,))).splitlines()
    start = lines.index("  ~ resources.frank transfer (offboarding entry) ! irreversible")
    assert lines[start + 1 : start + 5] == [
        "    apps (1) -> grace",
        "    calendar_past (9): deleted [default]",
        "    docs (23) -> bob [default]",
        "    mail (1): retained",
    ]


def test_seats_table() -> None:
    seats = (SeatUse("pro-2026", 40, 38, 30), SeatUse("basic", 5, 4, 7, ("rita", "zed")))
    lines = render_plan_text(make_plan(seats=seats)).splitlines()
    start = lines.index("Seats:")
    assert lines[start + 1 : start + 5] == [
        "  plan      purchased  before  after  free after",
        "  pro-2026         40      38     30          10",
        "  basic             5       4      7          -2",
        "  basic: no seat for rita, zed",
    ]


def test_diagnostics_errors_first_with_file_and_line() -> None:
    lines = render_plan_text(make_plan(diagnostics=(WINDOW, DEFAULT, CAPACITY))).splitlines()
    start = lines.index("Diagnostics:")
    assert lines[start + 1 : start + 4] == [diagnostic_line(d) for d in (CAPACITY, DEFAULT, WINDOW)]
    assert lines[start + 1] == "org.yaml:12:5: error SEAT-CAPACITY org.plans[0]: pro needs 42 seats, 40 bought"
    assert lines[start + 2].startswith("org.yaml:80: warning TRANSFER-DEFAULT")


@pytest.mark.parametrize(
    ("changes", "summary"),
    [
        (ONE_OF_EACH, "Plan: 6 to add, 6 to change, 5 to remove."),
        (ONE_OF_EACH[:2], "Plan: 1 to add, 1 to change, 0 to remove."),
        ((ONE_OF_EACH[2],), "Plan: 0 to add, 0 to change, 1 to remove."),
        ((), NO_CHANGES),
    ],
    ids=["one-of-each", "add-and-change", "remove", "none"],
)
def test_summary_line(changes: tuple[Change, ...], summary: str) -> None:
    text = render_plan_text(make_plan(changes))
    assert text.splitlines()[-1] == summary
    assert ("Symbols:" in text) == bool(changes)


def test_kind_counts_follow_the_symbols() -> None:
    assert kind_counts(ONE_OF_EACH) == {"add": 6, "change": 6, "remove": 5}


def test_no_changes_message() -> None:
    assert render_plan_text(make_plan()).splitlines()[-1] == "No changes. The tenant matches the configuration."


@pytest.mark.parametrize(
    ("diagnostics", "last"),
    [
        ((CAPACITY,), "This plan cannot be applied because of 1 error."),
        ((CAPACITY, DEFAULT, CAPACITY), "This plan cannot be applied because of 2 errors."),
        ((DEFAULT, WINDOW), NO_CHANGES),
    ],
    ids=["one-error", "two-errors", "warnings-only"],
)
def test_a_plan_with_errors_says_it_cannot_be_applied(diagnostics: tuple[Diagnostic, ...], last: str) -> None:
    assert render_plan_text(make_plan(diagnostics=diagnostics)).splitlines()[-1] == last


def test_the_header_names_the_backend() -> None:
    assert (
        render_plan_text(make_plan()).splitlines()[0] == "orgstate plan for local:x.db (created 2026-11-21T22:00:00Z)"
    )


FULL = make_plan(ONE_OF_EACH, (SeatUse("pro", 4, 3, 5, ("zed",)),), (CAPACITY, DEFAULT, WINDOW))


def test_no_ansi_without_colour() -> None:
    assert "\x1b[" not in render_plan_text(FULL)


def test_colour_marks_symbols_and_severities() -> None:
    text = render_plan_text(FULL, colour=True)
    assert click.style("+", fg="green", bold=True) in text
    assert click.style("~", fg="yellow", bold=True) in text
    assert click.style("-", fg="red", bold=True) in text
    assert click.style("error", fg="red", bold=True) in text
    assert click.style("warning", fg="yellow", bold=True) in text
    assert click.unstyle(text) == render_plan_text(FULL)

"""The markdown plan renderer (pull-request comments), on plans built directly."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from orgstate.diagnostics import Diagnostic
from orgstate.planner.changes import Change
from orgstate.planner.plan import SeatUse
from orgstate.render.plan_markdown import render_plan_markdown
from tests.render.plans import make_plan
from tests.samples import change

CAPACITY = Diagnostic(
    rule="SEAT-CAPACITY",
    severity="error",
    message="pro needs 42 seats, 40 bought",
    file="org.yaml",
    line=12,
    column=5,
    address="plan.pro",
)
DEFAULT = Diagnostic(
    rule="TRANSFER-DEFAULT", severity="warning", message="apps stay with 'victor'", address="member.victor"
)
WINDOW = Diagnostic(rule="RESTORE-WINDOW", severity="info", message="'julia' is restored", file="org.yaml", line=3)
CHANGE_ITEM = re.compile(r"^- `[+~-]` `", re.MULTILINE)


def update(
    name: str, before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...], number: int = 1
) -> Change:
    return change(
        "member", "update", f"member.{name}", number, before=before, after=after, fields=fields, reason="changed"
    )


FRANK = {"id": "frank", "name": "Frank", "department": "eng"}
SMALL = make_plan(
    (
        change("department", "create", "department.eng", after={"id": "eng", "name": "Engineering"}),
        update("alice", {"job": {"title": "Engineer"}}, {"job": {"title": "Staff Engineer"}}, ("job.title",), 2),
        update("bob", {"custom": {"level": "L1"}}, {"custom": {"level": "L2"}}, ("custom.level",), 3),
        change(
            "resources",
            "transfer",
            "resources.frank",
            4,
            after={
                "docs": {"to": "bob", "count": 23, "default": True, "outcome": "transferred"},
                "calendar": {"count": 2, "outcome": "deleted", "default": False},
            },
            reason="offboarding entry",
            irreversible=True,
        ),
        change("member", "delete", "member.frank", 5, before=FRANK, irreversible=True),
    ),
    (SeatUse("pro-2026", 40, 38, 30), SeatUse("basic", 5, 4, 7, ("rita",))),
    (WINDOW, DEFAULT, CAPACITY),
)


def test_title_then_summary_table_first() -> None:
    lines = render_plan_markdown(SMALL).splitlines()
    assert lines[0] == "## orgstate plan: 1 to add, 3 to change, 1 to remove (cannot be applied: 1 error)"
    assert lines[2:9] == [
        "| Change | Count |",
        "| --- | ---: |",
        "| `+` `department.create` | 1 |",
        "| `-` `member.delete` | 1 |",
        "| `~` `member.update` | 2 |",
        "| `~` `resources.transfer` | 1 |",
        "| **Total** | **5** |",
    ]


def test_seats_table() -> None:
    text = render_plan_markdown(SMALL)
    assert "| Plan | Purchased | Before | After | Free after | Without a seat |" in text
    assert "| `pro-2026` | 40 | 38 | 30 | 10 |  |" in text
    assert "| `basic` | 5 | 4 | 7 | **-2** | `rita` |" in text


def test_diagnostics_list_errors_and_warnings_and_fold_infos() -> None:
    text = render_plan_markdown(SMALL)
    error = "- **error** `SEAT-CAPACITY` `org.yaml:12:5` `plan.pro`: pro needs 42 seats, 40 bought"
    warning = "- **warning** `TRANSFER-DEFAULT` `member.victor`: apps stay with 'victor'"
    info = "- **info** `RESTORE-WINDOW` `org.yaml:3`: 'julia' is restored"
    assert text.index(error) < text.index(warning) < text.index("<details><summary>1 info</summary>") < text.index(info)
    assert text.index(info) < text.index("### Changes")


def test_change_details_are_folded_per_type() -> None:
    text = render_plan_markdown(SMALL)
    member = text.index("<details><summary>member (3 changes)</summary>")
    assert text.index("<details><summary>department (1 change)</summary>") < member
    assert member < text.index("- `~` `member.alice` update (changed)") < text.index("</details>", member)
    assert text.index("### Changes") < text.index("<details><summary>resources (1 change)</summary>")


def test_update_field_changes_in_backticks() -> None:
    lines = render_plan_markdown(SMALL).splitlines()
    start = lines.index("- `~` `member.alice` update (changed)")
    assert lines[start + 1] == '  - `job.title`: `"Engineer"` -> `"Staff Engineer"`'
    assert '  - `custom.level`: `"L1"` -> `"L2"`' in lines


def test_transfer_and_irreversible() -> None:
    lines = render_plan_markdown(SMALL).splitlines()
    start = lines.index("- `~` `resources.frank` transfer (offboarding entry) **irreversible**")
    assert lines[start + 1 : start + 3] == ["  - calendar (2): deleted", "  - docs (23) -> `bob` [default]"]
    assert "- `-` `member.frank` delete **irreversible**" in lines


def test_user_values_are_escaped() -> None:
    plan = make_plan(
        (
            change(
                "member",
                "update",
                "member.ann",
                before={"name": "Ann | `x`"},
                after={"name": "<b>Ann</b>"},
                fields=("name",),
                reason="a | b `c`",
            ),
        ),
        (SeatUse("pro|x", 1, 1, 1, ("a|b",)),),
        (Diagnostic(rule="R", severity="error", message="bad | `value` <here>"),),
    )
    text = render_plan_markdown(plan)
    assert "- `~` `member.ann` update (a \\| b \\`c\\`)" in text
    assert '  - `name`: ``"Ann | `x`"`` -> `"<b>Ann</b>"`' in text
    assert "| `pro\\|x` | 1 | 1 | 1 | 0 | `a\\|b` |" in text
    assert "- **error** `R`: bad \\| \\`value\\` \\<here\\>" in text
    assert "<b>" not in text.replace('`"<b>Ann</b>"`', "")


def test_no_changes() -> None:
    text = render_plan_markdown(make_plan())
    assert text.splitlines()[0] == "## orgstate plan: no changes"
    assert "No changes. The tenant matches the configuration." in text
    assert "<details>" not in text
    assert "Truncated" not in text


def test_a_small_plan_is_not_truncated() -> None:
    text = render_plan_markdown(SMALL)
    assert "Truncated" not in text
    assert len(CHANGE_ITEM.findall(text)) == len(SMALL.changes)


def big_change(number: int) -> Change:
    name = f"person-{number:05d}"
    kind = number % 5
    if kind == 0:
        return update(
            name, {"job": {"title": "Engineer"}}, {"job": {"title": "Staff Engineer"}}, ("job.title",), number
        )
    if kind == 1:
        return change("seat", "assign", f"seat.{name}", number, after={"member": name, "plan": "pro"}, reason="rule")
    if kind == 2:
        return change("department", "create", f"department.{name}", number, after={"id": name, "name": name})
    if kind == 3:
        pair = {"group": "g", "member": name}
        return change("group_member", "remove", f"group_member.g/{name}", number, before=pair)
    return change(
        "resources",
        "transfer",
        f"resources.{name}",
        number,
        after={
            "docs": {"to": "boss", "count": number, "default": True, "outcome": "transferred"},
            "mail": {"outcome": "deleted", "count": 1, "default": False},
        },
        irreversible=True,
    )


BIG = make_plan(
    tuple(big_change(number) for number in range(5_000)),
    (SeatUse("pro", 4_000, 10, 1_000),),
    (CAPACITY, DEFAULT, WINDOW),
)


@pytest.mark.parametrize("limit", [65_000, 10_000, 2_000])
def test_a_big_plan_is_truncated_to_the_limit(limit: int) -> None:
    text = render_plan_markdown(BIG, limit)
    assert len(text) <= limit
    shown = len(CHANGE_ITEM.findall(text))
    assert shown < len(BIG.changes)
    assert f"> Truncated: {len(BIG.changes) - shown} changes not shown (the full plan is in the JSON file)." in text
    for kind, count in Counter(f"{c.type}.{c.action}" for c in BIG.changes).items():
        assert f"`{kind}` | {count} |" in text
    assert "| **Total** | **5000** |" in text
    assert "- **error** `SEAT-CAPACITY`" in text


def test_truncation_keeps_the_changes_in_order_from_the_start() -> None:
    text = render_plan_markdown(BIG)
    shown = CHANGE_ITEM.findall(text)
    assert 0 < len(shown) < len(BIG.changes)
    assert "<details><summary>department (1000 changes" in text
    assert text.index("`department.person-00002`") < text.index("`department.person-00007`")


def test_the_default_limit_is_65000() -> None:
    assert render_plan_markdown(BIG) == render_plan_markdown(BIG, 65_000)


def test_a_tight_limit_keeps_the_summary_and_errors_over_other_diagnostics() -> None:
    warnings = tuple(
        Diagnostic(rule="W", severity="warning", message=f"warning number {number} " + "x" * 80) for number in range(50)
    )
    plan = make_plan(BIG.changes, BIG.seats, (CAPACITY, *warnings, WINDOW))
    text = render_plan_markdown(plan, 2_000)
    assert len(text) <= 2_000
    assert "- **error** `SEAT-CAPACITY`" in text
    assert "50 warnings not shown" in text
    assert "| **Total** | **5000** |" in text
    left_out = len(plan.changes) - len(CHANGE_ITEM.findall(text))
    assert f"> Truncated: {left_out} changes not shown" in text


def test_errors_that_cannot_all_fit_are_cut_with_a_count() -> None:
    errors = tuple(
        Diagnostic(rule="E", severity="error", message=f"error {number} " + "y" * 80) for number in range(100)
    )
    text = render_plan_markdown(make_plan(BIG.changes, BIG.seats, errors), 2_000)
    assert len(text) <= 2_000
    shown = text.count("- **error** `E`")
    assert 0 < shown < 100
    assert f"- {100 - shown} more error(s) not shown" in text
    assert "| **Total** | **5000** |" in text
    assert "> Truncated: 5000 changes not shown" in text

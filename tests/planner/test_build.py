"""build_plan, table-driven: a variation of the configuration or of the live tenant,
and the changes that follow (type, action, address), in plan order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.planner.conftest import declaring, kinds, live_state, member, plan_of, rules

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


def add_member(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"].append(member("amy", job={"manager": "lead"}, seat="pro"))


def retitle(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"][3]["job"] = {"manager": "boss", "title": "Staff Engineer"}


def drop_member(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    live["members"][4]["resources"] = {"docs": 3, "calendar_past": 2}


def drop_member_additive(config: dict[str, Any], live: dict[str, Any]) -> None:
    drop_member(config, live)
    config["policy"]["members"] = "additive"


def ignore_service_account(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["members"].append(member("svc-bot"))
    config["policy"]["ignore"] = {"members": ["svc-*"]}


def suspend_only(config: dict[str, Any], live: dict[str, Any]) -> None:
    drop_member(config, live)
    config["policy"]["removal"]["action"] = "suspend"


def move_to_new_department(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["departments"].append({"id": "qa", "name": "QA", "parent": "eng"})
    config["members"][4]["department"] = "qa"


def declare_suspended(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"][4]["status"] = "suspended"


def declare_active_again(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["members"][4]["status"] = "suspended"


def new_group(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["user_groups"] = [{"id": "ship", "name": "Ship", "members": ["lead", "dev"]}]


def group_loses_member(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["user_groups"] = [{"id": "ship", "name": "Ship", "members": ["lead", "dev"]}]
    config["user_groups"] = [{"id": "ship", "name": "Ship", "members": ["lead"]}]


def group_loses_member_additive(config: dict[str, Any], live: dict[str, Any]) -> None:
    group_loses_member(config, live)
    config["policy"]["user_groups"] = "additive"


def undeclared_group(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["user_groups"] = [{"id": "old", "name": "Old", "members": ["lead"]}]


def undeclared_empty_department(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["departments"].append({"id": "legacy", "name": "Legacy", "parent": "eng"})


def recently_deleted(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["members"][4].update(status="deleted", deleted_at="2026-11-11")
    live["members"][4].pop("seat")


def deleted_long_ago(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["members"][4].update(status="deleted", deleted_at="2026-09-01")
    live["members"][4].pop("seat")


def seat_null(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"][4]["seat"] = None


def new_leader_of_new_department(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["departments"].append({"id": "qa", "name": "QA", "leader": "amy"})
    config["members"].append(member("amy", department="qa", seat="pro"))


def new_manager_chain(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"].append(member("zed", job={"manager": "amy"}, seat="pro"))
    config["members"].append(member("amy", seat="pro"))


CASES: list[tuple[str, Edit, list[tuple[str, str, str]]]] = [
    ("nothing changes", lambda c, live: None, []),
    (
        "a declared member is created, its seat right after",
        add_member,
        [("member", "create", "member.amy"), ("seat", "assign", "seat.amy")],
    ),
    ("a changed field is updated", retitle, [("member", "update", "member.lead")]),
    (
        "an undeclared member is offboarded",
        drop_member,
        [
            ("member", "suspend", "member.dev"),
            ("resources", "transfer", "resources.dev"),
            ("member", "delete", "member.dev"),
        ],
    ),
    ("additive members are never offboarded", drop_member_additive, []),
    ("ignored members are never touched", ignore_service_account, []),
    ("removal by suspension only", suspend_only, [("member", "suspend", "member.dev")]),
    (
        "a member moves to a new department",
        move_to_new_department,
        [("department", "create", "department.qa"), ("member", "update", "member.dev")],
    ),
    ("a member declared suspended", declare_suspended, [("member", "suspend", "member.dev")]),
    ("a suspended member declared active", declare_active_again, [("member", "resume", "member.dev")]),
    (
        "a new group with its members",
        new_group,
        [
            ("user_group", "create", "user_group.ship"),
            ("group_member", "add", "group_member.ship/dev"),
            ("group_member", "add", "group_member.ship/lead"),
        ],
    ),
    (
        "an undeclared group member is removed",
        group_loses_member,
        [("group_member", "remove", "group_member.ship/dev")],
    ),
    ("additive groups keep undeclared members", group_loses_member_additive, []),
    (
        "an undeclared group is emptied and deleted",
        undeclared_group,
        [("group_member", "remove", "group_member.old/lead"), ("user_group", "delete", "user_group.old")],
    ),
    (
        "an undeclared empty department is deleted",
        undeclared_empty_department,
        [("department", "delete", "department.legacy")],
    ),
    (
        "a member deleted 10 days ago is restored",
        recently_deleted,
        [("member", "restore", "member.dev"), ("seat", "assign", "seat.dev")],
    ),
    (
        "a member deleted beyond the window is created",
        deleted_long_ago,
        [("member", "create", "member.dev"), ("seat", "assign", "seat.dev")],
    ),
    ("seat: null releases the seat", seat_null, [("seat", "release", "seat.dev")]),
    (
        "a new leader is set once created",
        new_leader_of_new_department,
        [
            ("department", "create", "department.qa"),
            ("member", "create", "member.amy"),
            ("seat", "assign", "seat.amy"),
            ("department", "update", "department.qa"),
        ],
    ),
    (
        "managers are created before their reports",
        new_manager_chain,
        [
            ("member", "create", "member.amy"),
            ("seat", "assign", "seat.amy"),
            ("member", "create", "member.zed"),
            ("seat", "assign", "seat.zed"),
        ],
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_plan(edit: Edit, expected: list[tuple[str, str, str]]) -> None:
    live = live_state()
    config = declaring(live)
    edit(config, live)
    plan = plan_of(config, live)
    assert kinds(plan) == expected
    assert plan.applyable, plan.diagnostics


def test_an_update_carries_only_what_changed() -> None:
    live = live_state()
    config = declaring(live)
    retitle(config, live)
    (change,) = plan_of(config, live).changes
    assert (change.before_data(), change.after_data(), change.fields) == (
        {"job": {"title": None}},
        {"job": {"title": "Staff Engineer"}},
        ("job.title",),
    )


def test_a_new_department_comes_before_the_member_moving_into_it() -> None:
    live = live_state()
    config = declaring(live)
    move_to_new_department(config, live)
    create, update = plan_of(config, live).changes
    assert update.depends_on == (create.id,)
    assert update.after_data() == {"department": "qa"}


def test_transfers_resolve_every_resource_type_with_counts() -> None:
    live = live_state()
    config = declaring(live)
    drop_member(config, live)
    transfer = plan_of(config, live).changes[1]
    assert transfer.after_data() == {
        "calendar_past": {"count": 2, "default": True, "outcome": "deleted"},
        "docs": {"count": 3, "default": True, "outcome": "transferred", "to": "lead"},  # the direct manager
    }
    assert transfer.irreversible


def test_explicit_recipients_and_retention_from_the_offboarding_entry() -> None:
    live = live_state()
    config = declaring(live)
    drop_member(config, live)
    config["offboarding"] = [{"id": "dev", "transfer": {"docs": "hr"}, "retain": {"docs": False}}]
    live["members"][4]["resources"] = {"docs": 3, "mail": 1}
    live["members"][4]["job"] = {}
    transfer = plan_of(config, live).changes[1]
    assert transfer.after_data() == {
        "docs": {"count": 3, "default": False, "outcome": "transferred", "to": "hr"},
        "mail": {"count": 1, "default": True, "outcome": "retained", "retain": True},
    }


def test_a_restore_says_what_does_not_come_back() -> None:
    live = live_state()
    config = declaring(live)
    recently_deleted(config, live)
    plan = plan_of(config, live)
    restore, seat = plan.changes
    assert restore.after_data() == {"department": "web", "departments": []}
    assert seat.after_data() == {"member": "dev", "plan": "pro", "source": "explicit"} and seat.depends_on == (
        restore.id,
    )
    assert "transferred data, the department and admin roles do not come back" in restore.reason
    assert ("RESTORE-WINDOW", "info") in rules(plan)

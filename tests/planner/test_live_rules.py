"""Each live rule of SPEC section 4 that a plan checks, triggered on purpose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.planner.conftest import declaring, live_state, member, plan_of, rules

Edit = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]
PRO = {"id": "pro", "edition": "pro", "seats": 10, "starts": "2026-01-01", "expires": "2027-01-01"}


def plan_mismatch(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["org"]["plans"] = [{**PRO, "seats": 12}]


def capacity_explicit(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["org"]["plans"] = [{**PRO, "seats": 5}]
    config["members"].append(member("amy", seat="pro"))


def capacity_derived_fail(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["org"]["plans"] = [{**PRO, "seats": 5}]
    for m in config["members"]:
        m.pop("seat")
    config["members"].append(member("amy"))
    config["seat_assignments"] = [{"plan": "pro", "all_members": True}]


def capacity_derived_warn(config: dict[str, Any], live: dict[str, Any]) -> None:
    capacity_derived_fail(config, live)
    config["policy"]["seats"] = {"on_shortage": "warn"}


def seat_expired(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["org"]["plans"].append({**PRO, "id": "old", "starts": "2025-01-01", "expires": "2026-01-01"})
    config["org"]["plans"] = live["org"]["plans"]
    live["members"][4].pop("seat")
    config["members"][4]["seat"] = "old"


def seat_auto(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"].append(member("amy"))


def login_needs_seat(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"][4]["seat"] = None


def downgrade_lock(config: dict[str, Any], live: dict[str, Any]) -> None:
    expired = {**PRO, "expires": "2026-06-01"}
    live["org"]["plans"] = config["org"]["plans"] = [expired]
    extra = [member(f"m{i:02d}") for i in range(17)]
    live["members"] = [{k: v for k, v in m.items() if k != "seat"} for m in live["members"]] + extra
    config["members"] = [{k: v for k, v in m.items() if k != "seat"} for m in config["members"]] + extra
    config["members"][3]["name"] = "Renamed"


def restore_window(config: dict[str, Any], live: dict[str, Any]) -> None:
    live["members"][4].update(status="deleted", deleted_at="2026-09-01")
    live["members"][4].pop("seat")


def delete_admin(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"] = [m for m in config["members"] if m["id"] != "hr"]


def delete_successor(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"] = [m for m in config["members"] if m["id"] != "lead"]
    config["members"][3]["job"] = {"manager": "boss"}
    config["departments"][1] = {"id": "web", "name": "Web", "parent": "eng"}


def transfer_default_apps(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    live["members"][4]["job"] = {}
    live["members"][4]["resources"] = {"apps": 2, "docs": 1}


def removal_limit(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["policy"]["removal"] = {"max_removals": 1}
    config["members"] = [m for m in config["members"] if m["id"] not in ("dev",)]
    config["departments"] = [d for d in config["departments"] if d["id"] != "ops"] + [{"id": "ops", "name": "Ops"}]
    live["departments"].append({"id": "legacy", "name": "Legacy"})


def removal_ratio(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["policy"]["removal"] = {"max_removals": 50, "max_removal_ratio": 0.1}
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]


def dept_not_empty(config: dict[str, Any], live: dict[str, Any]) -> None:
    config["policy"]["members"] = "additive"
    live["departments"].append({"id": "legacy", "name": "Legacy"})
    live["members"].append(member("old", department="legacy"))


def permission(config: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    config["members"][4]["seat"] = None
    return {"actor": "hr"}


CASES: list[tuple[str, Edit, tuple[str, str]]] = [
    ("PLAN-MISMATCH", plan_mismatch, ("PLAN-MISMATCH", "warning")),
    ("SEAT-CAPACITY explicit", capacity_explicit, ("SEAT-CAPACITY", "error")),
    ("SEAT-CAPACITY derived", capacity_derived_fail, ("SEAT-CAPACITY", "error")),
    ("SEAT-CAPACITY warn", capacity_derived_warn, ("SEAT-CAPACITY", "warning")),
    ("SEAT-EXPIRED", seat_expired, ("SEAT-EXPIRED", "error")),
    ("SEAT-AUTO", seat_auto, ("SEAT-AUTO", "info")),
    ("LOGIN-NEEDS-SEAT", login_needs_seat, ("LOGIN-NEEDS-SEAT", "warning")),
    ("DOWNGRADE-EDIT-LOCK", downgrade_lock, ("DOWNGRADE-EDIT-LOCK", "error")),
    ("RESTORE-WINDOW", restore_window, ("RESTORE-WINDOW", "warning")),
    ("DELETE-ADMIN", delete_admin, ("DELETE-ADMIN", "error")),
    ("DELETE-SUCCESSOR", delete_successor, ("DELETE-SUCCESSOR", "warning")),
    ("TRANSFER-DEFAULT", transfer_default_apps, ("TRANSFER-DEFAULT", "warning")),
    ("REMOVAL-LIMIT count", removal_limit, ("REMOVAL-LIMIT", "error")),
    ("REMOVAL-LIMIT ratio", removal_ratio, ("REMOVAL-LIMIT", "error")),
    ("DEPT-NOT-EMPTY", dept_not_empty, ("DEPT-NOT-EMPTY", "error")),
    ("PERMISSION", permission, ("PERMISSION", "error")),
]


@pytest.mark.parametrize(("edit", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_live_rule(edit: Edit, expected: tuple[str, str]) -> None:
    live = live_state()
    config = declaring(live)
    options = edit(config, live) or {}
    plan = plan_of(config, live, **options)
    assert expected in rules(plan), plan.diagnostics
    assert plan.applyable is (expected[1] != "error")


def test_capacity_names_the_plan_and_the_counts() -> None:
    live = live_state()
    config = declaring(live)
    capacity_explicit(config, live)
    (found,) = [d for d in plan_of(config, live).diagnostics if d.rule == "SEAT-CAPACITY"]
    assert found.message.startswith("plan 'pro' has 5 seats live but 6 would hold one (6 explicit or kept")
    assert found.address == "plan.pro"


def test_a_shortage_under_warn_lists_who_is_left_without_a_seat() -> None:
    live = live_state()
    config = declaring(live)
    capacity_derived_warn(config, live)
    plan = plan_of(config, live)
    (use,) = plan.seats
    assert (use.purchased, use.assigned_before, use.assigned_after, use.without_seat) == (5, 5, 5, ("amy",))


def test_allow_removals_overrides_the_limits() -> None:
    live = live_state()
    config = declaring(live)
    removal_limit(config, live)
    assert ("REMOVAL-LIMIT", "error") not in rules(plan_of(config, live, allow_removals=2))
    assert ("REMOVAL-LIMIT", "error") in rules(plan_of(config, live, allow_removals=1))


def test_protected_members_are_kept_with_a_warning() -> None:
    live = live_state()
    config = declaring(live)
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["policy"]["protected"] = ["d*"]
    plan = plan_of(config, live)
    assert plan.changes == ()
    assert ("PROTECTED-REMOVAL", "warning") in rules(plan)

"""Properties of every plan, over generated organizations: the same inputs give the
same plan, and every change comes after what it depends on, phase by phase."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgstate.planner.drafts import Phase
from tests.planner.conftest import plan_of

DEPARTMENTS = ["eng", "web", "ops", "qa"]
PARENTS = {"eng": None, "web": "eng", "ops": None, "qa": "web"}
MEMBERS = [f"m{i}" for i in range(10)]
TITLES = ["Engineer", "Lead", None]


@st.composite
def organization(draw: st.DrawFn) -> dict[str, Any]:
    """Members m0..m9, each with an independent declared and live version (or none)."""
    departments = [{"id": d, "name": d.upper(), "parent": PARENTS[d]} for d in DEPARTMENTS]
    declared_departments = [d for d in departments if d["id"] in ("eng", "ops") or draw(st.booleans())]
    declared_ids = {d["id"] for d in declared_departments}
    live_ids = {d["id"] for d in departments if d["id"] in ("eng", "ops") or draw(st.booleans())}
    live_ids |= {PARENTS[d] for d in live_ids if PARENTS[d]}  # a live department's parent is live
    live_ids |= {PARENTS[d] for d in live_ids if PARENTS[d]}
    live_departments = [d for d in departments if d["id"] in live_ids]

    def version(index: int, departments: set[str], live: bool) -> dict[str, Any]:
        member_id = MEMBERS[index]
        manager = draw(st.sampled_from([None, *MEMBERS[:index]]))
        found: dict[str, Any] = {
            "id": member_id,
            "name": member_id.upper(),
            "department": draw(st.sampled_from(sorted(departments))),
            "work_email": f"{member_id}@x.example",
            "job": {"title": draw(st.sampled_from(TITLES)), "manager": manager},
        }
        if live:
            found["status"] = draw(st.sampled_from(["active", "active", "suspended", "invited", "deleted"]))
            if found["status"] == "deleted":
                found["deleted_at"] = draw(st.sampled_from(["2026-11-11", "2026-08-01"]))
            elif draw(st.booleans()):
                found["seat"] = "pro"
            found["resources"] = {"docs": draw(st.integers(0, 3)), "apps": draw(st.integers(0, 1))}
        else:
            found["status"] = draw(st.sampled_from(["active", "active", "suspended"]))
        return found

    declared = [version(i, declared_ids, False) for i in range(10) if i == 0 or draw(st.booleans())]
    live_members = [version(i, live_ids, True) for i in range(10) if i == 0 or draw(st.booleans())]
    live_members[0].update(status="active")
    declared_names = {m["id"] for m in declared}
    for group in (declared, live_members):
        present = {m["id"] for m in group if m.get("status") != "deleted"}
        for m in group:
            if m["job"]["manager"] not in present:
                m["job"]["manager"] = None
    groups = [{"id": "g", "name": "G", "members": sorted(declared_names)[:3]}] if draw(st.booleans()) else []
    live_groups = [{"id": "g", "name": "G", "members": [m["id"] for m in live_members if m["status"] != "deleted"][:2]}]
    return {
        "config": {
            "version": 1,
            "org": {"name": "X", "plans": [PLAN]},
            "policy": {"removal": {"max_removals": 100, "max_removal_ratio": 1}},
            "departments": declared_departments,
            "members": declared,
            "user_groups": groups,
        },
        "live": {
            "version": 1,
            "tenant": {"name": "X", "founder": "m0", "today": "2026-11-21"},
            "org": {"plans": [PLAN]},
            "departments": live_departments,
            "members": live_members,
            "user_groups": live_groups,
        },
    }


PLAN = {"id": "pro", "edition": "pro", "seats": 100, "starts": "2026-01-01", "expires": "2027-01-01"}
PHASES = {
    ("department", "create"): Phase.DEPARTMENTS,
    ("seat", "release"): Phase.SEAT_RELEASES,
    ("seat", "assign"): Phase.SEAT_ASSIGNMENTS,
    ("resources", "transfer"): Phase.OFFBOARDING,
    ("member", "delete"): Phase.OFFBOARDING,
    ("user_group", "delete"): Phase.REMOVALS,
    ("department", "delete"): Phase.REMOVALS,
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organization())
def test_plans_are_deterministic_and_ordered(org: dict[str, Any]) -> None:
    for member in org["config"]["members"]:
        member.pop("status")
    first = plan_of(org["config"], org["live"])
    assert plan_of(org["config"], org["live"]) == first
    position = {change.id: index for index, change in enumerate(first.changes)}
    assert [change.id for change in first.changes] == sorted(position)
    for change in first.changes:
        assert all(position[dependency] < position[change.id] for dependency in change.depends_on)
    phases = [PHASES.get((c.type, c.action)) for c in first.changes]
    known = [phase for phase in phases if phase is not None]
    assert known == sorted(known), "changes of a later phase came before an earlier one"

"""Drift and plan agree change for change, over generated configurations and tenants
(the plan-fidelity cases, with out-of-band edits, policies, ignore globs, a member
renamed (`renamed_from`) and a backend with or without group seats).

Both sides are read as (object address, field) pairs. A plan change touches: an
update each of its fields; a suspend or resume `status` of its member; a seat change
`seat` of its member; a group membership change `members/<member>` of its group; a
create, restore, delete or transfer its object as a whole. A change is read at the
address it leaves its object at: a rename (an update of `id`) is planned at the old
id, and drift names the member by the new one, as every other change of it does. A
`changed` drift item is its pair, but `members` is one pair per member joining or
leaving the group. For the same configuration and tenant:

- Every `changed` pair is one the plan touches, and every `missing` object one it
  creates or restores, unless an error diagnostic on that address refuses the change.
  A member leaving a group is no change of the group when the plan deletes the member
  (that takes them out of every group), nor under `policy.user_groups: additive`.
- An `unmanaged` object under an authoritative policy is one the plan deletes (a
  member: suspends or deletes, as `policy.removal.action` says; one already suspended
  needs no suspend), unless an error refuses it. Otherwise the plan leaves it: no
  change touches it.
- A member pending `offboarding` (live, with an offboarding entry, under any policy)
  is one the plan deletes or suspends in the same way, unless an error refuses it; and
  no member with an offboarding entry is `unmanaged`.
- Every pair a plan touches, under any policy, is a `changed` pair, or its object is
  `missing`, `unmanaged` or pending `offboarding`; but a seat change that leaves a member's seat as it is
  live (a seat held through a group given to the member as their own, or a seat a
  group gave by itself released) is the planner's own bookkeeping, not drift.

The live tenant is read, as both sides read it, with the renamed members under their
new ids."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgstate.drift.detect import DriftItem, DriftReport, detect_drift
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.planner.changes import Change, MemberUpdate
from orgstate.planner.context import ALL_CAPABILITIES, PlanOptions
from orgstate.planner.plan import Plan
from tests.executor.test_plan_fidelity import scenario

BACKEND = "local:x"
# What the plan touches of its object as a whole.
WHOLE = None
POLICY = {"member": "members", "department": "departments", "user_group": "user_groups"}


def _rename_one(draw: st.DrawFn, config: dict[str, Any], live: dict[str, Any]) -> None:
    """Maybe declare one live member under a new id, renamed from the old one, and
    every reference to them with it."""
    present = {m["id"] for m in live["members"] if m["status"] != "deleted"}
    candidates = [m["id"] for m in config["members"] if m["id"] in present]
    if not candidates or not draw(st.booleans()):
        return
    old = draw(st.sampled_from(candidates))
    new = f"{old}.ng"
    for member in config["members"]:
        if member["id"] == old:
            member.update(id=new, renamed_from=old)
    for group in config["user_groups"]:
        group["members"] = [new if m == old else m for m in group["members"]]
    for entry in config["offboarding"]:
        if entry["transfer"]["docs"] == old:
            entry["transfer"]["docs"] = new


@st.composite
def drifted(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """A plan-fidelity case, edited out of band, under drawn policies and ignore globs,
    and the capabilities of the backend that reads it."""
    config, live = copy.deepcopy(draw(scenario()))
    _rename_one(draw, config, live)
    policy = config["policy"]
    for section in POLICY.values():
        policy[section] = draw(st.sampled_from(["authoritative", "additive"]))
    policy["removal"]["action"] = draw(st.sampled_from(["delete", "suspend"]))
    policy["ignore"] = {
        "members": draw(st.sampled_from([[], ["m7"], ["m[56]"]])),
        "user_groups": draw(st.sampled_from([[], ["plain"], ["fr*"]])),
        "departments": draw(st.sampled_from([[], ["ops"], ["sh*"]])),
    }
    for member in live["members"]:
        edit = draw(st.sampled_from([None, None, "title", "phone"]))
        if member["status"] != "deleted" and edit == "title":
            member["job"] = {**member.get("job", {}), "title": "Changed out of band"}
        elif member["status"] != "deleted" and edit == "phone":
            member["phone"] = "+15559999999"
    declared = [m["id"] for m in config["members"]]
    live["departments"] = [
        {"id": "eng", "name": "Eng", "leader": draw(st.sampled_from([None, "m0"]))},
        {
            "id": "web",
            "name": draw(st.sampled_from(["Web", "Web Old"])),
            "parent": draw(st.sampled_from(["eng", None])),
        },
        {"id": "ops", "name": draw(st.sampled_from(["Ops", "Ops Old"]))},
        *([{"id": "shadow", "name": "Shadow"}] if draw(st.booleans()) else []),
    ]
    config["departments"] = [
        {"id": "eng", "name": "Eng", "leader": draw(st.sampled_from([None, *declared]))},
        {"id": "web", "name": "Web", "parent": "eng"},
        {"id": "ops", "name": "Ops"},
    ]
    live["user_groups"][1]["description"] = draw(st.sampled_from(["", "Edited out of band"]))
    if draw(st.booleans()):
        config["user_groups"].append({"id": "plain", "name": "Plain", "members": declared[1:3]})
    capabilities = draw(st.sampled_from([ALL_CAPABILITIES, ALL_CAPABILITIES - {"group_seats"}]))
    return config, live, capabilities


def _touched(change: Change) -> list[tuple[str, str | None]]:
    """The (object address, field) pairs a change touches; WHOLE for the object itself."""
    target = change.target
    if isinstance(change, MemberUpdate):
        return [(f"member.{change.new_id}", field) for field in change.fields]
    if target.type == "seat":
        return [(f"member.{target.id}", "seat")]
    if target.type == "group_member":
        group, member = target.ids
        return [(f"user_group.{group}", f"members/{member}")]
    if target.type == "resources":
        return [(f"member.{target.id}", WHOLE)]
    if change.action in ("suspend", "resume"):
        return [(change.address, "status")]
    if change.action == "update":
        return [(change.address, field) for field in change.fields]
    return [(change.address, WHOLE)]


def _drifted(item: DriftItem) -> list[tuple[str, str | None]]:
    """The pairs of a `changed` drift item: a group's members one by one."""
    if item.field != "members":
        return [(item.address, item.field)]
    return [(item.address, f"members/{member}") for member in sorted(set(item.live) ^ set(item.declared))]


def _seat_after(change: Change) -> str | None:
    return None if change.after is None else change.after.plan


def _is_kept(config: OrgConfig, address: str) -> bool:
    """Unmanaged objects an additive policy leaves alone."""
    kind, _, _ = address.partition(".")
    return getattr(config.policy, POLICY[kind]) != "authoritative"


def _renamed(config: OrgConfig, live: dict[str, Any]) -> dict[str, Any]:
    """The members and groups of the live tenant with the renamed members' new ids."""
    new_id = {m.renamed_from: m.id for m in config.members if m.renamed_from is not None}
    return {
        "members": [
            m | {"id": new_id.get(m["id"], m["id"])} if m["status"] != "deleted" else m for m in live["members"]
        ],
        "user_groups": [g | {"members": [new_id.get(m, m) for m in g["members"]]} for g in live["user_groups"]],
    }


def _check(config: OrgConfig, tenant: dict[str, Any], drift: DriftReport, plan: Plan) -> None:
    live = _renamed(config, tenant)
    touched = {pair for change in plan.changes for pair in _touched(change)}
    objects = {address for address, _ in touched}
    refused = {d.address for d in plan.diagnostics if d.is_error}
    deleted = {c.address for c in plan.changes if c.type == "member" and c.action == "delete"}
    changed = {pair for item in drift.items if item.kind == "changed" for pair in _drifted(item)}
    missing = {item.address for item in drift.items if item.kind == "missing"}
    unmanaged = {item.address for item in drift.items if item.kind == "unmanaged"}
    offboarding = {item.address for item in drift.items if item.kind == "offboarding"}
    offboarded = {f"member.{entry.id}" for entry in config.offboarding}
    live_members = {m["id"]: m for m in live["members"] if m["status"] != "deleted"}

    def leaves_group_alone(address: str, field: str | None) -> bool:
        _, _, member = (field or "").partition("/")
        group = next((g for g in live["user_groups"] if f"user_group.{g['id']}" == address), None)
        leaving = member and group is not None and member in group["members"]
        return bool(leaving) and (f"member.{member}" in deleted or config.policy.user_groups == "additive")

    assert {
        (address, field)
        for address, field in changed
        if (address, field) not in touched and address not in refused and not leaves_group_alone(address, field)
    } == set()
    assert {address for address in missing if (address, WHOLE) not in touched and address not in refused} == set()
    kept = {address for address in unmanaged if _is_kept(config, address)}
    assert kept & objects == set()
    suspending = config.policy.removal.action == "suspend"
    needs_nothing = {
        f"member.{m}" for m, state in live_members.items() if suspending and state["status"] == "suspended"
    }
    assert {address for address in unmanaged - kept - refused - needs_nothing if address not in objects} == set()
    assert offboarding <= offboarded and not unmanaged & offboarded
    assert {address for address in offboarding - refused - needs_nothing if address not in objects} == set()

    bookkeeping = {
        pair
        for change in plan.changes
        if change.type == "seat" and live_members.get(change.target.id, {}).get("seat") == _seat_after(change)
        for pair in _touched(change)
    }
    unexplained = {
        pair
        for pair in touched - bookkeeping
        if pair not in changed and pair[0] not in missing | unmanaged | offboarding
    }
    assert unexplained == set(), [c for c in plan.changes if set(_touched(c)) & unexplained]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drifted())
def test_drift_and_plan_agree_change_for_change(case: tuple[dict[str, Any], dict[str, Any], frozenset[str]]) -> None:
    config_data, live, capabilities = case
    config = OrgConfig.model_validate(config_data)
    snapshot = TenantState.model_validate(live)
    drift = detect_drift(config, snapshot, BACKEND, capabilities=capabilities)
    plan = build_plan(config, snapshot, PlanOptions(backend=BACKEND, capabilities=capabilities))
    _check(config, live, drift, plan)

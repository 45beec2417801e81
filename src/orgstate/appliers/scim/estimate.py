"""How long apply will take through the scim backend: the requests it will send, counted
from the plan and the snapshot it was made from, per method and resource type
(`GET /Users`), and at SCIM_RATE the time they take (none: as fast as the provider answers).

The counts follow backend.py and changes.py call for call, for a first run of the plan
that meets no refusal: apply reads the service description (discovery) and the whole
provider again (the stale-plan check); then each change re-reads its target, writes,
and reads it back to verify it. A look-up by filter is one request; without filtering a
look-up reads the whole list, page by page. tests/scim/test_estimate.py checks the
counts against what an apply sends to scim2-server."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from orgstate.appliers.registry import Registry
from orgstate.appliers.scim.discovery import Discovery
from orgstate.model.fields import apply_patch
from orgstate.model.live import TenantState
from orgstate.planner.changes import (
    GroupMemberAdd,
    GroupMemberRemove,
    MemberCreate,
    MemberDelete,
    MemberResume,
    MemberSuspend,
    MemberUpdate,
    UserGroupCreate,
    UserGroupDelete,
    UserGroupUpdate,
    data,
)
from orgstate.planner.plan import EndpointEstimate, Estimate, Plan

USERS, GROUPS = "/Users", "/Groups"
# What discover() reads (scim2-client), once a run.
DISCOVERY = ("GET /ResourceTypes", "GET /Schemas", "GET /ServiceProviderConfig")


def pages(items: int, size: int) -> int:
    """The requests a list of `items` takes: an empty list is one request too."""
    return max(1, math.ceil(items / size))


@dataclass
class Tally:
    """The requests so far, and what later changes need to know of the provider."""

    discovery: Discovery
    page_size: int
    managers: dict[str, str | None]  # each user's manager (or None), by member id: the users
    active: dict[str, bool]
    groups: int
    requests: Counter[str] = field(default_factory=Counter)

    def add(self, method: str, resource: str, count: int = 1) -> None:
        self.requests[f"{method} {resource}"] += count

    def find(self, resource: str) -> None:
        """A look-up by externalId (backend._find)."""
        size = len(self.managers) if resource == USERS else self.groups
        self.add("GET", resource, 1 if self.discovery.filter else pages(size, self.page_size))

    def modify(self, resource: str) -> None:
        """A PATCH where the provider takes one, else the resource replaced (PUT)."""
        self.add("PATCH" if self.discovery.patch else "PUT", resource)

    def user_fields(self, member_id: str) -> None:
        """backend.member_fields: the user's manager read by SCIM id, when there is one."""
        if self.managers.get(member_id):
            self.add("GET", USERS)


COUNTS: Registry[None] = Registry()
counts = COUNTS


def estimate_apply(
    plan: Plan, snapshot: TenantState, discovery: Discovery, page_size: int, rate: float | None
) -> Estimate:
    """The plan's requests per method and resource type, and their time at `rate` (0
    without changes: apply then sends nothing)."""
    if not plan.changes:
        return Estimate(seconds=0.0)
    live = [member for member in snapshot.members if member.status != "deleted"]
    tally = Tally(
        discovery=discovery,
        page_size=page_size,
        managers={member.id: member.member.job.manager for member in live},
        active={member.id: member.status != "suspended" for member in live},
        groups=len(snapshot.user_groups),
    )
    tally.requests.update(DISCOVERY)
    tally.add("GET", USERS, pages(len(live), page_size))  # the stale-plan check's read
    tally.add("GET", GROUPS, pages(tally.groups, page_size))
    for change in plan.changes:
        if type(change) in COUNTS:
            COUNTS.run(tally, change)

    def seconds(requests: int) -> float:
        return round(requests / rate, 1) if rate else 0.0

    endpoints = {name: EndpointEstimate(requests=n, seconds=seconds(n)) for name, n in sorted(tally.requests.items())}
    return Estimate(seconds=seconds(sum(tally.requests.values())), endpoints=endpoints)


# -- each change: what its handler and its verifier send (changes.py) -------------------


def _manager(fields: dict[str, Any]) -> str | None:
    manager: str | None = (fields.get("job") or {}).get("manager")
    return manager


@counts(MemberCreate)
def _member_create(tally: Tally, change: MemberCreate) -> None:
    manager = _manager(data(change.after))
    tally.find(USERS)
    if manager:
        tally.find(USERS)  # the manager's SCIM id
    tally.add("POST", USERS)
    tally.managers[change.key], tally.active[change.key] = manager, True
    tally.find(USERS)
    tally.user_fields(change.key)


@counts(MemberUpdate)
def _member_update(tally: Tally, change: MemberUpdate) -> None:
    tally.find(USERS)
    tally.user_fields(change.key)
    manager = _manager(apply_patch({"job": {"manager": tally.managers.get(change.key)}}, data(change.after)))
    if manager:
        tally.find(USERS)
    tally.add("PUT", USERS)
    tally.managers[change.key] = manager
    tally.find(USERS)
    tally.user_fields(change.key)


@counts(MemberSuspend, MemberResume)
def _member_status(tally: Tally, change: MemberSuspend | MemberResume) -> None:
    tally.find(USERS)
    tally.modify(USERS)
    tally.active[change.key] = isinstance(change, MemberResume)
    tally.find(USERS)


@counts(MemberDelete)
def _member_delete(tally: Tally, change: MemberDelete) -> None:
    tally.find(USERS)
    if tally.active.get(change.key):  # deactivated first, then read again for its version
        tally.modify(USERS)
        tally.find(USERS)
    tally.add("DELETE", USERS)
    tally.managers.pop(change.key, None)
    tally.active.pop(change.key, None)
    tally.find(USERS)


@counts(UserGroupCreate, UserGroupUpdate, UserGroupDelete)
def _user_group(tally: Tally, change: UserGroupCreate | UserGroupUpdate | UserGroupDelete) -> None:
    tally.find(GROUPS)
    if isinstance(change, UserGroupCreate):
        tally.add("POST", GROUPS)
        tally.groups += 1
    elif isinstance(change, UserGroupUpdate):
        tally.add("PUT", GROUPS)
    else:
        tally.add("DELETE", GROUPS)
        tally.groups -= 1
    tally.find(GROUPS)


@counts(GroupMemberAdd, GroupMemberRemove)
def _group_member(tally: Tally, change: GroupMemberAdd | GroupMemberRemove) -> None:
    tally.find(GROUPS)
    tally.find(USERS)
    tally.modify(GROUPS)
    tally.find(GROUPS)
    tally.find(USERS)

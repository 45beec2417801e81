"""How long apply will take through the lark backend: the requests it will send to each
endpoint, counted from the plan and the snapshot the plan was made from, and the least
time the endpoints' rate limits allow them (limits.apply_seconds).

The counts follow backend.py call for call, for a first run of the plan that meets no
refusal: apply reads the whole tenant again under its lock (the refresh: the department
tree, each department's members, the user groups and their members, seats, custom
fields, what members own, and a look-up of each member the plan creates or restores,
whom no list shows); then each change reads its target where its handler must, writes,
and reads it back to verify it; group-member changes go in batches (appliers.base
.batches), each verified by one read of its group's members. The handlers decide their
extra reads with the predicates below, so the count and the calls cannot drift apart;
tests/appliers/test_lark_estimate.py checks the counts against an apply on the emulator.

Counts are per pacing tier (the keys of TIERS, as LarkApi.calls counts them): a user
patch that moves departments or freezes counts under RESTRICTED_PATCH too. The estimate
keeps to endpoints: that tier's seconds go to `contact.v3.user.patch`, whose requests
they are."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from orgstate.appliers.base import batches
from orgstate.appliers.lark.limits import apply_seconds, minimum_seconds
from orgstate.appliers.lark.mapping import GROUP_PATCHED, ROOT
from orgstate.appliers.registry import Registry
from orgstate.lark.endpoints import (
    CUSTOM_ATTRS_PAGE_MAX,
    DEPARTMENTS_PAGE_MAX,
    GROUP_MEMBERS_PAGE_MAX,
    GROUPS_PAGE_MAX,
    RESOURCES_PAGE_MAX,
    RESTRICTED_PATCH,
    USERS_PAGE_MAX,
)
from orgstate.model.live import LiveMember, TenantState
from orgstate.planner.changes import (
    Change,
    DepartmentCreate,
    DepartmentDelete,
    DepartmentUpdate,
    GroupMemberAdd,
    GroupMemberRemove,
    MemberCreate,
    MemberDelete,
    MemberRestore,
    MemberResume,
    MemberSuspend,
    MemberUpdate,
    ResourcesTransfer,
    SeatAssign,
    SeatRelease,
    UserGroupCreate,
    UserGroupDelete,
    UserGroupUpdate,
    data,
)
from orgstate.planner.plan import EndpointEstimate, Estimate, Plan

PATCH = "contact.v3.user.patch"
USER_GET = "contact.v3.user.get"


def reads_member_first(after: dict[str, Any]) -> bool:
    """Whether a member update reads the member before its patch: to send both department
    fields when it changes one (the API replaces both), or to see whether a switch to
    business-email login needs an initial password."""
    return after.get("login") == "business_email" or ("department" in after) != ("departments" in after)


def gets_initial_password(after: dict[str, Any], current: LiveMember | None) -> bool:
    """A member switched to business-email login before their first sign-in gets an
    initial password, as the console asks for one."""
    return (
        after.get("login") == "business_email"
        and current is not None
        and current.status in ("invited", "inactive")
        and current.member.login_type != "business_email"
    )


def pages(items: int, size: int) -> int:
    """The requests a paginated list of `items` takes: an empty list is one request too."""
    return max(1, math.ceil(items / size))


def refresh_requests(snapshot: TenantState, looked_up: int, extended: bool) -> Counter[str]:
    """A snapshot read of the tenant `snapshot` shows (LarkBackend._read_snapshot), with
    `looked_up` members that no list shows; `extended`: the emulator's calls answer."""
    live = [member for member in snapshot.members if member.status != "deleted"]
    listed = Counter(d for member in live for d in {member.member.department, *member.member.departments})
    owners = sum(1 for member in live if member.resources.counts())
    return +Counter(
        {
            "contact.v3.department.children": pages(len(snapshot.departments), DEPARTMENTS_PAGE_MAX),
            "contact.v3.user.find_by_department": sum(
                pages(listed[department], USERS_PAGE_MAX)
                for department in {ROOT, *(d.id for d in snapshot.departments)}
            ),
            "contact.v3.group.simplelist": pages(len(snapshot.user_groups), GROUPS_PAGE_MAX),
            "contact.v3.group_member.simplelist": sum(
                pages(len(group.members), GROUP_MEMBERS_PAGE_MAX) for group in snapshot.user_groups
            ),
            # Off the emulator, the first call of a snapshot finds no such endpoint.
            "orgstate_emulator.v1.resources": pages(owners, RESOURCES_PAGE_MAX) if extended else 1,
            "tenant.v2.tenant_product_assign_info.query": 1,
            "contact.v3.custom_attr.list": pages(len(snapshot.fields), CUSTOM_ATTRS_PAGE_MAX),
            USER_GET: looked_up,
        }
    )


@dataclass
class Tally:
    """The requests of the changes so far, and what the later ones need to know."""

    members: dict[str, LiveMember]  # the live members, by User ID
    groups: dict[str, int | None]  # each group's member count; None: no such group
    leavers: frozenset[str]  # members whose deletion carries a resources.transfer
    extended: bool
    requests: Counter[str] = field(default_factory=Counter)

    def add(self, *endpoints: str) -> None:
        self.requests.update(endpoints)

    def patch(self, restricted: bool = False) -> None:
        self.add(PATCH, *((RESTRICTED_PATCH,) if restricted else ()))

    def batch(self, changes: list[Change]) -> None:
        """Group-member changes of one group and action: one batch_add or batch_remove
        call, then one read of the group's members (a change alone is a batch of one)."""
        group = changes[0].target.ids[0]
        adding = isinstance(changes[0], GroupMemberAdd)
        self.add(f"contact.v3.group_member.batch_{'add' if adding else 'remove'}")
        size = self.groups.get(group)
        if size is not None:
            size = size + len(changes) if adding else size - len(changes)
            self.groups[group] = size
        self.requests["contact.v3.group_member.simplelist"] += (
            1 if size is None else pages(size, GROUP_MEMBERS_PAGE_MAX)
        )


COUNTS: Registry[None] = Registry()
counts = COUNTS


def change_requests(plan: Plan, snapshot: TenantState, extended: bool) -> Counter[str]:
    """The requests of the plan's changes, each applied and verified in plan order."""
    tally = Tally(
        members={member.id: member for member in snapshot.members if member.status != "deleted"},
        groups={group.id: len(group.members) for group in snapshot.user_groups},
        leavers=frozenset(change.key for change in plan.changes if isinstance(change, ResourcesTransfer)),
        extended=extended,
    )
    for batch in batches(list(plan.changes)):
        if len(batch) > 1:
            tally.batch(batch)
        else:
            COUNTS.run(tally, batch[0])
    return tally.requests


def estimate_apply(plan: Plan, snapshot: TenantState, extended: bool) -> Estimate:
    """The plan's requests per endpoint and the least time their limits allow (0 without
    changes: apply then sends nothing)."""
    if not plan.changes:
        return Estimate(seconds=0.0)
    refresh, changes = apply_requests(plan, snapshot, extended)
    total = refresh + changes
    endpoints = {
        endpoint: EndpointEstimate(requests=n, seconds=_rounded(_endpoint_seconds(endpoint, total)))
        for endpoint, n in sorted(total.items())
        if endpoint != RESTRICTED_PATCH
    }
    return Estimate(seconds=_rounded(apply_seconds(refresh, changes)), endpoints=endpoints)


def apply_requests(plan: Plan, snapshot: TenantState, extended: bool) -> tuple[Counter[str], Counter[str]]:
    """The requests of apply's refresh and of its changes, per pacing tier."""
    live = {member.id for member in snapshot.members if member.status != "deleted"}
    unlisted = {c.key for c in plan.changes if isinstance(c, MemberCreate | MemberRestore) and c.key not in live}
    return refresh_requests(snapshot, len(unlisted), extended), change_requests(plan, snapshot, extended)


def _endpoint_seconds(endpoint: str, total: Counter[str]) -> float:
    seconds = minimum_seconds(endpoint, total[endpoint])
    return max(seconds, minimum_seconds(RESTRICTED_PATCH, total[RESTRICTED_PATCH])) if endpoint == PATCH else seconds


def _rounded(seconds: float) -> float:
    return round(seconds, 1)


# -- each change: what its handler and its verifier send (backend.py) -------------------


@counts(DepartmentCreate)
def _department_create(tally: Tally, change: DepartmentCreate) -> None:
    tally.add("contact.v3.department.create", "contact.v3.department.get")


@counts(DepartmentUpdate)
def _department_update(tally: Tally, change: DepartmentUpdate) -> None:
    tally.add("contact.v3.department.patch", "contact.v3.department.get")


@counts(DepartmentDelete)
def _department_delete(tally: Tally, change: DepartmentDelete) -> None:
    tally.add("contact.v3.department.delete", "contact.v3.department.get")


@counts(MemberCreate)
def _member_create(tally: Tally, change: MemberCreate) -> None:
    tally.add(USER_GET, "contact.v3.user.create", USER_GET)
    if change.after.login_type == "business_email":
        tally.add("admin.v1.password.reset")


@counts(MemberUpdate)
def _member_update(tally: Tally, change: MemberUpdate) -> None:
    after = data(change.after)
    if reads_member_first(after):
        tally.add(USER_GET)
    tally.patch(restricted="department" in after or "departments" in after)
    if gets_initial_password(after, tally.members.get(change.key)):
        tally.add("admin.v1.password.reset")
    tally.add(USER_GET)


@counts(MemberSuspend, MemberResume)
def _member_status(tally: Tally, change: MemberSuspend | MemberResume) -> None:
    tally.add(USER_GET)
    tally.patch(restricted=True)
    tally.add(USER_GET)


@counts(MemberDelete)
def _member_delete(tally: Tally, change: MemberDelete) -> None:
    tally.add("contact.v3.user.delete", USER_GET)
    if tally.extended and change.key in tally.leavers:
        tally.add("orgstate_emulator.v1.offboarding")


@counts(MemberRestore)
def _member_restore(tally: Tally, change: MemberRestore) -> None:
    tally.add(USER_GET, "contact.v3.user.resurrect", USER_GET)


@counts(ResourcesTransfer)
def _resources_transfer(tally: Tally, change: ResourcesTransfer) -> None:
    """Carried by the member.delete that follows."""


@counts(UserGroupCreate)
def _user_group_create(tally: Tally, change: UserGroupCreate) -> None:
    tally.add("contact.v3.group.get", "contact.v3.group.create", "contact.v3.group.get")
    tally.groups[change.key] = 0


@counts(UserGroupUpdate)
def _user_group_update(tally: Tally, change: UserGroupUpdate) -> None:
    if any(key in GROUP_PATCHED for key in data(change.after)):
        tally.add("contact.v3.group.patch")
    tally.add("contact.v3.group.get")


@counts(UserGroupDelete)
def _user_group_delete(tally: Tally, change: UserGroupDelete) -> None:
    tally.add("contact.v3.group.delete", "contact.v3.group.get")
    tally.groups[change.key] = None


@counts(GroupMemberAdd, GroupMemberRemove)
def _group_member(tally: Tally, change: GroupMemberAdd | GroupMemberRemove) -> None:
    tally.batch([change])


@counts(SeatAssign, SeatRelease)
def _seat(tally: Tally, change: SeatAssign | SeatRelease) -> None:
    tally.patch()
    tally.add(USER_GET)

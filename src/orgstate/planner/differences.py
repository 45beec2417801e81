"""The one comparison of the configuration with the live tenant, per object address.

An object is missing (declared, not live), unmanaged (live, neither declared nor
ignored: under every policy, since what a policy does with it is the planner's
business), or changed (declared and live, with the field paths that differ). The
context's snapshot is the renamed view (`planner.renames`): a member renamed from a
live id is changed, its `id` first (live the old id, declared the new), and its other
fields compared with the old member's. The
planner's steps decide their creates, updates and deletions from these differences,
and a drift report is a projection of them, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from orgstate.model.config import Department, GroupFields, Member, UserGroup
from orgstate.model.live import LiveMember
from orgstate.planner.context import PlanContext
from orgstate.planner.fields import changed_fields
from orgstate.planner.members import live_status, member_state, same_fields

# What a plan compares and sends for a user group (its members are changes of their own).
GROUP_FIELDS = frozenset(GroupFields.model_fields)


def group_fields(ctx: PlanContext) -> frozenset[str]:
    """A group's fields the backend reads: its seat only where it can read group seats."""
    return GROUP_FIELDS if ctx.options.can("group_seats") else GROUP_FIELDS - {"seat"}


def _value(values: dict[str, Any], path: str) -> Any:
    """The value at a field path (`job.title`) of a partial state."""
    head, _, rest = path.partition(".")
    value = values.get(head)
    return value.get(rest) if rest and isinstance(value, dict) else value


@dataclass(frozen=True)
class Difference:
    """What differs in one object: the live and the declared values of the differing
    fields (`job` and `custom` key by key, as a backend's patch) and their paths."""

    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()

    @classmethod
    def between(cls, live: dict[str, Any], declared: dict[str, Any]) -> Difference:
        return cls(*changed_fields(live, declared))

    @classmethod
    def of_field(cls, name: str, live: Any, declared: Any) -> Difference:
        return cls({name: live}, {name: declared}, (name,))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __add__(self, other: Difference) -> Difference:
        return Difference(self.before | other.before, self.after | other.after, self.fields + other.fields)

    def only(self, names: Collection[str]) -> Difference:
        """The part on the top-level fields `names` (a path's first part)."""
        if not self.fields:  # most members: nothing differs
            return self
        return Difference(
            {n: v for n, v in self.before.items() if n in names},
            {n: v for n, v in self.after.items() if n in names},
            tuple(p for p in self.fields if p.partition(".")[0] in names),
        )

    def without(self, names: Collection[str]) -> Difference:
        return self.only((set(self.before) | set(self.after)) - set(names))

    def values(self) -> Iterator[tuple[str, Any, Any]]:
        """(field path, live value, declared value) for each differing field."""
        for path in self.fields:
            yield path, _value(self.before, path), _value(self.after, path)


NO_DIFFERENCE = Difference()


@dataclass(frozen=True)
class Differences:
    # Address -> the declared object, for those not live.
    missing: dict[str, Member | Department | UserGroup]
    # Address -> the live object, for those neither declared nor ignored.
    unmanaged: dict[str, LiveMember | Department | UserGroup]
    # Address -> what differs, for objects both declared and live (none when nothing does).
    changed: dict[str, Difference]
    # Addresses of live objects `policy.ignore` matches, sorted.
    ignored: tuple[str, ...]

    def of(self, address: str) -> Difference:
        return self.changed.get(address, NO_DIFFERENCE)


def find_differences(ctx: PlanContext, seats: Mapping[str, str | None]) -> Differences:
    """`seats`: each declared member's seat after the plan (`planner.live_seats`)."""
    missing: dict[str, Member | Department | UserGroup] = {}
    unmanaged: dict[str, LiveMember | Department | UserGroup] = {}
    changed: dict[str, Difference] = {}
    for department in ctx.config.departments:
        if not ctx.is_ignored("departments", department.id):
            live_department = ctx.live_departments.get(department.id)
            address = f"department.{department.id}"
            if live_department is None:
                missing[address] = department
            elif found := _department_difference(department, live_department):
                changed[address] = found
    for member in ctx.config.members:
        if not ctx.is_ignored("members", member.id):
            live_member = ctx.live_members.get(member.id)
            address = f"member.{member.id}"
            if live_member is None:
                missing[address] = member
            elif found := _member_difference(member, live_member, seats, ctx.renames.get(member.id)):
                changed[address] = found
    fields = group_fields(ctx)
    for group in ctx.config.user_groups:
        if not ctx.is_ignored("user_groups", group.id):
            live_group = ctx.live_groups.get(group.id)
            address = f"user_group.{group.id}"
            if live_group is None:
                missing[address] = group
            elif found := _group_difference(group, live_group, fields):
                changed[address] = found
    sections: list[tuple[str, str, Collection[str], Mapping[str, LiveMember | Department | UserGroup]]] = [
        ("member", "members", ctx.desired_members, ctx.live_members),
        ("department", "departments", ctx.desired_departments, ctx.live_departments),
        ("user_group", "user_groups", ctx.desired_groups, ctx.live_groups),
    ]
    ignored = []
    for kind, section, declared, live in sections:
        for object_id, item in live.items():
            if ctx.is_ignored(section, object_id):
                ignored.append(f"{kind}.{object_id}")
            elif object_id not in declared:
                unmanaged[f"{kind}.{object_id}"] = item
    return Differences(missing, unmanaged, changed, tuple(sorted(ignored)))


def _department_difference(department: Department, live: Department) -> Difference:
    if live == department:
        return NO_DIFFERENCE
    return Difference.between(live.model_dump(mode="json"), department.model_dump(mode="json"))


def _member_difference(
    member: Member, live: LiveMember, seats: Mapping[str, str | None], renamed_from: str | None
) -> Difference:
    """`renamed_from`: the live id of a member the plan renames (the view has the new one)."""
    found = NO_DIFFERENCE if renamed_from is None else Difference.of_field("id", renamed_from, member.id)
    if not same_fields(member, live.member):
        found += Difference.between(member_state(live.member), member_state(member))
    if live_status(live) != member.status:
        found += Difference.of_field("status", live.status, member.status)
    if member.id in seats and seats[member.id] != live.seat:
        found += Difference.of_field("seat", live.seat, seats[member.id])
    return found


def _group_difference(group: UserGroup, live: UserGroup, fields: frozenset[str]) -> Difference:
    # By name, as a plan lists a group's fields.
    found = Difference.between(
        dict(sorted(live.model_dump(mode="json", include=set(fields)).items())),
        dict(sorted(group.model_dump(mode="json", include=set(fields)).items())),
    )
    if set(live.members) != set(group.members):
        found += Difference.of_field("members", sorted(live.members), sorted(group.members))
    return found

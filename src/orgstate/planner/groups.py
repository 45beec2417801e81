"""User groups and their members: set algebra on groups and on (group, member) pairs."""

from __future__ import annotations

from orgstate.planner.changes import Address
from orgstate.planner.context import PlanContext
from orgstate.planner.departments import member_arrival
from orgstate.planner.differences import Difference, Differences, group_fields
from orgstate.planner.drafts import Draft, Drafts, Phase, key


def _membership_address(group_id: str, member_id: str) -> str:
    return str(Address.of("group_member", group_id, member_id))


def _membership(difference: Difference) -> tuple[set[str], list[str]]:
    """The members a live group gains and those it loses: set algebra on its `members`."""
    live = set(difference.before.get("members", ()))
    declared = set(difference.after.get("members", ()))
    return declared - live, sorted(live - declared)


def plan_groups(ctx: PlanContext, drafts: Drafts, differences: Differences) -> None:
    deleting = ctx.config.policy.removal.action == "delete"
    removes_members = ctx.is_authoritative("user_groups")
    for group in ctx.config.user_groups:
        if ctx.is_ignored("user_groups", group.id):
            continue
        address = f"user_group.{group.id}"
        group_needs: tuple[str, ...] = ()
        if address in differences.missing:
            wanted = group.model_dump(mode="json", include=set(group_fields(ctx)))
            drafts.add(
                Draft(
                    Phase.GROUPS, "user_group", "create", address, after=wanted, reason="declared, not live", rank=(0,)
                )
            )
            group_needs = (key("user_group", "create", address),)
            joining: set[str] = set(group.members)
            leaving: list[str] = []
        else:
            difference = differences.of(address)
            own = difference.without({"members"})
            if own:
                drafts.add(
                    Draft(
                        Phase.GROUPS,
                        "user_group",
                        "update",
                        address,
                        before=own.before,
                        after=own.after,
                        fields=own.fields,
                        reason="changed",
                        rank=(0,),
                    )
                )
            joining, leaving = _membership(difference)
        for member_id in group.members:
            if member_id not in joining:
                continue
            arrival = member_arrival(ctx, member_id)
            drafts.add(
                Draft(
                    Phase.GROUPS,
                    "group_member",
                    "add",
                    _membership_address(group.id, member_id),
                    after={"group": group.id, "member": member_id},
                    reason="declared member",
                    rank=(1,),
                    needs=tuple(filter(None, (*group_needs, arrival))),
                )
            )
        if removes_members:
            for member_id in leaving:
                if member_id in ctx.leaving and deleting:
                    continue  # deleting the member takes them out of every group
                drafts.add(
                    Draft(
                        Phase.GROUPS,
                        "group_member",
                        "remove",
                        _membership_address(group.id, member_id),
                        before={"group": group.id, "member": member_id},
                        reason="not declared",
                        rank=(2,),
                    )
                )
    _deletions(ctx, drafts, differences, deleting)


def _deletions(ctx: PlanContext, drafts: Drafts, differences: Differences, deleting: bool) -> None:
    if not ctx.is_authoritative("user_groups"):
        return
    for group in ctx.snapshot.user_groups:
        if f"user_group.{group.id}" not in differences.unmanaged:
            continue
        needs = []
        for member_id in group.members:
            if member_id in ctx.leaving and deleting:
                needs.append(key("member", "delete", f"member.{member_id}"))
                continue
            address = _membership_address(group.id, member_id)
            drafts.add(
                Draft(
                    Phase.REMOVALS,
                    "group_member",
                    "remove",
                    address,
                    before={"group": group.id, "member": member_id},
                    reason="group not declared",
                    rank=(0,),
                )
            )
            needs.append(key("group_member", "remove", address))
        drafts.add(
            Draft(
                Phase.REMOVALS,
                "user_group",
                "delete",
                f"user_group.{group.id}",
                before=group.model_dump(mode="json", exclude={"members"}),
                reason="live, not declared",
                irreversible=True,
                rank=(0,),
                needs=tuple(needs),
            )
        )

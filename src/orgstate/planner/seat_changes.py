"""The seat changes of a plan: release and assign each member's seat to reach the live
resolution (`live_seats`), in step with the user groups that seat members by themselves,
and whether the acting admin may change seats at all."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.planner.changes import Address
from orgstate.planner.context import PlanContext
from orgstate.planner.departments import member_arrival
from orgstate.planner.drafts import Draft, Drafts, Phase, key
from orgstate.planner.live_seats import Seating


def plan_seat_changes(ctx: PlanContext, drafts: Drafts, seating: Seating) -> Iterator[Diagnostic]:
    """Release and assign the seats of members who stay; an arriving member's seat goes
    right after the change that brings them."""
    seated_by = seated_groups_after(ctx)
    gains = group_seat_gains(ctx)
    for member_id, plan_id in seating.final.items():
        live = ctx.live_members.get(member_id)
        gained = gains.get(member_id)
        if live is not None and live.seat == plan_id and live.seat_source != "group" and gained is None:
            continue  # most members: the seat holds as it is
        address = str(Address.of("seat", member_id))
        arrival = member_arrival(ctx, member_id)
        reason = seating.reasons[member_id]
        wanted = None if plan_id is None else {"member": member_id, "plan": plan_id, "source": reason}
        if plan_id is None and gained is not None and (live is None or live.seat is None):
            # The console seats a member who joins a seated group by itself; the
            # configuration says no seat, so it is released once the group has seated them.
            group_plan, group_changes = gained
            before = {"member": member_id, "plan": group_plan}
            drafts.add(
                Draft(
                    Phase.SEAT_ASSIGNMENTS,
                    "seat",
                    "release",
                    address,
                    before=before,
                    reason="no seat resolves; the group's is given back",
                    needs=group_changes,
                )
            )
            continue
        if live is None:
            if arrival is not None and wanted is not None:
                drafts.add(
                    Draft(
                        Phase.MEMBERS,
                        "seat",
                        "assign",
                        address,
                        after=wanted,
                        reason=reason,
                        needs=(arrival,),
                        follows=arrival,
                    )
                )
            continue
        held = None if live.seat is None else {"member": member_id, "plan": live.seat}
        keeps_group = (member_id, plan_id) in seated_by
        if live.seat == plan_id and not (live.seat_source == "group" and not keeps_group):
            continue
        if held is not None and wanted is None:
            # Released first, unless the member joins a seated group: then after it, or the
            # console would seat them through the group once their own seat is gone.
            phase, needs = (Phase.SEAT_RELEASES, ()) if gained is None else (Phase.SEAT_ASSIGNMENTS, gained[1])
            drafts.add(Draft(phase, "seat", "release", address, before=held, reason="no seat resolves", needs=needs))
        elif wanted is not None:
            drafts.add(
                Draft(
                    Phase.SEAT_ASSIGNMENTS,
                    "seat",
                    "assign",
                    address,
                    before=held,
                    after=wanted,
                    reason=reason,
                    rank=(0 if held else 1,),
                )
            )
    yield from _permission(ctx, drafts)


def group_seat_gains(ctx: PlanContext) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Member -> (plan, the group changes) for each member a plan puts into a seated user
    group, or whose group gains a seat: "New members added to the user group will
    automatically receive seats"."""
    if not ctx.options.can("group_seats"):
        return {}
    gains: dict[str, tuple[str, tuple[str, ...]]] = {}
    for group in ctx.config.user_groups:
        if group.seat is None or ctx.is_ignored("user_groups", group.id):
            continue
        live = ctx.live_groups.get(group.id)
        address = str(Address.of("user_group", group.id))
        if live is None or live.seat != group.seat:
            change = key("user_group", "create" if live is None else "update", address)
            joining = {member: (change,) for member in group.members}
        else:
            joining = {
                member: (key("group_member", "add", str(Address.of("group_member", group.id, member))),)
                for member in group.members
                if member not in live.members
            }
        for member, changes in joining.items():
            gains.setdefault(member, (group.seat, changes))
    return gains


def seated_groups_after(ctx: PlanContext) -> set[tuple[str, str]]:
    """(member, plan) for each member a seated user group still holds after the plan: a
    seat held through a group that no longer holds the member is released with the
    membership, so the plan assigns it to the member instead."""
    groups = {g.id: g for g in ctx.live_groups.values() if ctx.is_ignored("user_groups", g.id)}
    if not ctx.is_authoritative("user_groups"):
        groups = {**ctx.live_groups, **groups}
    groups |= {g.id: g for g in ctx.config.user_groups if not ctx.is_ignored("user_groups", g.id)}
    return {(member, group.seat) for group in groups.values() if group.seat for member in group.members}


def _permission(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    """Seat operations need the primary admin, or Billing with Member and Department."""
    actor = ctx.options.actor or ctx.snapshot.tenant.founder
    if actor is None:
        return  # the backend cannot tell who acts; the service itself refuses what it must
    roles = set(ctx.snapshot.tenant.admins.get(actor, ()))
    if actor == ctx.snapshot.tenant.founder or "primary" in roles or {"billing", "member_and_department"} <= roles:
        return
    seat_changes = [
        d
        for d in drafts.items.values()
        if d.type == "seat" or (d.action in ("create", "restore") and (d.after or {}).get("seat"))
    ]
    if seat_changes:
        yield error(
            RuleId.PERMISSION,
            f"the plan changes seats, which '{actor}' may not: it needs Billing and Member and "
            "Department rights, or the primary administrator",
        )

"""Declared members: restores (within the window), creates (managers first), field
updates, and suspend or resume to reach the declared status."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error, info, warning
from orgstate.lark.editions import RESTORE_WINDOW_DAYS
from orgstate.model.config import Member, MemberFields
from orgstate.model.fields import COMPARED_FIELDS
from orgstate.model.live import LiveMember
from orgstate.model.types import DeclaredStatus
from orgstate.planner.context import PlanContext
from orgstate.planner.departments import department_arrival, member_arrival
from orgstate.planner.drafts import Draft, Drafts, Phase, key
from orgstate.planner.fields import changed_fields

if TYPE_CHECKING:  # the differences compare members with this module's member_state
    from orgstate.planner.differences import Difference, Differences

COMPARED = operator.attrgetter(*sorted(COMPARED_FIELDS - {"id"}))
RESTORE_NOTE = "transferred data, the department and admin roles do not come back"


def member_state(member: MemberFields) -> dict[str, Any]:
    """The fields a plan compares and sends (seat and status are changes of their own)."""
    return member.model_dump(mode="json", include=set(COMPARED_FIELDS))  # include takes a set, not a frozenset


def same_fields(member: MemberFields, live: MemberFields) -> bool:
    """The quick check that spares most members a field-by-field comparison."""
    return COMPARED(member) == COMPARED(live)


def live_status(live: LiveMember) -> DeclaredStatus:
    """The declared status a live one counts as (invited and inactive members are active)."""
    return "suspended" if live.status == "suspended" else "active"


def _needs(ctx: PlanContext, member: Member) -> tuple[str, ...]:
    arrivals = [department_arrival(ctx, d) for d in (member.department, *member.departments)]
    arrivals += [member_arrival(ctx, m) for m in (member.job.manager, *member.job.dotted_line_managers)]
    return tuple(dict.fromkeys(a for a in arrivals if a is not None))


def _manager_depth(ctx: PlanContext, member: Member) -> int:
    """How many arriving managers stand above an arriving member (they are created first)."""
    level, current, seen = 0, member.job.manager, {member.id}
    while current is not None and current in ctx.arriving and current not in seen:
        seen.add(current)
        level += 1
        manager = ctx.desired_members.get(current)
        current = manager.job.manager if manager else None
    return level


def plan_members(ctx: PlanContext, drafts: Drafts, differences: Differences) -> Iterator[Diagnostic]:
    for member in ctx.config.members:
        if ctx.is_ignored("members", member.id):
            continue
        address = f"member.{member.id}"
        arrival = ctx.arriving.get(member.id)
        live = ctx.live_members.get(member.id)
        if live is not None:
            difference = differences.of(address)
            own = difference.only(COMPARED_FIELDS)
            old = ctx.renames.get(member.id)
            if old is not None:
                _rename(drafts, old, own, _needs(ctx, member))
            elif own:
                _update(drafts, address, own.before, own.after, own.fields, _needs(ctx, member))
            if "status" in difference.fields:
                yield from _status(ctx, drafts, member, live_status(live), None)
            continue
        wanted = member_state(member)
        needs = _needs(ctx, member)
        if arrival == "restore":
            deleted = ctx.deleted_members[member.id]
            when = (
                "on a date the backend cannot tell"
                if deleted.deleted_at is None
                else (f"{(ctx.today - deleted.deleted_at).days} days ago")
            )
            drafts.add(
                Draft(
                    Phase.MEMBERS,
                    "member",
                    "restore",
                    address,
                    after={"department": member.department, "departments": list(member.departments)},
                    reason=f"deleted {when}; {RESTORE_NOTE}",
                    rank=(0, _manager_depth(ctx, member)),
                    needs=needs,
                )
            )
            yield info(
                RuleId.RESTORE_WINDOW,
                f"'{member.id}' was deleted {when} and is restored; {RESTORE_NOTE}",
                address=address,
            )
            current = member_state(deleted.member)
            current.update(department=member.department, departments=list(member.departments))
            _update(drafts, address, *changed_fields(current, wanted), (*needs, key("member", "restore", address)))
        elif arrival == "create":
            too_old = ctx.deleted_members.get(member.id)
            if too_old is not None:
                yield warning(
                    RuleId.RESTORE_WINDOW,
                    f"'{member.id}' was deleted on {too_old.deleted_at}, beyond the "
                    f"{RESTORE_WINDOW_DAYS}-day restore window or the edition's reach: created anew, "
                    "without the old account's data",
                    address=address,
                )
            drafts.add(
                Draft(
                    Phase.MEMBERS,
                    "member",
                    "create",
                    address,
                    after=wanted,
                    reason="declared, not live",
                    rank=(0, _manager_depth(ctx, member)),
                    needs=needs,
                )
            )
        yield from _status(ctx, drafts, member, "active", arrival)


def _update(
    drafts: Drafts,
    address: str,
    before: dict[str, Any],
    after: dict[str, Any],
    paths: tuple[str, ...],
    needs: tuple[str, ...],
) -> None:
    if paths:
        drafts.add(
            Draft(
                Phase.MEMBERS,
                "member",
                "update",
                address,
                before=before,
                after=after,
                fields=paths,
                reason="changed",
                rank=(1,),
                needs=needs,
            )
        )


def _rename(drafts: Drafts, old: str, own: Difference, needs: tuple[str, ...]) -> None:
    """The User ID changes (`own` leads with it, with whatever else changes), first among the members."""
    drafts.add(
        Draft(
            Phase.MEMBERS,
            "member",
            "update",
            f"member.{old}",
            before=own.before,
            after=own.after,
            fields=own.fields,
            reason=f"renamed from {old}",
            rank=(-1,),
            needs=needs,
        )
    )


def _status(
    ctx: PlanContext, drafts: Drafts, member: Member, current: str, arrival: str | None
) -> Iterator[Diagnostic]:
    address = f"member.{member.id}"
    if member.status == current:
        return
    arrived = (key("member", arrival, address),) if arrival else ()
    if member.status == "active":
        drafts.add(
            Draft(
                Phase.MEMBERS,
                "member",
                "resume",
                address,
                before={"status": current},
                after={"status": "active"},
                fields=("status",),
                reason="declared active",
                rank=(2,),
            )
        )
        return
    if member.id in ctx.admins:
        yield error(
            RuleId.DELETE_ADMIN,
            f"'{member.id}' is the founder or a tenant admin and cannot be suspended",
            address=address,
        )
        return
    if ctx.is_protected(member.id):
        yield error(
            RuleId.PROTECTED_REMOVAL,
            f"'{member.id}' is protected (policy.protected) and cannot be suspended",
            address=address,
        )
        return
    drafts.add(
        Draft(
            Phase.MEMBERS,
            "member",
            "suspend",
            address,
            before={"status": current},
            after={"status": "suspended"},
            fields=("status",),
            reason="declared suspended",
            rank=(2,),
            needs=arrived,
        )
    )

"""Declared members: restores (within the window), creates (managers first), field
updates, and suspend or resume to reach the declared status."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

from orgstate.diagnostics import Diagnostic, error, info, warning
from orgstate.model.config import Member
from orgstate.planner.context import RESTORE_WINDOW_DAYS, PlanContext
from orgstate.planner.departments import department_arrival, member_arrival
from orgstate.planner.drafts import Draft, Drafts, Phase, key
from orgstate.planner.fields import MEMBER_FIELDS, changed_fields

COMPARED = operator.attrgetter(*sorted(MEMBER_FIELDS - {"id"}))
RESTORE_NOTE = "transferred data, the department and admin roles do not come back"


def member_state(member: Member) -> dict[str, Any]:
    """The fields a plan compares and sends (seat and status are changes of their own)."""
    return member.model_dump(mode="json", include=MEMBER_FIELDS)  # type: ignore[arg-type]


def same_fields(member: Member, live: Member) -> bool:
    """The quick check that spares most members a field-by-field comparison."""
    return COMPARED(member) == COMPARED(live)


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


def plan_members(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    for member in ctx.config.members:
        if ctx.is_ignored("members", member.id):
            continue
        address = f"member.{member.id}"
        arrival = ctx.arriving.get(member.id)
        live = ctx.live_members.get(member.id)
        if live is not None:
            old = ctx.renames.get(member.id)
            if old is not None:
                _rename(drafts, old, member_state(live) | {"id": old}, member_state(member), _needs(ctx, member))
            elif not same_fields(member, live):
                _update(drafts, address, member_state(live), member_state(member), _needs(ctx, member))
            live_status = "suspended" if live.status == "suspended" else "active"
            yield from _status(ctx, drafts, member, live_status, None)
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
                "RESTORE-WINDOW",
                f"'{member.id}' was deleted {when} and is restored; {RESTORE_NOTE}",
                address=address,
            )
            current = member_state(deleted)
            current.update(department=member.department, departments=list(member.departments))
            _update(drafts, address, current, wanted, (*needs, key("member", "restore", address)))
        elif arrival == "create":
            too_old = ctx.deleted_members.get(member.id)
            if too_old is not None:
                yield warning(
                    "RESTORE-WINDOW",
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
    drafts: Drafts, address: str, current: dict[str, Any], wanted: dict[str, Any], needs: tuple[str, ...]
) -> None:
    before, after, paths = changed_fields(current, wanted)
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


def _rename(drafts: Drafts, old: str, current: dict[str, Any], wanted: dict[str, Any], needs: tuple[str, ...]) -> None:
    """The User ID changes (with whatever else changes), first among the members."""
    before, after, paths = changed_fields(current, wanted)
    drafts.add(
        Draft(
            Phase.MEMBERS,
            "member",
            "update",
            f"member.{old}",
            before=before,
            after=after,
            fields=paths,
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
            "DELETE-ADMIN", f"'{member.id}' is the founder or a tenant admin and cannot be suspended", address=address
        )
        return
    if ctx.is_protected(member.id):
        yield error(
            "PROTECTED-REMOVAL",
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

"""Seats against the live tenant (SPEC section 3): each declared member's seat after the
plan, capacity per live plan after the plan's own releases and deletions, the automatic
assignments the console would make, and the seat changes that get there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from orgstate.diagnostics import Diagnostic, error, info, warning
from orgstate.model.config import Subscription
from orgstate.planner.changes import Address
from orgstate.planner.context import PlanContext
from orgstate.planner.departments import member_arrival
from orgstate.planner.drafts import Draft, Drafts, Phase, key
from orgstate.planner.plan import SeatUse
from orgstate.planner.seats import SeatResolution, resolve_seats

LISTED = 10


@dataclass
class Seating:
    final: dict[str, str | None] = field(default_factory=dict)  # declared member -> plan after the plan
    reasons: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)  # plan -> members without a seat
    # Members kept on a seat nothing declared covers, whose origin the backend cannot tell.
    unattributed: list[str] = field(default_factory=list)
    # Subscription -> seats held after the plan by live members it does not seat (see _kept_outside).
    outside: Counter[str] = field(default_factory=Counter)


def _names(ids: Sequence[str]) -> str:
    more = len(ids) - LISTED
    return ", ".join(ids[:LISTED]) + (f" and {more} more" if more > 0 else "")


def live_coverage(ctx: PlanContext, coverage: Sequence[Collection[str]]) -> list[Collection[str]]:
    """`from_plan` covers the members who hold the other plan's seats live."""
    result: list[Collection[str]] = []
    for rule, covered in zip(ctx.config.seat_assignments, coverage, strict=True):
        if rule.from_plan is not None:
            covered = {m.id for m in ctx.live_members.values() if m.seat == rule.from_plan}
        result.append(covered)
    return result


def resolve_live(
    ctx: PlanContext, coverage: Sequence[Collection[str]], static: SeatResolution
) -> tuple[Seating, list[Diagnostic]]:
    """Seats after the plan. `static` is steps 1 to 3 without live data; it stands unless
    a `from_plan` assignment needs the live holders of another plan."""
    needs_live = any(rule.from_plan is not None for rule in ctx.config.seat_assignments)
    resolution = resolve_seats(ctx.config, live_coverage(ctx, coverage)) if needs_live else static
    seating = Seating()
    diagnostics: list[Diagnostic] = []
    pending_auto: list[str] = []
    for member in ctx.config.members:
        if ctx.is_ignored("members", member.id):
            continue
        resolved = resolution.seats[member.id]
        plan, reason = resolved.plan, resolved.reason
        if reason == "none" and not member.has_explicit_seat:
            # Automatic seats go to new members only, and the creator always has one; an
            # existing member with nothing behind their seat loses it (SPEC section 3).
            # A seat the console gave by itself stays, as does one whose origin the
            # backend cannot tell.
            live = ctx.live_members.get(member.id)
            held, source = (live.seat, live.seat_source) if live is not None else (None, None)
            is_founder = member.id == ctx.snapshot.tenant.founder
            if held is not None and not _expired(ctx, held) and (is_founder or source in (None, "auto")):
                plan, reason = held, "auto"
                if source is None and not is_founder:
                    seating.unattributed.append(member.id)
            elif member.id in ctx.arriving or is_founder:
                pending_auto.append(member.id)
        seating.final[member.id] = plan
        seating.reasons[member.id] = reason
    others = seating.outside = _kept_outside(ctx, seating)
    plans = {**{p.id: p for p in ctx.config.org.plans}, **ctx.live_plans}
    for plan_id in plans:
        diagnostics.extend(_fit(ctx, seating, plan_id, others[plan_id]))
    diagnostics.extend(_auto(ctx, seating, pending_auto, others))
    diagnostics.extend(_expired_seats(ctx, seating))
    diagnostics.extend(_mismatches(ctx))
    diagnostics.extend(_without_login(ctx, seating))
    if seating.unattributed:
        diagnostics.append(
            info(
                "SEAT-AUTO",
                f"the backend cannot tell how seats were given, so {len(seating.unattributed)} seat(s) that "
                f"nothing in the configuration covers are kept as automatic: {_names(seating.unattributed)}",
            )
        )
    return seating, diagnostics


def _kept_outside(ctx: PlanContext, seating: Seating) -> Counter[str]:
    """Seats held after the plan by live members it does not seat: the undeclared who
    stay and the ignored (declared or not)."""
    return Counter(
        m.seat
        for m in ctx.live_members.values()
        if m.seat is not None and m.id not in seating.final and not _leaves_seat(ctx, m.id)
    )


def _expired(ctx: PlanContext, plan_id: str) -> bool:
    plan = ctx.live_plans.get(plan_id)
    return plan is not None and plan.expires <= ctx.today


def _leaves_seat(ctx: PlanContext, member_id: str) -> bool:
    return member_id in ctx.leaving and ctx.config.policy.removal.action == "delete"


def _fit(ctx: PlanContext, seating: Seating, plan_id: str, others: int) -> Iterator[Diagnostic]:
    """Capacity of one plan, against the live purchase: an explicit seat beyond it is an
    error; derived seats beyond it are too, unless the policy says warn (then those left
    out are listed, in file order, the members already holding one first)."""
    live = ctx.live_plans.get(plan_id)
    purchased = live.seats if live is not None else 0
    holders = [m for m, p in seating.final.items() if p == plan_id]
    fixed = [m for m in holders if seating.reasons[m] in ("explicit", "auto")]
    derived = [m for m in holders if seating.reasons[m] in ("group", "rule")]
    address = f"plan.{plan_id}"
    counts = (
        f"{len(holders) + others} would hold one ({len(fixed)} explicit or kept, {len(derived)} from groups "
        f"and rules, {others} outside the configuration)"
    )
    if len(fixed) + others > purchased:
        yield error(
            "SEAT-CAPACITY",
            f"plan '{plan_id}' has {purchased} seats live but {counts}; buy seats or assign fewer",
            address=address,
        )
    elif len(holders) + others > purchased:
        if ctx.config.policy.seats.on_shortage == "fail":
            yield error(
                "SEAT-CAPACITY",
                f"Unable to add members due to insufficient seats: plan '{plan_id}' has "
                f"{purchased} seats live but {counts}",
                address=address,
            )
            return
        holding = {m.id for m in ctx.live_members.values() if m.seat == plan_id}
        room = purchased - len(fixed) - others
        keep = sorted(derived, key=lambda m: m not in holding)[:room]
        left_out = [m for m in derived if m not in keep]
        for member_id in left_out:
            seating.final[member_id] = None
            seating.reasons[member_id] = "none"
        yield warning(
            "SEAT-CAPACITY",
            f"plan '{plan_id}' has {purchased} seats live but {counts}; left without a seat: {_names(left_out)}",
            address=address,
        )
        seating.left_out[plan_id] = tuple(left_out)


def _auto(ctx: PlanContext, seating: Seating, pending: list[str], others: Counter[str]) -> Iterator[Diagnostic]:
    """ "A new member left without a seat goes to the plan that is in use, has seats left,
    and expires last" (with one plan: while seats remain; the creator always has one)."""
    used = Counter(p for p in seating.final.values() if p is not None) + others
    for member_id in pending:
        candidates = sorted(
            (p for p in ctx.plans_in_use if p.seats - used[p.id] > 0), key=lambda p: (p.expires, p.id), reverse=True
        )
        if not candidates:
            continue
        chosen: Subscription = candidates[0]
        used[chosen.id] += 1
        seating.final[member_id] = chosen.id
        seating.reasons[member_id] = "auto"
        yield info(
            "SEAT-AUTO",
            f"'{member_id}' gets a seat of '{chosen.id}' as the console would assign it",
            address=f"member.{member_id}",
        )


def _expired_seats(ctx: PlanContext, seating: Seating) -> Iterator[Diagnostic]:
    for member_id, plan_id in seating.final.items():
        if plan_id is not None and _expired(ctx, plan_id):
            yield error(
                "SEAT-EXPIRED",
                f"'{member_id}' is given a seat of '{plan_id}', which expired on {ctx.live_plans[plan_id].expires}",
                address=f"member.{member_id}",
            )


def _mismatches(ctx: PlanContext) -> Iterator[Diagnostic]:
    for declared in ctx.config.org.plans:
        live = ctx.live_plans.get(declared.id)
        address = f"plan.{declared.id}"
        if live is None:
            yield warning(
                "PLAN-MISMATCH",
                f"plan '{declared.id}' is declared but not purchased live; it has no seats",
                address=address,
            )
            continue
        differing = [
            f"{name} {getattr(live, name)} live, {getattr(declared, name)} declared"
            for name in ("edition", "seats", "starts", "expires", "trial")
            if getattr(live, name) != getattr(declared, name)
        ]
        if differing:
            yield warning(
                "PLAN-MISMATCH",
                f"plan '{declared.id}': {'; '.join(differing)} (capacity uses the live figures)",
                address=address,
            )


def _without_login(ctx: PlanContext, seating: Seating) -> Iterator[Diagnostic]:
    if not ctx.plans_in_use:
        return
    without = [
        m.id
        for m in ctx.config.members
        if m.status == "active" and m.id in seating.final and seating.final[m.id] is None
    ]
    if without:
        yield warning(
            "LOGIN-NEEDS-SEAT",
            f"{len(without)} active member(s) will hold no seat and cannot log in: {_names(without)}",
        )


def seat_uses(ctx: PlanContext, seating: Seating) -> list[SeatUse]:
    """Per live plan: purchased, held now, held after the plan, and who is left out."""
    before = Counter(m.seat for m in ctx.live_members.values() if m.seat is not None)
    after = Counter(p for p in seating.final.values() if p is not None) + seating.outside
    return [
        SeatUse(plan.id, plan.seats, before[plan.id], after[plan.id], seating.left_out.get(plan.id, ()))
        for plan in ctx.snapshot.org.plans
    ]


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
            "PERMISSION",
            f"the plan changes seats, which '{actor}' may not: it needs Billing and Member and "
            "Department rights, or the primary administrator",
        )

"""Live seat resolution (SPEC section 3): each declared member's seat after the plan,
from the static resolution (`orgstate.seating`) and the live tenant; capacity per live
plan after the plan's own releases and deletions, the automatic assignments the console
would make, and the seats each plan holds before and after. The changes that get there
are `seat_changes`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error, info, listed, warning
from orgstate.model.config import Subscription
from orgstate.planner.context import PlanContext
from orgstate.planner.plan import SeatUse
from orgstate.seating.resolution import resolve_seats
from orgstate.seating.static import StaticSeats


@dataclass
class Seating:
    final: dict[str, str | None] = field(default_factory=dict)  # declared member -> plan after the plan
    reasons: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)  # plan -> members without a seat
    # Members kept on a seat nothing declared covers, whose origin the backend cannot tell.
    unattributed: list[str] = field(default_factory=list)
    # Subscription -> seats held after the plan by live members it does not seat (see _kept_outside).
    outside: Counter[str] = field(default_factory=Counter)


def live_coverage(ctx: PlanContext, coverage: Sequence[Collection[str]]) -> list[Collection[str]]:
    """`from_plan` covers the members who hold the other plan's seats live."""
    result: list[Collection[str]] = []
    for rule, covered in zip(ctx.config.seat_assignments, coverage, strict=True):
        if rule.from_plan is not None:
            covered = {m.id for m in ctx.live_members.values() if m.seat == rule.from_plan}
        result.append(covered)
    return result


def resolve_live(ctx: PlanContext, static: StaticSeats) -> tuple[Seating, list[Diagnostic]]:
    """Seats after the plan. `static` is steps 1 to 3 without live data; it stands unless
    a `from_plan` assignment needs the live holders of another plan."""
    needs_live = any(rule.from_plan is not None for rule in ctx.config.seat_assignments)
    resolution = resolve_seats(ctx.config, live_coverage(ctx, static.coverage)) if needs_live else static.resolution
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
                RuleId.SEAT_AUTO,
                f"the backend cannot tell how seats were given, so {len(seating.unattributed)} seat(s) that "
                f"nothing in the configuration covers are kept as automatic: {listed(seating.unattributed)}",
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
            RuleId.SEAT_CAPACITY,
            f"plan '{plan_id}' has {purchased} seats live but {counts}; buy seats or assign fewer",
            address=address,
        )
    elif len(holders) + others > purchased:
        if ctx.config.policy.seats.on_shortage == "fail":
            yield error(
                RuleId.SEAT_CAPACITY,
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
            RuleId.SEAT_CAPACITY,
            f"plan '{plan_id}' has {purchased} seats live but {counts}; left without a seat: {listed(left_out)}",
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
            RuleId.SEAT_AUTO,
            f"'{member_id}' gets a seat of '{chosen.id}' as the console would assign it",
            address=f"member.{member_id}",
        )


def _expired_seats(ctx: PlanContext, seating: Seating) -> Iterator[Diagnostic]:
    for member_id, plan_id in seating.final.items():
        if plan_id is not None and _expired(ctx, plan_id):
            yield error(
                RuleId.SEAT_EXPIRED,
                f"'{member_id}' is given a seat of '{plan_id}', which expired on {ctx.live_plans[plan_id].expires}",
                address=f"member.{member_id}",
            )


def _mismatches(ctx: PlanContext) -> Iterator[Diagnostic]:
    for declared in ctx.config.org.plans:
        live = ctx.live_plans.get(declared.id)
        address = f"plan.{declared.id}"
        if live is None:
            yield warning(
                RuleId.PLAN_MISMATCH,
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
                RuleId.PLAN_MISMATCH,
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
            RuleId.LOGIN_NEEDS_SEAT,
            f"{len(without)} active member(s) will hold no seat and cannot log in: {listed(without)}",
        )


def seat_uses(ctx: PlanContext, seating: Seating) -> list[SeatUse]:
    """Per live plan: purchased, held now, held after the plan, and who is left out."""
    before = Counter(m.seat for m in ctx.live_members.values() if m.seat is not None)
    after = Counter(p for p in seating.final.values() if p is not None) + seating.outside
    return [
        SeatUse(plan.id, plan.seats, before[plan.id], after[plan.id], seating.left_out.get(plan.id, ()))
        for plan in ctx.snapshot.org.plans
    ]

"""Seats against the declared plans: SEAT-AMBIGUOUS, SEAT-CAPACITY and the problems
of the seat assignments (an unknown `from_file` or row, or a `from_plan` naming its own
plan, is REF-UNKNOWN; an unreadable list CFG-SCHEMA). Which seat each member gets is
`orgstate.seating`'s to say; this module reports what is wrong with it."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath, clip, error, listed, warning
from orgstate.model.config import Subscription
from orgstate.rules.context import RuleContext
from orgstate.seating.coverage import SeatListProblem
from orgstate.seating.resolution import SeatResolution


def _seat_list_problem(ctx: RuleContext, problem: SeatListProblem) -> Diagnostic:
    at = ("seat_assignments", problem.assignment, "from_file")
    name = clip(ctx.config.seat_assignments[problem.assignment].from_file or "")
    match problem.kind:
        case "outside":
            message = f"from_file '{name}' leaves the configuration's directory: a seat list must be inside it"
            return error(RuleId.CFG_SCHEMA, message, at=at)
        case "missing":
            return error(RuleId.REF_UNKNOWN, f"unknown file '{name}' (looked for {clip(problem.shown)})", at=at)
        case "unreadable":
            return error(RuleId.CFG_SCHEMA, f"cannot read seat list {problem.shown}: {problem.detail}", at=at)
        case "invalid":
            return _in_seat_list(ctx, RuleId.CFG_SCHEMA, problem.detail, problem, at)
        case "unmatched":
            message = f"no declared member has the email or phone '{clip(problem.detail)}'"
            return _in_seat_list(ctx, RuleId.REF_UNKNOWN, message, problem, at)


def _in_seat_list(ctx: RuleContext, rule: RuleId, message: str, problem: SeatListProblem, at: DocPath) -> Diagnostic:
    """A diagnostic at a line of a seat list, addressed as the assignment that names it."""
    address = ctx.sources.address(at) if ctx.sources is not None else None
    return error(
        rule,
        message,
        file=problem.shown,
        line=problem.line,
        column=1,
        address=address or f"seat_assignments[{problem.assignment}]",
        path=ctx.field_path(at),
    )


def _self_references(ctx: RuleContext) -> Iterator[Diagnostic]:
    for i, rule in enumerate(ctx.config.seat_assignments):
        if rule.from_plan == rule.plan:
            at = ("seat_assignments", i, "from_plan")
            yield error(RuleId.REF_UNKNOWN, "from_plan names the plan it assigns", at=at)


def _capacity(ctx: RuleContext, resolution: SeatResolution, index: int, plan: Subscription) -> Iterator[Diagnostic]:
    holders = resolution.holders(plan.id)
    explicit = [m for m in holders if resolution.seats[m].reason == "explicit"]
    derived = [m for m in holders if resolution.seats[m].reason != "explicit"]
    at = ("org", "plans", index, "seats")
    capacity = f"{plan.seats} seat{'' if plan.seats == 1 else 's'}"
    counts = f"{len(holders)} members resolve to it ({len(explicit)} explicit, {len(derived)} from groups and rules)"
    if len(explicit) > plan.seats:
        yield error(RuleId.SEAT_CAPACITY, f"plan '{plan.id}' has {capacity} but {counts}", at=at)
    elif len(holders) > plan.seats:
        left_out = derived[plan.seats - len(explicit) :]
        if ctx.config.policy.seats.on_shortage == "warn":
            yield warning(
                RuleId.SEAT_CAPACITY,
                f"plan '{plan.id}' has {capacity} but {counts}; left without a seat: {listed(left_out)}",
                at=at,
            )
        else:
            yield error(RuleId.SEAT_CAPACITY, f"plan '{plan.id}' has {capacity} but {counts}", at=at)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    seats = ctx.static_seats
    yield from (_seat_list_problem(ctx, problem) for problem in seats.problems)
    yield from _self_references(ctx)
    for member_id, groups in seats.resolution.ambiguous.items():
        plans = sorted({group.seat for group in ctx.config.user_groups if group.id in groups and group.seat})
        yield error(
            RuleId.SEAT_AMBIGUOUS,
            f"'{member_id}' is in groups with seats of different plans ({', '.join(plans)} via "
            f"{', '.join(groups)}); set 'seat:' on the member",
            at=("members", ctx.members[member_id]),
        )
    seen: set[str] = set()
    for index, plan in enumerate(ctx.config.org.plans):
        if plan.id not in seen and plan.is_paid:
            seen.add(plan.id)
            yield from _capacity(ctx, seats.resolution, index, plan)

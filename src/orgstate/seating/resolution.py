"""Steps 1 to 3 of seat resolution: which plan's seat each declared member holds.

In order, the first that applies wins: the member's own `seat:`, the seats of the
user groups they belong to, `seat_assignments` in file order, automatic
assignment (predicted at plan time from the live tenant), otherwise none.
This module is pure: the members each seat assignment covers are passed in,
since `from_file` and `from_plan` need files and live data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from orgstate.model.config import OrgConfig

SeatReason = Literal["explicit", "group", "rule", "auto", "none"]


@dataclass(frozen=True)
class ResolvedSeat:
    plan: str | None
    reason: SeatReason
    # What decided it: the group id, or the index of the seat assignment.
    via: str | int | None = None


@dataclass
class SeatResolution:
    seats: dict[str, ResolvedSeat] = field(default_factory=dict)
    # member id -> the seated groups of different plans it belongs to
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def holders(self, plan_id: str) -> list[str]:
        """Members resolved to a plan, in file order."""
        return [member_id for member_id, seat in self.seats.items() if seat.plan == plan_id]


def resolve_seats(config: OrgConfig, rule_members: Sequence[Collection[str]]) -> SeatResolution:
    """Resolve steps 1 to 3 for every declared member; `rule_members[i]` is who
    `config.seat_assignments[i]` covers."""
    group_plans: dict[str, dict[str, str]] = defaultdict(dict)  # member -> {plan: first group}
    for group in config.user_groups:
        if group.seat is not None:
            for member_id in group.members:
                group_plans[member_id].setdefault(group.seat, group.id)
    first_rule: dict[str, int] = {}
    for i in reversed(range(len(rule_members))):
        first_rule.update(dict.fromkeys(rule_members[i], i))
    resolution = SeatResolution()
    for member in config.members:
        plans = group_plans.get(member.id, {})
        if member.has_explicit_seat:
            seat = ResolvedSeat(member.seat, "explicit" if member.seat else "none")
        elif len(plans) == 1:
            ((plan_id, group_id),) = plans.items()
            seat = ResolvedSeat(plan_id, "group", group_id)
        elif len(plans) > 1:
            resolution.ambiguous[member.id] = sorted(plans.values())
            seat = ResolvedSeat(None, "none")
        elif member.id in first_rule:
            rule = first_rule[member.id]
            seat = ResolvedSeat(config.seat_assignments[rule].plan, "rule", rule)
        else:
            seat = ResolvedSeat(None, "none")
        resolution.seats[member.id] = seat
    return resolution

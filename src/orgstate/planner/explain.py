"""`orgstate explain ADDRESS`: one object seen whole. Its declared and live values side
by side, for a member where its seat comes from and why, the changes the plan has for
it and the diagnostics about it. A projection of a full plan and of the live seat
resolution, computing nothing of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgstate.diagnostics import Diagnostic
from orgstate.model.config import Department, Job, OrgConfig, UserGroup
from orgstate.model.fields import MEMBER_FIELDS
from orgstate.model.live import TenantState
from orgstate.planner.changes import Change
from orgstate.planner.context import PlanContext, PlanOptions
from orgstate.planner.holdings import field_held
from orgstate.planner.live_seats import resolve_live
from orgstate.planner.plan import Plan
from orgstate.planner.renames import renamed_context
from orgstate.planner.targets import concerns, parse_targets, target_objects
from orgstate.rules.context import RuleContext


@dataclass(frozen=True)
class FieldRow:
    """One field on both sides; a side that lacks it (an undeclared object, a field only
    the tenant knows) has None and says so in `in_declared` or `in_live`."""

    name: str
    declared: Any
    live: Any
    in_declared: bool
    in_live: bool
    held: bool = True  # False: the backend cannot hold the field (planner.holdings)
    unheld_keys: frozenset[str] = frozenset()  # of a field that holds keys (job), those it cannot

    def holds(self, key: str | None = None) -> bool:
        return self.held and key not in self.unheld_keys

    @property
    def differs(self) -> bool:
        if not (self.held and self.in_declared and self.in_live):
            return False
        if isinstance(self.declared, dict) and isinstance(self.live, dict):
            keys = (self.declared.keys() | self.live.keys()) - self.unheld_keys
            return any(self.declared.get(key) != self.live.get(key) for key in keys)
        return bool(self.declared != self.live)


@dataclass(frozen=True)
class SeatStory:
    """A member's seat after the plan and why (orgstate.seating, planner/live_seats.py)."""

    plan: str | None
    # explicit, group, rule, auto or none: the reason the seat resolves to
    reason: str
    why: str
    live_plan: str | None
    live_source: str | None


@dataclass(frozen=True)
class Explanation:
    address: str
    declared: bool
    live: bool
    fields: tuple[FieldRow, ...]
    seat: SeatStory | None
    changes: tuple[Change, ...]
    diagnostics: tuple[Diagnostic, ...]


def explain(
    config: OrgConfig,
    snapshot: TenantState,
    rules: RuleContext,
    plan: Plan,
    address: str,
    unheld: frozenset[str] = frozenset(),
) -> Explanation:
    """The view of the object `address` names, from the full `plan` of `config` against
    `snapshot`: the declared side as written, the live side as the backend holds it, a
    field it cannot hold (`unheld`: planner.holdings) marked so. An address of no such
    object is a UsageError with a did-you-mean."""
    options = PlanOptions(backend=plan.backend, unheld=unheld)
    ctx = renamed_context(config, snapshot, options)
    (target,) = parse_targets([address], ctx, given_as="explain")
    kind, object_id = target.type, target.id
    declared: dict[str, Any] | None
    live: dict[str, Any] | None
    names: list[str]
    seat = None
    if kind == "member":
        member = next((m for m in config.members if m.id == object_id), None)
        live_member = ctx.live_members.get(object_id) or ctx.deleted_members.get(object_id)
        # A derived seat is not declared: the seat story says where it comes from.
        derived = set() if member is None or member.has_explicit_seat else {"seat"}
        declared = None if member is None else member.model_dump(mode="json", exclude=derived)
        live = None if live_member is None else live_member.model_dump(mode="json")
        names = list(MEMBER_FIELDS)
        if member is not None and options.holds("seats"):
            seat = _seat_story(ctx, rules, object_id, live)
    elif kind == "department":
        department = next((d for d in config.departments if d.id == object_id), None)
        live_department = ctx.live_departments.get(object_id)
        declared = None if department is None else department.model_dump(mode="json")
        live = None if live_department is None else live_department.model_dump(mode="json")
        names = list(Department.model_fields)
    else:
        group = next((g for g in config.user_groups if g.id == object_id), None)
        live_group = ctx.live_groups.get(object_id)
        declared = None if group is None else group.model_dump(mode="json")
        live = None if live_group is None else live_group.model_dump(mode="json")
        names = list(UserGroup.model_fields)
    rows = tuple(
        FieldRow(
            name,
            (declared or {}).get(name),
            (live or {}).get(name),
            declared is not None and name in declared,
            live is not None and name in live,
            field_held(kind, name, options),
            frozenset(key for key in Job.model_fields if not field_held(kind, f"job.{key}", options))
            if name == "job"
            else frozenset(),
        )
        for name in names
    )
    objects = target_objects([target])
    return Explanation(
        address=str(target),
        declared=declared is not None,
        live=live is not None,
        fields=rows,
        seat=seat,
        changes=tuple(change for change in plan.changes if concerns(change.address, objects)),
        diagnostics=tuple(d for d in plan.diagnostics if d.address is not None and _about(d.address, objects)),
    )


def _about(address: str, objects: set[tuple[str, str]]) -> bool:
    try:
        return concerns(address, objects)
    except ValueError:  # plan.<id>: about a subscription
        return False


def _seat_story(ctx: PlanContext, rules: RuleContext, member_id: str, live: dict[str, Any] | None) -> SeatStory:
    static = rules.static_seats
    seating, _ = resolve_live(ctx, static)
    plan_id, reason = seating.final.get(member_id), seating.reasons.get(member_id, "none")
    via = static.resolution.seats[member_id].via if member_id in static.resolution.seats else None
    left_out = next((plan for plan, members in seating.left_out.items() if member_id in members), None)
    return SeatStory(
        plan=plan_id,
        reason=reason,
        why=_why(reason, via, left_out, ctx.is_ignored("members", member_id)),
        live_plan=None if live is None else live.get("seat"),
        live_source=None if live is None else live.get("seat_source"),
    )


def _why(reason: str, via: str | int | None, left_out: str | None, ignored: bool) -> str:
    if ignored:
        return "policy.ignore matches the member: orgstate leaves its seat as it is"
    if left_out is not None:
        return f"a group or rule gives a seat of '{left_out}', but it is full: left without one (policy.seats)"
    return {
        "explicit": "its own `seat:` in the configuration",
        "group": f"the seat of user group '{via}', which it belongs to",
        "rule": f"seat_assignments[{via}], the first seat assignment that covers it",
        "auto": "the seat the console gives by itself (to a new member while seats remain), or one held live "
        "that nothing declared covers",
    }.get(reason, "nothing declared gives it a seat (no `seat:`, seated group or seat assignment)")

"""detect_drift: what changed outside orgstate (field, live value, declared value), what
lives in the tenant undeclared (and not ignored), and what is declared but missing.

A projection of the planner's differences (`planner.differences`), so drift and plan
agree on what differs. Unlike a plan, drift reports unmanaged objects under every
policy: an additive policy keeps them, but a scheduled drift report still shows them.
A pending rename (`renamed_from`) is, as in a plan, one change: the `id` of the new
address (live the old id, declared the new), with the member's other differences.

A live member the configuration offboards (`offboarding:`) is not unmanaged but pending
offboarding: declared to leave, which the plan does (deleting them with their
transfers) under every policy. Each item carries what a reader knows its object by: the
name (declared where declared, else live) and, for a member, their department (for a
department, itself)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from orgstate.diagnostics import Diagnostic
from orgstate.model.config import OrgConfig
from orgstate.model.live import LiveMember, TenantState
from orgstate.natural import NaturalKey, natural_key
from orgstate.planner.capabilities import check_capabilities
from orgstate.planner.context import ALL_CAPABILITIES, PlanContext, PlanOptions
from orgstate.planner.differences import Differences, find_differences
from orgstate.planner.live_seats import resolve_live, seat_uses
from orgstate.planner.plan import SeatUse
from orgstate.planner.renames import renamed_context
from orgstate.rules.context import RuleContext

DriftKind = Literal["changed", "unmanaged", "missing", "offboarding"]
KINDS: tuple[DriftKind, ...] = ("changed", "unmanaged", "missing", "offboarding")


@dataclass(frozen=True)
class DriftItem:
    kind: DriftKind
    address: str
    field: str | None = None
    live: Any = None
    declared: Any = None
    # The object's name; for a member their department's id, for a department its own.
    name: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class DriftReport:
    backend: str
    created_at: str
    items: tuple[DriftItem, ...]
    # The organization's name, as the tenant has it.
    organization: str = ""
    # Department id -> name (declared where declared, else live), to label departments.
    departments: Mapping[str, str] = field(default_factory=dict)
    seats: tuple[SeatUse, ...] = ()
    ignored: tuple[str, ...] = ()
    # What the backend cannot read or compare (BACKEND-CAPABILITY), said once.
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    @property
    def summary(self) -> dict[DriftKind, int]:
        counts = Counter(item.kind for item in self.items)
        return {kind: counts[kind] for kind in KINDS}


def _described(ctx: PlanContext, address: str) -> tuple[str, str | None]:
    """(name, department) of the object at `address`, declared where declared, else live."""
    object_type, _, object_id = address.partition(".")
    if object_type == "member":
        declared = ctx.desired_members.get(object_id)
        member = declared if declared is not None else ctx.live_members[object_id].member
        return member.name, member.department
    if object_type == "department":
        department = ctx.desired_departments.get(object_id)
        return (department if department is not None else ctx.live_departments[object_id]).name, object_id
    group = ctx.desired_groups.get(object_id)
    return (group if group is not None else ctx.live_groups[object_id]).name, None


def _items(ctx: PlanContext, differences: Differences) -> Iterator[DriftItem]:
    offboarded = {f"member.{member_id}" for member_id in ctx.offboarding_entries}
    for address, declared in differences.missing.items():
        yield DriftItem("missing", address, declared=declared.name)
    for address, live in differences.unmanaged.items():
        kind: DriftKind = "offboarding" if address in offboarded else "unmanaged"
        yield DriftItem(kind, address, live=live.status if isinstance(live, LiveMember) else live.name)
    for address, difference in differences.changed.items():
        for path, live_value, declared_value in difference.values():
            yield DriftItem("changed", address, path, live_value, declared_value)


def _order(item: DriftItem) -> tuple[int, NaturalKey, NaturalKey]:
    """By kind, then address and field in natural order (`member.u2` before `member.u10`)."""
    return KINDS.index(item.kind), natural_key(item.address), natural_key(item.field or "")


def _named(ctx: PlanContext, item: DriftItem) -> DriftItem:
    name, department = _described(ctx, item.address)
    return replace(item, name=name, department=department)


def detect_drift(
    config: OrgConfig,
    snapshot: TenantState,
    backend: str,
    rules: RuleContext | None = None,
    created_at: str | None = None,
    capabilities: frozenset[str] = ALL_CAPABILITIES,
    unheld: frozenset[str] = frozenset(),
) -> DriftReport:
    """`capabilities`: what the backend can read (a group's seat is compared only where it
    can); `unheld`: what it cannot hold at all, left out (planner.holdings)."""
    options = PlanOptions(backend=backend, capabilities=capabilities, unheld=unheld)
    ctx = renamed_context(config, snapshot, options)
    if ctx.declared is not None:
        rules = RuleContext(ctx.config)
    seating, _ = resolve_live(ctx, (rules or RuleContext(config)).static_seats)
    differences = find_differences(ctx, seating.final)
    items = sorted(_items(ctx, differences), key=_order)
    departments = {d.id: d.name for d in snapshot.departments} | {d.id: d.name for d in config.departments}
    return DriftReport(
        backend=backend,
        created_at=created_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        items=tuple(_named(ctx, item) for item in items),
        organization=snapshot.tenant.name,
        departments=departments,
        seats=tuple(seat_uses(ctx, seating)),
        ignored=differences.ignored,
        diagnostics=tuple(check_capabilities(ctx)),
    )

"""detect_drift: what changed outside orgstate (field, live value, declared value), what
lives in the tenant undeclared (and not ignored), and what is declared but missing.

Unlike a plan, drift reports unmanaged objects under every policy: an additive policy
keeps them, but a scheduled drift report still shows them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from orgstate.diagnostics import Diagnostic
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.capabilities import check_capabilities
from orgstate.planner.context import ALL_CAPABILITIES, PlanContext, PlanOptions
from orgstate.planner.fields import changed_fields
from orgstate.planner.groups import GROUP_FIELDS
from orgstate.planner.members import member_state, same_fields
from orgstate.planner.plan import SeatUse
from orgstate.planner.seating import resolve_live, seat_uses
from orgstate.rules.context import RuleContext
from orgstate.rules.seats import static_seats

DriftKind = Literal["changed", "unmanaged", "missing"]
KINDS: tuple[DriftKind, ...] = ("changed", "unmanaged", "missing")


@dataclass(frozen=True)
class DriftItem:
    kind: DriftKind
    address: str
    field: str | None = None
    live: Any = None
    declared: Any = None


@dataclass(frozen=True)
class DriftReport:
    backend: str
    created_at: str
    items: tuple[DriftItem, ...]
    seats: tuple[SeatUse, ...] = ()
    ignored: tuple[str, ...] = ()
    # What the backend cannot read or compare (BACKEND-CAPABILITY), said once.
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(item.kind for item in self.items)
        return {kind: counts[kind] for kind in KINDS}


def _value(values: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = values.get(head)
    return value.get(rest) if rest and isinstance(value, dict) else value


def _field_items(address: str, live: dict[str, Any], declared: dict[str, Any]) -> Iterator[DriftItem]:
    before, after, paths = changed_fields(live, declared)
    for path in paths:
        yield DriftItem("changed", address, path, _value(before, path), _value(after, path))


def _members(ctx: PlanContext, seats: dict[str, str | None]) -> Iterator[DriftItem]:
    for member in ctx.config.members:
        if ctx.is_ignored("members", member.id):
            continue
        address = f"member.{member.id}"
        live = ctx.live_members.get(member.id)
        if live is None:
            yield DriftItem("missing", address, declared=member.name)
            continue
        if not same_fields(member, live):
            yield from _field_items(address, member_state(live), member_state(member))
        live_status = "suspended" if live.status == "suspended" else "active"
        if live_status != member.status:
            yield DriftItem("changed", address, "status", live.status, member.status)
        if member.id in seats and seats[member.id] != live.seat:
            yield DriftItem("changed", address, "seat", live.seat, seats[member.id])
    for live in ctx.undeclared_live:
        yield DriftItem("unmanaged", f"member.{live.id}", live=live.status)


def _departments(ctx: PlanContext) -> Iterator[DriftItem]:
    for department in ctx.config.departments:
        if ctx.is_ignored("departments", department.id):
            continue
        address = f"department.{department.id}"
        live = ctx.live_departments.get(department.id)
        if live is None:
            yield DriftItem("missing", address, declared=department.name)
        elif live != department:
            yield from _field_items(address, live.model_dump(mode="json"), department.model_dump(mode="json"))
    for live in ctx.snapshot.departments:
        if live.id not in ctx.desired_departments and not ctx.is_ignored("departments", live.id):
            yield DriftItem("unmanaged", f"department.{live.id}", live=live.name)


def _groups(ctx: PlanContext) -> Iterator[DriftItem]:
    for group in ctx.config.user_groups:
        if ctx.is_ignored("user_groups", group.id):
            continue
        address = f"user_group.{group.id}"
        live = ctx.live_groups.get(group.id)
        if live is None:
            yield DriftItem("missing", address, declared=group.name)
            continue
        fields = GROUP_FIELDS if ctx.options.can("group_seats") else GROUP_FIELDS - {"seat"}
        yield from _field_items(
            address,
            live.model_dump(mode="json", include=fields),
            group.model_dump(mode="json", include=fields),
        )
        if set(live.members) != set(group.members):
            yield DriftItem("changed", address, "members", sorted(live.members), sorted(group.members))
    for live in ctx.snapshot.user_groups:
        if live.id not in ctx.desired_groups and not ctx.is_ignored("user_groups", live.id):
            yield DriftItem("unmanaged", f"user_group.{live.id}", live=live.name)


def detect_drift(
    config: OrgConfig,
    snapshot: TenantState,
    backend: str,
    rules: RuleContext | None = None,
    created_at: str | None = None,
    capabilities: frozenset[str] = ALL_CAPABILITIES,
) -> DriftReport:
    """`capabilities`: what the backend can read (a group's seat is compared only where it can)."""
    options = PlanOptions(backend=backend, capabilities=capabilities)
    ctx = PlanContext(snapshot=snapshot, config=config, options=options)
    coverage, _, resolution = static_seats(rules or RuleContext(config))
    seating, _ = resolve_live(ctx, coverage, resolution)
    items = [*_departments(ctx), *_members(ctx, seating.final), *_groups(ctx)]
    ignored = sorted(
        [f"member.{m.id}" for m in ctx.live_members.values() if ctx.is_ignored("members", m.id)]
        + [f"user_group.{g}" for g in ctx.live_groups if ctx.is_ignored("user_groups", g)]
        + [f"department.{d}" for d in ctx.live_departments if ctx.is_ignored("departments", d)]
    )
    return DriftReport(
        backend=backend,
        created_at=created_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        items=tuple(sorted(items, key=lambda i: (KINDS.index(i.kind), i.address, i.field or ""))),
        seats=tuple(seat_uses(ctx, seating)),
        ignored=tuple(ignored),
        diagnostics=tuple(check_capabilities(ctx)),
    )

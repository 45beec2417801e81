"""detect_drift: what changed outside orgstate (field, live value, declared value), what
lives in the tenant undeclared (and not ignored), and what is declared but missing.

A projection of the planner's differences (`planner.differences`), so drift and plan
agree on what differs. Unlike a plan, drift reports unmanaged objects under every
policy: an additive policy keeps them, but a scheduled drift report still shows them.
A pending rename (`renamed_from`) shows as the new id missing and the old unmanaged."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from orgstate.diagnostics import Diagnostic
from orgstate.model.config import OrgConfig
from orgstate.model.live import LiveMember, TenantState
from orgstate.planner.capabilities import check_capabilities
from orgstate.planner.context import ALL_CAPABILITIES, PlanContext, PlanOptions
from orgstate.planner.differences import Differences, find_differences
from orgstate.planner.live_seats import resolve_live, seat_uses
from orgstate.planner.plan import SeatUse
from orgstate.rules.context import RuleContext

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


def _items(differences: Differences) -> Iterator[DriftItem]:
    for address, declared in differences.missing.items():
        yield DriftItem("missing", address, declared=declared.name)
    for address, live in differences.unmanaged.items():
        yield DriftItem("unmanaged", address, live=live.status if isinstance(live, LiveMember) else live.name)
    for address, difference in differences.changed.items():
        for path, live_value, declared_value in difference.values():
            yield DriftItem("changed", address, path, live_value, declared_value)


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
    seating, _ = resolve_live(ctx, (rules or RuleContext(config)).static_seats)
    differences = find_differences(ctx, seating.final)
    items = sorted(_items(differences), key=lambda i: (KINDS.index(i.kind), i.address, i.field or ""))
    return DriftReport(
        backend=backend,
        created_at=created_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        items=tuple(items),
        seats=tuple(seat_uses(ctx, seating)),
        ignored=differences.ignored,
        diagnostics=tuple(check_capabilities(ctx)),
    )

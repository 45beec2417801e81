"""Plans built directly, for testing renderers in isolation."""

from __future__ import annotations

from orgstate.diagnostics import Diagnostic
from orgstate.planner.changes import Change
from orgstate.planner.plan import Plan, SeatUse


def make_plan(
    changes: tuple[Change, ...] = (),
    seats: tuple[SeatUse, ...] = (),
    diagnostics: tuple[Diagnostic, ...] = (),
) -> Plan:
    return Plan(
        id="plan-test",
        backend="local:x.db",
        config_digest="sha256:a",
        state_digest="sha256:b",
        created_at="2026-11-21T22:00:00Z",
        changes=changes,
        seats=seats,
        diagnostics=diagnostics,
    )

"""Stale plans: a saved plan is applied only if every live object it touches is as the
plan saw it. Terraform notices changes to its own state file; orgstate re-reads the
tenant itself, so an edit made in the console between plan and apply is caught."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from orgstate.model.live import TenantState
from orgstate.planner.context import LiveIndex
from orgstate.planner.fingerprints import ABSENT, fingerprint
from orgstate.planner.plan import Plan


@dataclass(frozen=True)
class Stale:
    address: str
    planned: str
    live: str

    def describe(self) -> str:
        if self.planned == ABSENT:
            return f"{self.address}: created since the plan"
        if self.live == ABSENT:
            return f"{self.address}: gone since the plan"
        return f"{self.address}: changed since the plan"


def stale_objects(plan: Plan, snapshot: TenantState, keys: Collection[str] | None = None) -> list[Stale]:
    """The fingerprinted objects (all, or those of `keys`) that differ from what the plan saw."""
    index = LiveIndex(snapshot)
    found = []
    for key, planned in sorted(plan.fingerprints.items()):
        if keys is not None and key not in keys:
            continue
        live = fingerprint(index, key)
        if live != planned:
            found.append(Stale(key, planned, live))
    return found

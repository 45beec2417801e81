"""The in-memory plan: ordered changes, seat use per plan and diagnostics, bound to
the configuration and the live state it was computed from."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from orgstate.diagnostics import Diagnostic, has_errors
from orgstate.planner.changes import Change, change_data


@dataclass(frozen=True)
class SeatUse:
    """One live plan's seats: bought, held now, held after the plan; and who is left out."""

    plan: str
    purchased: int
    assigned_before: int
    assigned_after: int
    without_seat: tuple[str, ...] = ()


@dataclass(frozen=True)
class EndpointEstimate:
    """The requests apply will send to one endpoint, and how long its rate limits make them take."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class Estimate:
    """How long apply will take: the backend's rate limits and batch sizes applied to the changes."""

    seconds: float
    endpoints: dict[str, EndpointEstimate] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    # Unique to each planning (planning again gives a new id, even for the same text):
    # apply's journal vouches only for the plan instance that wrote it.
    id: str
    backend: str
    config_digest: str
    state_digest: str
    created_at: str
    changes: tuple[Change, ...] = ()
    seats: tuple[SeatUse, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    # address -> digest of the live object as the plan saw it (stale-plan protection)
    fingerprints: dict[str, str] = field(default_factory=dict)
    # live objects left alone because policy.ignore matches them
    ignored: tuple[str, ...] = ()
    # The addresses a targeted plan (--target) was limited to; empty for a full plan.
    targets: tuple[str, ...] = ()
    # How long apply will take, when the backend can tell.
    estimate: Estimate | None = None

    @cached_property
    def change_records(self) -> list[dict[str, Any]]:
        """The changes in their plain form (SPEC section 5), made once: the saved plan and
        the changes digest are both made of them."""
        return [change_data(change) for change in self.changes]

    @cached_property
    def changes_digest(self) -> str:
        """A digest of the changes alone: planning the same changes again gives the same
        digest (whatever the plan's id, time or diagnostics), so it names what a reviewer
        approved and apply after merge can refuse anything else."""
        text = json.dumps(self.change_records, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def applyable(self) -> bool:
        return not has_errors(list(self.diagnostics))

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f"{change.type}.{change.action}" for change in self.changes)
        return dict(sorted(counts.items()))

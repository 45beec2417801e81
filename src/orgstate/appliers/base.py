"""The Backend protocol: read a snapshot, apply one change at a time.

Each `apply` re-reads its target first and does nothing when the change already
holds, so running a plan twice, or resuming one, is safe.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from orgstate.model.live import TenantState
from orgstate.planner.changes import Change


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


class Backend(Protocol):
    @property
    def name(self) -> str:
        """The backend URL, as `--backend` takes it (`local:.orgstate/tenant.db`)."""
        ...

    def read_snapshot(self) -> TenantState: ...

    @property
    def snapshot_digest(self) -> str | None:
        """A digest of the last snapshot as read, if the backend has a cheap one."""
        ...

    def apply(self, change: Change) -> Outcome: ...

    def close(self) -> None: ...

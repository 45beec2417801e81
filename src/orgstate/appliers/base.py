"""The Backend protocol: read a snapshot, apply one change at a time.

Each `apply` re-reads its target first and does nothing when the change already
holds, so running a plan twice, or resuming one, is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from enum import Enum
from typing import Protocol, runtime_checkable

from orgstate.errors import TenantError
from orgstate.lark.endpoints import GROUP_MEMBERS_BATCH_MAX
from orgstate.model.live import LiveMember, TenantState
from orgstate.planner.changes import Change, GroupMemberAdd, GroupMemberRemove
from orgstate.planner.plan import Estimate, Plan


def each(apply: Callable[[Change], Outcome], changes: list[Change]) -> list[Outcome | TenantError]:
    """apply_many for a backend without batches: one change after another."""
    outcomes: list[Outcome | TenantError] = []
    for change in changes:
        try:
            outcomes.append(apply(change))
        except TenantError as exc:
            outcomes.append(exc)
    return outcomes


def batches(changes: list[Change]) -> Iterator[list[Change]]:
    """The calls apply_many is given, in order: consecutive group-member changes of one
    group and action, none depending on another, at most GROUP_MEMBERS_BATCH_MAX (the
    Open API's batch_add / batch_remove take 1 to 100 members); any other change alone."""
    batch: list[Change] = []
    for change in changes:
        if batch and _joins(batch, change):
            batch.append(change)
            continue
        if batch:
            yield batch
        batch = [change]
    if batch:
        yield batch


def _group_of(change: Change) -> str | None:
    """The group of a group-member change; None for any other change."""
    return change.target.ids[0] if isinstance(change, GroupMemberAdd | GroupMemberRemove) else None


def _joins(batch: list[Change], change: Change) -> bool:
    first = batch[0]
    return (
        len(batch) < GROUP_MEMBERS_BATCH_MAX
        and _group_of(first) is not None
        and (first.type, first.action, _group_of(first)) == (change.type, change.action, _group_of(change))
        and not set(change.depends_on) & {c.id for c in batch}
    )


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


class Backend(Protocol):
    # What the backend can do beyond the basics (planner.context.CAPABILITIES).
    capabilities: frozenset[str]

    @property
    def unheld(self) -> frozenset[str]:
        """What it cannot hold at all (planner.context.UNHELD), left out of plans and drift."""
        ...

    @property
    def name(self) -> str:
        """The backend URL, as `--backend` takes it (`local:.orgstate/tenant.db`)."""
        ...

    @property
    def tenant_id(self) -> str:
        """What identifies the tenant it writes to, however the URL spells it."""
        ...

    def read_snapshot(self) -> TenantState: ...

    @property
    def snapshot_digest(self) -> str | None:
        """A digest of the last snapshot as read, if the backend has a cheap one."""
        ...

    def estimate(self, plan: Plan, snapshot: TenantState) -> Estimate:
        """How long applying `plan` will take (its requests and the limits that pace them),
        `snapshot` being the tenant the plan was made from, as this backend read it."""
        ...

    def prepare(self, plan: Plan) -> None:
        """Called once before a plan's changes are applied (a backend may look ahead)."""
        ...

    def apply(self, change: Change) -> Outcome: ...

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        """Apply changes that may go as one call (the executor batches group-member changes of
        one group); a refused change gets its error in its place."""
        ...

    def verify(self, change: Change) -> str | None:
        """Re-read the change's target: None when it holds `after`, else what differs."""
        ...

    def take_passwords(self) -> dict[str, str]:
        """Initial passwords that the changes applied so far generated (member -> password),
        handed over once."""
        ...

    def reset_password(self, member_id: str, send: str | None = None) -> str:
        """Reset a member's login password and return the new one; with `send` (a
        Delivery), the tenant also sends it (needs the password_delivery capability)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LooksUpMembers(Protocol):
    """A backend that cannot list deleted members but can look up the ones it is told of."""

    def look_up_members(self, member_ids: Iterable[str]) -> None:
        """The declared members: a deleted one among them shows in the next snapshots."""
        ...


@runtime_checkable
class FindsMembers(Protocol):
    """A backend that finds members without reading the whole tenant (the Open API answers
    for one User ID, and for emails and phones in batches); any other backend's members
    are read from a snapshot."""

    def find_members(self, member_id: str | None, emails: Collection[str], phones: Collection[str]) -> list[LiveMember]:
        """The members with this User ID (live or deleted), or with one of these emails or
        phones (as stored); the caller picks among them (appliers.lookup)."""
        ...

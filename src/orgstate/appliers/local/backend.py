"""The `local` backend: each change becomes tenant-engine operations.

Every handler re-reads its target and compares it with the change's `after`, so
that a change which already holds reports UNCHANGED and touches nothing. Every
verifier re-reads the target and checks everything the change promised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from orgstate.appliers.base import Outcome, each
from orgstate.appliers.registry import Registry
from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.transfers import TRANSFER_KINDS
from orgstate.model.config import Member
from orgstate.model.fields import apply_patch
from orgstate.model.live import TenantState
from orgstate.planner.changes import (
    BaseChange,
    Change,
    DepartmentCreate,
    DepartmentDelete,
    DepartmentUpdate,
    GroupMemberAdd,
    GroupMemberRemove,
    MemberCreate,
    MemberDelete,
    MemberRestore,
    MemberResume,
    MemberSuspend,
    MemberUpdate,
    ResourcesTransfer,
    SeatAssign,
    SeatRelease,
    UserGroupCreate,
    UserGroupDelete,
    UserGroupUpdate,
    data,
)
from orgstate.planner.context import ALL_CAPABILITIES
from orgstate.planner.fields import changed_fields
from orgstate.planner.plan import Estimate, Plan
from orgstate.progress import SILENT, Progress, counted
from orgstate.tenant import Tenant
from orgstate.tenant.clock import Clock
from orgstate.tenant.snapshot import read_state_and_digest

T = TypeVar("T")
HANDLERS: Registry[Outcome] = Registry()
VERIFIERS: Registry[str | None] = Registry()
handles, verifies = HANDLERS, VERIFIERS


def differing(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The part of `wanted` (a whole object, or a partial patch) that `current` does not
    hold yet: the planner's partial patch from `current` to `current` patched."""
    return changed_fields(current, apply_patch(current, wanted))[1]


def client_token(change: BaseChange) -> str:
    """The same change always sends the same idempotency key."""
    payload = json.dumps([change.address, change.action, change.after_data()], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class LocalBackend:
    capabilities = ALL_CAPABILITIES
    unheld: frozenset[str] = frozenset()

    def __init__(
        self, path: str | Path, clock: Clock | None = None, actor: str | None = None, progress: Progress = SILENT
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TenantError(
                ErrorKind.NOT_FOUND, f"{self.path}: no tenant database; run 'orgstate local init --from TENANT.yaml'"
            )
        self.tenant = Tenant(self.path, clock=clock, actor=actor)
        self.progress = progress
        self.snapshot_digest: str | None = None
        self._passwords: dict[str, str] = {}
        self.transfers: dict[str, ResourcesTransfer] = {}

    @property
    def name(self) -> str:
        return f"local:{self.path}"

    @property
    def tenant_id(self) -> str:
        return f"local:{self.path.resolve()}"

    def read_snapshot(self) -> TenantState:
        with self.progress.phase("Reading the tenant") as phase:
            snapshot, self.snapshot_digest = read_state_and_digest(self.tenant)
            phase.result(counted(len(snapshot.members), "member"))
        return snapshot

    def estimate(self, plan: Plan, snapshot: TenantState) -> Estimate:
        """The embedded tenant has no rate limits and no requests to count: apply is instant."""
        return Estimate(seconds=0.0)

    def prepare(self, plan: Plan) -> None:
        """Remember each leaver's transfer change: their deletion carries out its options."""
        self.transfers = {c.key: c for c in plan.changes if isinstance(c, ResourcesTransfer)}

    def apply(self, change: Change) -> Outcome:
        return HANDLERS.run(self, change)

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        return each(self.apply, changes)

    def verify(self, change: Change) -> str | None:
        return VERIFIERS.run(self, change)

    def take_passwords(self) -> dict[str, str]:
        passwords, self._passwords = self._passwords, {}
        return passwords

    def reset_password(self, member_id: str, send: str | None = None) -> str:
        return self.tenant.reset_password(member_id, send=send)

    def close(self) -> None:
        self.tenant.close()

    # -- lookups: the target as it stands, or None when it does not exist ------------

    def member_fields(self, member_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.member(member_id))
        return None if found is None else found.member.model_dump(mode="json")

    def department_fields(self, department_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.department(department_id))
        return None if found is None else found.model_dump(mode="json")

    def group_fields(self, group_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.group(group_id))
        return None if found is None else found.model_dump(mode="json", exclude={"members"})

    def held_seat(self, member_id: str) -> str | None:
        return self.tenant.seat_of(member_id) if self.member_fields(member_id) is not None else None


def existing(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except TenantError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            return None
        raise


def patched(patch: Callable[[dict[str, Any]], None], current: dict[str, Any], wanted: dict[str, Any]) -> Outcome:
    """Send only what differs; nothing at all when the target already holds."""
    changes = differing(current, wanted)
    if not changes:
        return Outcome.UNCHANGED
    patch(changes)
    return Outcome.UPDATED


def required(current: T | None, change: BaseChange) -> T:
    if current is None:
        raise TenantError(ErrorKind.NOT_FOUND, f"no {change.target.type.replace('_', ' ')} '{change.key}' to update")
    return current


# -- departments --------------------------------------------------------------------


@handles(DepartmentCreate)
def _create_department(backend: LocalBackend, change: DepartmentCreate) -> Outcome:
    current = backend.department_fields(change.key)
    if current is None:
        backend.tenant.create_department(change.after, client_token=client_token(change))
        return Outcome.CREATED
    wanted = change.after.model_dump(mode="json")
    return patched(lambda changes: backend.tenant.patch_department(change.key, changes), current, wanted)


@handles(DepartmentUpdate)
def _update_department(backend: LocalBackend, change: DepartmentUpdate) -> Outcome:
    current = required(backend.department_fields(change.key), change)
    return patched(lambda changes: backend.tenant.patch_department(change.key, changes), current, data(change.after))


@handles(DepartmentDelete)
def _delete_department(backend: LocalBackend, change: DepartmentDelete) -> Outcome:
    if backend.department_fields(change.key) is None:
        return Outcome.UNCHANGED
    backend.tenant.delete_department(change.key)
    return Outcome.DELETED


# -- members ------------------------------------------------------------------------


@handles(MemberCreate)
def _create_member(backend: LocalBackend, change: MemberCreate) -> Outcome:
    current = backend.member_fields(change.key)
    if current is None:
        # The seat is a seat.assign of its own: none here, not the console's automatic one.
        member = Member.model_validate({**data(change.after), "seat": None})
        password = backend.tenant.create_member(member, seat=None, client_token=client_token(change))
        if password is not None:
            backend._passwords[change.key] = password
        return Outcome.CREATED
    return _patch_member(backend, change.key, current, change.after.model_dump(mode="json"))


@handles(MemberUpdate)
def _update_member(backend: LocalBackend, change: MemberUpdate) -> Outcome:
    member_id = change.key
    if backend.member_fields(member_id) is None and backend.member_fields(change.new_id) is not None:
        member_id = change.new_id  # renamed by an earlier run
    return _patch_member(backend, member_id, required(backend.member_fields(member_id), change), data(change.after))


def _patch_member(backend: LocalBackend, member_id: str, current: dict[str, Any], wanted: dict[str, Any]) -> Outcome:
    changes = differing(current, wanted)
    if not changes:
        return Outcome.UNCHANGED
    password = backend.tenant.patch_member(member_id, changes)
    if password is not None:
        backend._passwords[member_id] = password
    return Outcome.UPDATED


@handles(MemberSuspend, MemberResume)
def _set_status(backend: LocalBackend, change: MemberSuspend | MemberResume) -> Outcome:
    suspending = isinstance(change, MemberSuspend)
    if (backend.tenant.member(change.key).status == "suspended") == suspending:
        return Outcome.UNCHANGED
    if suspending:
        backend.tenant.suspend_member(change.key)
    else:
        backend.tenant.resume_member(change.key)
    return Outcome.UPDATED


@handles(MemberRestore)
def _restore_member(backend: LocalBackend, change: MemberRestore) -> Outcome:
    if backend.member_fields(change.key) is not None:
        return Outcome.UNCHANGED
    place = change.after
    backend.tenant.restore_member(change.key, department=place.department, departments=place.departments, seat=None)
    return Outcome.CREATED


@handles(MemberDelete)
def _delete_member(backend: LocalBackend, change: MemberDelete) -> Outcome:
    """The deletion carries out what the plan's transfer change asked for itself (the
    service applies its default rules to the rest) and sets the retention."""
    if backend.member_fields(change.key) is None:
        return Outcome.UNCHANGED
    transfer = backend.transfers.get(change.key)
    if transfer is None:
        backend.tenant.delete_member(change.key)
    else:
        backend.tenant.delete_member(change.key, transfer.explicit(), transfer.retention())
    return Outcome.DELETED


@handles(ResourcesTransfer)
def _transfer_resources(backend: LocalBackend, change: ResourcesTransfer) -> Outcome:
    """Move what goes to a recipient the configuration named, before the deletion; the
    rest (defaults, retained, deleted) happens at the deletion."""
    explicit = change.explicit()
    recipients = explicit.recipients()
    member = existing(lambda: backend.tenant.member(change.key))
    owned = member.resources.counts() if member is not None else {}
    if not any(owned.get(kind) for field in recipients for kind in TRANSFER_KINDS[field]):
        return Outcome.UNCHANGED  # nothing left to move: done before, or never there
    moving = explicit.model_copy(update={"mail": explicit.mail if "mail" in recipients else None})
    backend.tenant.transfer_resources(change.key, moving)
    return Outcome.UPDATED


# -- user groups, their members, seats ---------------------------------------------------


@handles(UserGroupCreate)
def _create_group(backend: LocalBackend, change: UserGroupCreate) -> Outcome:
    if backend.group_fields(change.key) is not None:
        return _update_group_to(backend, change.key, data(change.after))
    group = change.after
    backend.tenant.create_group(group.id, group.name, group.description, client_token=client_token(change))
    if "seat" in group.model_fields_set and group.seat is not None:
        backend.tenant.set_group_seat(change.key, group.seat)
    return Outcome.CREATED


@handles(UserGroupUpdate)
def _update_group(backend: LocalBackend, change: UserGroupUpdate) -> Outcome:
    required(backend.group_fields(change.key), change)
    return _update_group_to(backend, change.key, data(change.after))


def _update_group_to(backend: LocalBackend, group_id: str, wanted: dict[str, Any]) -> Outcome:
    current = backend.group_fields(group_id) or {}
    changes = differing(current, {k: v for k, v in wanted.items() if k != "id"})
    if not changes:
        return Outcome.UNCHANGED
    seat_changed = "seat" in changes
    plan = changes.pop("seat", None)
    if changes:
        backend.tenant.patch_group(group_id, changes)
    if seat_changed:
        backend.tenant.set_group_seat(group_id, plan)
    return Outcome.UPDATED


@handles(UserGroupDelete)
def _delete_group(backend: LocalBackend, change: UserGroupDelete) -> Outcome:
    if backend.group_fields(change.key) is None:
        return Outcome.UNCHANGED
    backend.tenant.delete_group(change.key)
    return Outcome.DELETED


@handles(GroupMemberAdd)
def _add_group_member(backend: LocalBackend, change: GroupMemberAdd) -> Outcome:
    pair = change.after
    if pair.member in backend.tenant.group(pair.group).members:
        return Outcome.UNCHANGED
    backend.tenant.add_group_members(pair.group, [pair.member])
    return Outcome.CREATED


@handles(GroupMemberRemove)
def _remove_group_member(backend: LocalBackend, change: GroupMemberRemove) -> Outcome:
    pair = change.before
    group = existing(lambda: backend.tenant.group(pair.group))
    if group is None or pair.member not in group.members:
        return Outcome.UNCHANGED
    backend.tenant.remove_group_members(pair.group, [pair.member])
    return Outcome.DELETED


@handles(SeatAssign)
def _assign_seat(backend: LocalBackend, change: SeatAssign) -> Outcome:
    seat = change.after
    if _verify_seat(backend, change) is None:
        return Outcome.UNCHANGED
    # A group's seat comes only with the membership: asked for directly, it is assigned.
    source = "explicit" if seat.source in (None, "group") else seat.source
    backend.tenant.assign_seats(seat.plan, [seat.member], source=source)
    return Outcome.CREATED


@handles(SeatRelease)
def _release_seat(backend: LocalBackend, change: SeatRelease) -> Outcome:
    # The plan promises no seat, whichever the member holds by now: an earlier change of
    # the plan may have moved it (a group's seat changed to another plan); a change made
    # outside the plan would have made it stale.
    if backend.held_seat(change.before.member) is None:
        return Outcome.UNCHANGED
    backend.tenant.release_seats([change.before.member])
    return Outcome.DELETED


# -- verification: does the live target now hold everything the change promised? ---------


def _mismatch(current: dict[str, Any] | None, wanted: dict[str, Any], what: str) -> str | None:
    if current is None:
        return f"{what} does not exist"
    left = differing(current, wanted)
    return None if not left else f"{what} differs in {', '.join(sorted(left))}"


@verifies(DepartmentCreate, DepartmentUpdate)
def _verify_department(backend: LocalBackend, change: DepartmentCreate | DepartmentUpdate) -> str | None:
    return _mismatch(backend.department_fields(change.key), data(change.after), change.address)


@verifies(MemberCreate, MemberUpdate)
def _verify_member(backend: LocalBackend, change: MemberCreate | MemberUpdate) -> str | None:
    member_id = change.new_id if isinstance(change, MemberUpdate) else change.key
    return _mismatch(backend.member_fields(member_id), data(change.after), change.address)


@verifies(MemberSuspend, MemberResume)
def _verify_status(backend: LocalBackend, change: MemberSuspend | MemberResume) -> str | None:
    member = existing(lambda: backend.tenant.member(change.key))
    wanted = change.after.status
    if member is None or (member.status == "suspended") != (wanted == "suspended"):
        return f"{change.address} is not {wanted}"
    return None


@verifies(MemberRestore)
def _verify_restore(backend: LocalBackend, change: MemberRestore) -> str | None:
    return _mismatch(backend.member_fields(change.key), data(change.after), change.address)


@verifies(DepartmentDelete, UserGroupDelete)
def _verify_gone(backend: LocalBackend, change: DepartmentDelete | UserGroupDelete) -> str | None:
    lookup = backend.department_fields if isinstance(change, DepartmentDelete) else backend.group_fields
    return None if lookup(change.key) is None else f"{change.address} still exists"


@verifies(MemberDelete)
def _verify_member_gone(backend: LocalBackend, change: MemberDelete) -> str | None:
    """Gone, with every resource where the plan said and the retention it set."""
    if backend.member_fields(change.key) is not None:
        return f"{change.address} still exists"
    transfer = backend.transfers.get(change.key)
    if transfer is None:
        return None
    done, retention = backend.tenant.offboarding_record(change.key)
    wrong = []
    for field, item in sorted(transfer.after.items()):
        for kind in TRANSFER_KINDS.get(field, (field,)):
            got = done.get(kind)
            if got is None or (got.outcome, got.recipient) != (item.outcome, item.to):
                where = "nothing" if got is None else f"{got.outcome} {got.recipient or ''}".strip()
                wrong.append(f"{field} {item.outcome} {item.to or ''}".strip() + f" (done: {where})")
    if retention != transfer.retention():
        wrong.append(f"retention {transfer.retention().model_dump()} (done: {retention and retention.model_dump()})")
    return f"{change.address}: offboarding differs from the plan: {'; '.join(wrong)}" if wrong else None


@verifies(UserGroupCreate, UserGroupUpdate)
def _verify_group(backend: LocalBackend, change: UserGroupCreate | UserGroupUpdate) -> str | None:
    return _mismatch(backend.group_fields(change.key), data(change.after), change.address)


@verifies(GroupMemberAdd, GroupMemberRemove)
def _verify_membership(backend: LocalBackend, change: GroupMemberAdd | GroupMemberRemove) -> str | None:
    group_id, member_id = change.target.ids
    group = existing(lambda: backend.tenant.group(group_id))
    inside = group is not None and member_id in group.members
    adding = isinstance(change, GroupMemberAdd)
    if inside != adding:
        return f"{member_id} is {'not ' if adding else ''}in {group_id}"
    return None


@verifies(SeatAssign, SeatRelease)
def _verify_seat(backend: LocalBackend, change: SeatAssign | SeatRelease) -> str | None:
    """The plan's seat, held the way the plan said (a group's seat stays the group's)."""
    member = existing(lambda: backend.tenant.member(change.key))
    held = (None, None) if member is None else (member.seat, member.seat_source)
    wanted = (change.after.plan, change.after.source) if isinstance(change, SeatAssign) else (None, None)
    if held[0] != wanted[0] or (wanted[1] is not None and held[1] != _recorded_source(wanted[1], held[1])):
        return f"{change.key} holds {held[0] or 'no seat'} ({held[1] or '-'}), not {wanted[0] or 'none'}"
    return None


def _recorded_source(wanted: str, held: str | None) -> str | None:
    """The source the tenant records for an assignment: a group or automatic seat is
    only ever given by the tenant itself, so asking for one keeps what is there."""
    return wanted if wanted in ("explicit", "rule") else held


@verifies(ResourcesTransfer)
def _verify_transfer(backend: LocalBackend, change: ResourcesTransfer) -> str | None:
    member = existing(lambda: backend.tenant.member(change.key))
    if member is None:
        return None  # deleted since: the deletion's own check covers every kind
    left = member.resources.counts()
    moved = change.explicit().recipients()
    kept = [field for field in moved if any(left.get(kind) for kind in TRANSFER_KINDS[field])]
    return f"{change.key} still owns {', '.join(sorted(kept))}" if kept else None

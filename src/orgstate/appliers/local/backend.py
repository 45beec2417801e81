"""The `local` backend: each change becomes tenant-engine operations.

Every handler re-reads its target and compares it with the change's `after`, so
that a change which already holds reports UNCHANGED and touches nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from orgstate.appliers.base import Outcome, each
from orgstate.errors import ErrorKind, TenantError
from orgstate.model.config import Department, MailTransfer, Member, Transfers
from orgstate.model.live import TenantState
from orgstate.planner.changes import Change
from orgstate.planner.plan import Plan
from orgstate.rules.transfers import TRANSFER_KINDS
from orgstate.tenant import AUTO, Tenant
from orgstate.tenant.clock import Clock
from orgstate.tenant.snapshot import read_state_and_digest

T = TypeVar("T")
Handler = Callable[["LocalBackend", Change], Outcome]
HANDLERS: dict[tuple[str, str], Handler] = {}
Verifier = Callable[["LocalBackend", Change], str | None]
VERIFIERS: dict[tuple[str, str], Verifier] = {}


def handles(change_type: str, action: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[(change_type, action)] = handler
        return handler

    return register


def verifies(change_type: str, action: str) -> Callable[[Verifier], Verifier]:
    def register(verifier: Verifier) -> Verifier:
        VERIFIERS[(change_type, action)] = verifier
        return verifier

    return register


def differing(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The part of `wanted` that `current` does not hold yet (nested dicts compare key by key)."""
    changes: dict[str, Any] = {}
    for key, value in wanted.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            inner = differing(current[key], value)
            if inner:
                changes[key] = inner
        elif current.get(key) != value:
            changes[key] = value
    return changes


def client_token(change: Change) -> str:
    """The same change always sends the same idempotency key."""
    payload = json.dumps([change.address, change.action, change.after], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class LocalBackend:
    capabilities = frozenset({"group_seats"})

    def __init__(self, path: str | Path, clock: Clock | None = None, actor: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TenantError(
                ErrorKind.NOT_FOUND, f"{self.path}: no tenant database; run 'orgstate local init --from TENANT.yaml'"
            )
        self.tenant = Tenant(self.path, clock=clock, actor=actor)
        self.snapshot_digest: str | None = None
        self._passwords: dict[str, str] = {}

    @property
    def name(self) -> str:
        return f"local:{self.path}"

    def read_snapshot(self) -> TenantState:
        snapshot, self.snapshot_digest = read_state_and_digest(self.tenant)
        return snapshot

    def prepare(self, plan: Plan) -> None:
        """Nothing to look ahead for: each change is one engine operation."""

    def apply(self, change: Change) -> Outcome:
        return HANDLERS[(change.type, change.action)](self, change)

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        return each(self.apply, changes)

    def verify(self, change: Change) -> str | None:
        return VERIFIERS[(change.type, change.action)](self, change)

    def take_passwords(self) -> dict[str, str]:
        passwords, self._passwords = self._passwords, {}
        return passwords

    def reset_password(self, member_id: str) -> str:
        return self.tenant.reset_password(member_id)

    def close(self) -> None:
        self.tenant.close()

    # -- lookups: the target as it stands, or None when it does not exist ------------

    def fields(self, change_type: str, key: str) -> dict[str, Any] | None:
        lookup = {
            "member": self._member_fields,
            "department": self._department_fields,
            "user_group": self._group_fields,
        }[change_type]
        return lookup(key)

    def _member_fields(self, member_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.member(member_id))
        return None if found is None else found.model_dump(mode="json", exclude={"status", "deleted_at", "resources"})

    def _department_fields(self, department_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.department(department_id))
        return None if found is None else found.model_dump(mode="json")

    def _group_fields(self, group_id: str) -> dict[str, Any] | None:
        found = existing(lambda: self.tenant.group(group_id))
        return None if found is None else found.model_dump(mode="json", exclude={"members"})


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


# -- departments --------------------------------------------------------------------


@handles("department", "create")
def _create_department(backend: LocalBackend, change: Change) -> Outcome:
    wanted = Department.model_validate(change.after).model_dump(mode="json")
    current = backend._department_fields(change.key)
    if current is None:
        backend.tenant.create_department(Department.model_validate(wanted), client_token=client_token(change))
        return Outcome.CREATED
    return patched(lambda changes: backend.tenant.patch_department(change.key, changes), current, wanted)


@handles("department", "update")
def _update_department(backend: LocalBackend, change: Change) -> Outcome:
    current = backend._department_fields(change.key)
    if current is None:
        raise TenantError(ErrorKind.NOT_FOUND, f"no department '{change.key}' to update")
    return patched(lambda changes: backend.tenant.patch_department(change.key, changes), current, change.after or {})


@handles("department", "delete")
@handles("member", "delete")
@handles("user_group", "delete")
def _delete(backend: LocalBackend, change: Change) -> Outcome:
    if backend.fields(change.type, change.key) is None:
        return Outcome.UNCHANGED
    deletes: dict[str, Callable[[str], object]] = {
        "department": backend.tenant.delete_department,
        "member": backend.tenant.delete_member,
        "user_group": backend.tenant.delete_group,
    }
    deletes[change.type](change.key)
    return Outcome.DELETED


# -- members ------------------------------------------------------------------------


@handles("member", "create")
def _create_member(backend: LocalBackend, change: Change) -> Outcome:
    after = dict(change.after or {})
    seat = after.pop("seat", None)
    current = backend._member_fields(change.key)
    if current is None:
        password = backend.tenant.create_member(
            Member.model_validate(after), seat=seat, client_token=client_token(change)
        )
        if password is not None:
            backend._passwords[change.key] = password
        return Outcome.CREATED
    # Status is not a field to patch: suspend and resume are changes of their own.
    wanted = Member.model_validate(after).model_dump(mode="json", exclude={"seat", "status"})
    outcome = patched(lambda changes: backend.tenant.patch_member(change.key, changes), current, wanted)
    if current.get("seat") != seat:
        _set_seat(backend, change.key, seat)
        outcome = Outcome.UPDATED
    return outcome


@handles("member", "update")
def _update_member(backend: LocalBackend, change: Change) -> Outcome:
    current = backend._member_fields(change.key)
    if current is None:
        raise TenantError(ErrorKind.NOT_FOUND, f"no member '{change.key}' to update")
    return patched(lambda changes: backend.tenant.patch_member(change.key, changes), current, change.after or {})


def _set_seat(backend: LocalBackend, member_id: str, plan: str | None) -> None:
    if plan is None:
        backend.tenant.release_seats([member_id])
    else:
        backend.tenant.assign_seats(plan, [member_id])


@handles("member", "suspend")
@handles("member", "resume")
def _set_status(backend: LocalBackend, change: Change) -> Outcome:
    suspending = change.action == "suspend"
    if (backend.tenant.member(change.key).status == "suspended") == suspending:
        return Outcome.UNCHANGED
    if suspending:
        backend.tenant.suspend_member(change.key)
    else:
        backend.tenant.resume_member(change.key)
    return Outcome.UPDATED


@handles("member", "restore")
def _restore_member(backend: LocalBackend, change: Change) -> Outcome:
    if backend._member_fields(change.key) is not None:
        return Outcome.UNCHANGED
    after = change.after or {}
    seat = after.get("seat", AUTO)
    backend.tenant.restore_member(
        change.key, department=after["department"], departments=tuple(after.get("departments", ())), seat=seat
    )
    return Outcome.CREATED


@handles("resources", "transfer")
def _transfer_resources(backend: LocalBackend, change: Change) -> Outcome:
    """Carry out the transfers that name a recipient; the rest (retained, deleted) happen
    at deletion, where retention applies."""
    recipients: dict[str, Any] = {}
    for resource, entry in (change.after or {}).items():
        if entry.get("to") is not None:
            recipients[resource] = (
                MailTransfer(action="transfer", to=entry["to"]) if resource == "mail" else entry["to"]
            )
    member = existing(lambda: backend.tenant.member(change.key))
    owned = member.resources.counts() if member is not None else {}
    if not any(owned.get(kind) for field in recipients for kind in TRANSFER_KINDS[field]):
        return Outcome.UNCHANGED  # nothing left to move: done before, or never there
    backend.tenant.transfer_resources(change.key, Transfers(**recipients))
    return Outcome.UPDATED


# -- user groups, their members, seats ---------------------------------------------------


@handles("user_group", "create")
def _create_group(backend: LocalBackend, change: Change) -> Outcome:
    after = change.after or {}
    if backend._group_fields(change.key) is None:
        backend.tenant.create_group(
            change.key, after["name"], after.get("description", ""), client_token=client_token(change)
        )
        if after.get("seat") is not None:
            backend.tenant.set_group_seat(change.key, after["seat"])
        return Outcome.CREATED
    return _update_group(backend, change)


@handles("user_group", "update")
def _update_group(backend: LocalBackend, change: Change) -> Outcome:
    current = backend._group_fields(change.key)
    if current is None:
        raise TenantError(ErrorKind.NOT_FOUND, f"no user group '{change.key}' to update")
    changes = differing(current, {k: v for k, v in (change.after or {}).items() if k != "id"})
    if not changes:
        return Outcome.UNCHANGED
    seat_changed = "seat" in changes
    plan = changes.pop("seat", None)
    if changes:
        backend.tenant.patch_group(change.key, changes)
    if seat_changed:
        backend.tenant.set_group_seat(change.key, plan)
    return Outcome.UPDATED


@handles("group_member", "add")
def _add_group_member(backend: LocalBackend, change: Change) -> Outcome:
    after = change.after or {}
    if after["member"] in backend.tenant.group(after["group"]).members:
        return Outcome.UNCHANGED
    backend.tenant.add_group_members(after["group"], [after["member"]])
    return Outcome.CREATED


@handles("group_member", "remove")
def _remove_group_member(backend: LocalBackend, change: Change) -> Outcome:
    before = change.before or {}
    group = existing(lambda: backend.tenant.group(before["group"]))
    if group is None or before["member"] not in group.members:
        return Outcome.UNCHANGED
    backend.tenant.remove_group_members(before["group"], [before["member"]])
    return Outcome.DELETED


@handles("seat", "assign")
def _assign_seat(backend: LocalBackend, change: Change) -> Outcome:
    after = change.after or {}
    if backend.tenant.seat_of(after["member"]) == after["plan"]:
        return Outcome.UNCHANGED
    backend.tenant.assign_seats(after["plan"], [after["member"]])
    return Outcome.CREATED


@handles("seat", "release")
def _release_seat(backend: LocalBackend, change: Change) -> Outcome:
    before = change.before or {}
    if backend._member_fields(before["member"]) is None or backend.tenant.seat_of(before["member"]) != before["plan"]:
        return Outcome.UNCHANGED
    backend.tenant.release_seats([before["member"]])
    return Outcome.DELETED


# -- verification: does the live target now hold what the change wanted? ---------------


def _mismatch(current: dict[str, Any] | None, wanted: dict[str, Any], what: str) -> str | None:
    if current is None:
        return f"{what} does not exist"
    left = differing(current, wanted)
    return None if not left else f"{what} differs in {', '.join(sorted(left))}"


@verifies("department", "create")
@verifies("department", "update")
def _verify_department(backend: LocalBackend, change: Change) -> str | None:
    return _mismatch(backend._department_fields(change.key), change.after or {}, change.address)


@verifies("member", "create")
@verifies("member", "update")
def _verify_member(backend: LocalBackend, change: Change) -> str | None:
    wanted = {k: v for k, v in (change.after or {}).items() if k != "status"}
    if change.action == "create":
        wanted = Member.model_validate({k: v for k, v in wanted.items() if k != "seat"}).model_dump(
            mode="json", exclude={"seat", "status"}
        ) | {"seat": wanted.get("seat")}
    return _mismatch(backend._member_fields(change.key), wanted, change.address)


@verifies("member", "suspend")
@verifies("member", "resume")
def _verify_status(backend: LocalBackend, change: Change) -> str | None:
    member = existing(lambda: backend.tenant.member(change.key))
    wanted = "suspended" if change.action == "suspend" else "active"
    if member is None or (member.status == "suspended") != (wanted == "suspended"):
        return f"{change.address} is not {wanted}"
    return None


@verifies("member", "restore")
def _verify_restore(backend: LocalBackend, change: Change) -> str | None:
    return None if backend._member_fields(change.key) is not None else f"{change.address} is still deleted"


@verifies("member", "delete")
@verifies("department", "delete")
@verifies("user_group", "delete")
def _verify_gone(backend: LocalBackend, change: Change) -> str | None:
    return None if backend.fields(change.type, change.key) is None else f"{change.address} still exists"


@verifies("user_group", "create")
@verifies("user_group", "update")
def _verify_group(backend: LocalBackend, change: Change) -> str | None:
    return _mismatch(backend._group_fields(change.key), change.after or {}, change.address)


@verifies("group_member", "add")
@verifies("group_member", "remove")
def _verify_membership(backend: LocalBackend, change: Change) -> str | None:
    pair = change.after or change.before or {}
    group = existing(lambda: backend.tenant.group(pair["group"]))
    inside = group is not None and pair["member"] in group.members
    if inside != (change.action == "add"):
        return f"{pair['member']} is {'not ' if change.action == 'add' else ''}in {pair['group']}"
    return None


@verifies("seat", "assign")
@verifies("seat", "release")
def _verify_seat(backend: LocalBackend, change: Change) -> str | None:
    pair = change.after or change.before or {}
    held = backend.tenant.seat_of(pair["member"]) if backend._member_fields(pair["member"]) else None
    if (held == pair["plan"]) != (change.action == "assign"):
        return f"{pair['member']} holds {held or 'no seat'}"
    return None


@verifies("resources", "transfer")
def _verify_transfer(backend: LocalBackend, change: Change) -> str | None:
    member = existing(lambda: backend.tenant.member(change.key))
    if member is None:
        return None  # deleted since: a delete takes what is left
    left = member.resources.counts()
    kept = [
        field
        for field, entry in (change.after or {}).items()
        if entry.get("to") is not None and any(left.get(kind) for kind in TRANSFER_KINDS.get(field, ()))
    ]
    return f"{change.key} still owns {', '.join(kept)}" if kept else None

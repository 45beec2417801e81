"""Members: invite (create), patch, suspend and resume, as the console allows."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.editions import STARTER_MEMBER_LIMIT
from orgstate.lark.passwords import generate_password
from orgstate.model.config import Member, MemberFields
from orgstate.model.fields import OWN_CHANGES, apply_patch
from orgstate.model.live import LiveMember
from orgstate.tenant.departments import DepartmentOps, invalid
from orgstate.tenant.rows import live_member, member_columns, member_fields
from orgstate.tenant.schema import RESOURCE_KINDS
from orgstate.tenant.seats import AUTO, SeatOps, SeatRequest

# Unique among members who are not deleted, with the Open API's code for a clash.
UNIQUE_FIELDS = (
    ("id", "id", LarkCode.USER_ID_EXISTS),
    ("phone", "phone", LarkCode.MOBILE_EXISTS),
    ("work_email", "lower(work_email)", LarkCode.EMAIL_EXISTS),
    ("business_email", "lower(business_email)", LarkCode.EMAIL_EXISTS),
    ("employee_id", "employee_id", LarkCode.EMPLOYEE_ID_EXISTS),
)
URL_PREFIXES = ("https://", "http://")
# How a member's own changes are made, since a patch cannot make them.
OWN_OPERATIONS = {"seat": "assign_seats", "status": "suspend or resume"}


class MemberOps(SeatOps, DepartmentOps):
    def member(self, member_id: str) -> LiveMember:
        return self.live_member(self.uid_of(member_id))

    def live_member(self, uid: int) -> LiveMember:
        row = self.member_row(uid)
        departments = tuple(
            r["department"]
            for r in self.query("SELECT department FROM member_departments WHERE uid = ? ORDER BY position", (uid,))
        )
        seat = self.one("SELECT plan, source FROM seats WHERE uid = ?", (uid,))
        resources = {
            r["kind"]: r["count"] for r in self.query("SELECT kind, count FROM resources WHERE uid = ?", (uid,))
        }
        return live_member(row, departments, seat, resources)

    def create_member(self, member: Member, seat: SeatRequest = AUTO, client_token: str | None = None) -> str | None:
        """Add a member (the console's "Add Members"): they are invited, and get `seat`, or
        with `auto` the seat the console would give (none while no plan has seats left).

        Returns the initial password of a member who logs in with the business email:
        "If you set "Business email" as the email login method, you must fill in the
        "Login password" field. Otherwise, the system will automatically generate a
        password." It is handed over once (None on a replay) and never stored."""
        if member.has_explicit_seat:
            seat = member.seat
        request = {**member.model_dump(mode="json", exclude={"seat"}), "seat": seat if seat is not AUTO else "auto"}
        # A replay is no new operation: no transaction, no audit entry.
        self.require("members")
        if self.replayed(client_token, "member.create", request):
            return None
        with self.write("member.create", f"member.{member.id}", **request):
            self.require_member_edits()
            if not self.plans_in_use() and self.member_count() >= STARTER_MEMBER_LIMIT:
                raise TenantError(
                    ErrorKind.RULE,
                    f"an organization on Starter has at most {STARTER_MEMBER_LIMIT} members",
                    LarkCode.PLAN_MEMBER_LIMIT,
                )
            self._check_member(member)
            uid = self.insert_member(member, status="invited")
            if seat is AUTO:
                self.auto_seat(uid)
            elif isinstance(seat, str):
                self.require("seats")
                self.give_seat(uid, self.plan(seat), "explicit")
            self.remember(client_token, "member.create", request, member.id)
        return generate_password() if member.login_type == "business_email" else None

    def patch_member(self, member_id: str, changes: dict[str, Any]) -> str | None:
        """Change only the given fields; `job` and `custom` merge key by key.

        Returns the new password of an inactive member switched to business-email login:
        "If you select Lark Mail, you must also set the login password for the member
        manually or generate a random password" (handed over once, never stored)."""
        for forbidden in OWN_CHANGES:
            if forbidden in changes:
                raise TenantError(
                    ErrorKind.INVALID, f"'{forbidden}' cannot be patched; use {OWN_OPERATIONS[forbidden]}"
                )
        with self.write("member.patch", f"member.{member_id}", **changes):
            self.require("members")
            self.require_member_edits()
            uid = self.uid_of(member_id)
            row = self.member_row(uid)
            current = member_fields(row)
            current["departments"] = [
                r["department"]
                for r in self.query("SELECT department FROM member_departments WHERE uid = ? ORDER BY position", (uid,))
            ]
            try:
                updated = MemberFields.model_validate(apply_patch(current, changes))
            except ValidationError as exc:
                raise invalid(exc) from None
            self._check_member(updated, uid=uid)
            columns = member_columns(updated)
            self.db.execute(
                f"UPDATE members SET {', '.join(f'{name} = ?' for name in columns)} WHERE uid = ?",
                (*columns.values(), uid),
            )
            self._set_secondary_departments(uid, updated.departments)
            self._notify_contact_changes(row, updated)
            if updated.id != member_id:
                self._rename_references(member_id, updated.id)
        was = MemberFields.model_validate(current).login_type
        switched = updated.login_type == "business_email" and was != "business_email"
        return generate_password() if switched and row["status"] in ("invited", "inactive") else None

    def _rename_references(self, old: str, new: str) -> None:
        """A User ID is editable ("the unique identifier of the member, corresponding to the
        User ID of the Open Platform"): whatever names the member by it follows."""
        self.db.execute("UPDATE members SET manager = ? WHERE manager = ? AND status != 'deleted'", (new, old))
        for report in self.query(
            "SELECT uid, job FROM members WHERE status != 'deleted' AND job LIKE ?", (f'%"{old}"%',)
        ):
            job = json.loads(report["job"])
            job["dotted_line_managers"] = [new if m == old else m for m in job.get("dotted_line_managers", [])]
            self.db.execute(
                "UPDATE members SET job = ? WHERE uid = ?", (json.dumps(job, sort_keys=True), report["uid"])
            )
        self.db.execute("UPDATE departments SET leader = ? WHERE leader = ?", (new, old))
        self.db.execute("UPDATE admins SET member = ? WHERE member = ?", (new, old))
        self.db.execute("UPDATE tenant SET founder = ? WHERE founder = ?", (new, old))

    def suspend_member(self, member_id: str) -> bool:
        """Suspend a member so they cannot log in; False when already suspended."""
        with self.write("member.suspend", f"member.{member_id}"):
            self.require("members")
            uid = self.uid_of(member_id)
            if member_id == self.founder:
                raise TenantError(
                    ErrorKind.RULE, "the tenant founder cannot be suspended", LarkCode.CANNOT_FREEZE_FOUNDER
                )
            if self.is_admin(member_id):
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{member_id}' is a tenant admin and cannot be suspended (DELETE-ADMIN)",
                    LarkCode.CANNOT_DELETE_ADMIN,
                )
            return self._set_status(uid, "suspended", only_from=("invited", "inactive", "active"))

    def resume_member(self, member_id: str) -> bool:
        with self.write("member.resume", f"member.{member_id}"):
            self.require("members")
            return self._set_status(self.uid_of(member_id), "active", only_from=("suspended",))

    def accept_invitation(self, member_id: str) -> bool:
        """The member accepts the invitation (invited -> inactive)."""
        with self.write("member.accept", f"member.{member_id}"):
            return self._set_status(self.uid_of(member_id), "inactive", only_from=("invited",))

    def record_login(self, member_id: str) -> bool:
        """The member logs in for the first time (inactive -> active)."""
        with self.write("member.login", f"member.{member_id}"):
            return self._set_status(self.uid_of(member_id), "active", only_from=("inactive",))

    def set_resources(self, member_id: str, counts: dict[str, int]) -> None:
        """Record what a member owns (the tenant's documents, chats, apps, ...)."""
        unknown = set(counts) - set(RESOURCE_KINDS)
        if unknown:
            raise TenantError(ErrorKind.INVALID, f"unknown resource types: {', '.join(sorted(unknown))}")
        with self.write("member.resources", f"member.{member_id}", **counts):
            uid = self.uid_of(member_id)
            for kind, count in counts.items():
                self.db.execute(
                    "INSERT INTO resources (uid, kind, count) VALUES (?, ?, ?) "
                    "ON CONFLICT (uid, kind) DO UPDATE SET count = excluded.count",
                    (uid, kind, count),
                )

    # -- shared by create, patch, restore and the fixture loader --------------------

    def insert_member(self, member: MemberFields, status: str, deleted_at: str | None = None) -> int:
        columns = {**member_columns(member), "status": status, "deleted_at": deleted_at}
        cursor = self.db.execute(
            f"INSERT INTO members ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
        uid = int(cursor.lastrowid or 0)
        self._set_secondary_departments(uid, member.departments)
        return uid

    def _set_secondary_departments(self, uid: int, departments: tuple[str, ...]) -> None:
        self.db.execute("DELETE FROM member_departments WHERE uid = ?", (uid,))
        self.db.executemany(
            "INSERT INTO member_departments (uid, department, position) VALUES (?, ?, ?)",
            [(uid, department, position) for position, department in enumerate(departments)],
        )

    def _set_status(self, uid: int, status: str, only_from: tuple[str, ...]) -> bool:
        current = self.member_row(uid)["status"]
        if current == status:
            return False
        if current not in only_from:
            raise TenantError(ErrorKind.RULE, f"a member who is {current} cannot become {status}")
        self.db.execute("UPDATE members SET status = ? WHERE uid = ?", (status, uid))
        return True

    def _check_member(self, member: MemberFields, uid: int | None = None) -> None:
        """What the console checks before it saves a member."""
        for field, expression, code in UNIQUE_FIELDS:
            value = getattr(member, field)
            if value is None:
                continue
            clash = self.scalar(
                f"SELECT id FROM members WHERE {expression} = {'lower(?)' if 'lower' in expression else '?'} "
                "AND status != 'deleted' AND uid IS NOT ?",
                (value, uid),
            )
            if clash is not None:
                raise TenantError(ErrorKind.CONFLICT, f"{field.replace('_', ' ')} '{value}' belongs to '{clash}'", code)
        if member.phone is None and member.work_email is None:
            raise TenantError(ErrorKind.INVALID, "One must have either a phone number or work email entered.")
        if member.login is not None and getattr(member, member.login) is None:
            raise TenantError(ErrorKind.INVALID, f"login {member.login} needs the member's {member.login}")
        for department in (member.department, *member.departments):
            self.department(department)
        for manager in filter(None, (member.job.manager, *member.job.dotted_line_managers)):
            if manager == member.id:
                raise TenantError(ErrorKind.RULE, "a member cannot be their own manager")
            self.uid_of(manager)
        self._check_custom(member.custom)

    def _check_custom(self, custom: dict[str, str]) -> None:
        for field_id, value in custom.items():
            row = self.one("SELECT type, options FROM fields WHERE id = ?", (field_id,))
            if row is None:
                raise TenantError(ErrorKind.INVALID, f"no custom field '{field_id}'")
            options = json.loads(row["options"]) if row["options"] else []
            if row["type"] == "enum" and value not in options:
                raise TenantError(ErrorKind.INVALID, f"'{value}' is not an option of {field_id}")
            if row["type"] == "url" and not value.startswith(URL_PREFIXES):
                raise TenantError(ErrorKind.INVALID, f"'{value}' is not a URL for {field_id}")

    def _notify_contact_changes(self, before: Any, after: MemberFields) -> None:
        """Members hear from a bot when an admin changes a contact field the tenant chose."""
        chosen = set(json.loads(self.scalar("SELECT notify_contact_changes FROM tenant") or "[]"))
        for field in ("phone", "work_email"):
            if field in chosen and before[field] != getattr(after, field):
                self.db.execute(
                    "INSERT INTO notifications (member, field, at) VALUES (?, ?, ?)",
                    (after.id, field, self.now().isoformat()),
                )

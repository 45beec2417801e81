"""Offboarding, as lark-help-delete-members-and-reallocate-resources.txt describes it:
resource transfers (explicit recipients, else the page's default table), deletion with
retention settings, and restore within 30 days."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.editions import EDITIONS_WITH_RESTORE, RESTORE_WINDOW_DAYS
from orgstate.lark.transfers import TRANSFER_KINDS, Disposition, Outcome, default_disposition
from orgstate.model.config import Retention, Transfers
from orgstate.tenant.groups import GroupOps
from orgstate.tenant.seats import AUTO, SeatRequest


class OffboardingOps(GroupOps):
    def plan_dispositions(
        self, member_id: str, transfers: Transfers | None = None, with_defaults: bool = True
    ) -> list[Disposition]:
        """Where each resource the member owns would go: explicit recipients first, then
        (when deleting) the default rules."""
        uid = self.uid_of(member_id)
        transfers = transfers or Transfers()
        counts = {
            r["kind"]: r["count"]
            for r in self.query("SELECT kind, count FROM resources WHERE uid = ? AND count > 0 ORDER BY kind", (uid,))
        }
        explicit: dict[str, Disposition] = {}
        for field, recipient in transfers.recipients().items():
            for kind in TRANSFER_KINDS[field]:
                explicit[kind] = Disposition(kind, counts.get(kind, 0), "transferred", recipient)
        if transfers.mail is not None and transfers.mail.action != "transfer":
            outcome: Outcome = "retained" if transfers.mail.action == "keep" else "deleted"
            explicit["mail"] = Disposition("mail", counts.get("mail", 0), outcome)
        dispositions = []
        manager, peer, first = self._default_recipients(uid)
        for kind, count in counts.items():
            if kind in explicit:
                dispositions.append(explicit[kind])
            elif with_defaults:
                dispositions.append(default_disposition(kind, count, manager, first, peer, self.primary_admin))
        return dispositions

    def transfer_resources(self, member_id: str, transfers: Transfers) -> list[Disposition]:
        """Transfer resources without deleting the member. "Transfer of resources can't be
        canceled or revoked." Only the given types move."""
        with self.write("resources.transfer", f"member.{member_id}", **transfers.model_dump(exclude_none=True)):
            self.require("members")
            uid = self.uid_of(member_id)
            self._check_recipients(member_id, transfers)
            dispositions = self.plan_dispositions(member_id, transfers, with_defaults=False)
            self._carry_out(uid, dispositions)
            return dispositions

    def delete_member(
        self, member_id: str, transfers: Transfers | None = None, retain: Retention | None = None
    ) -> list[Disposition]:
        """Delete a member: resources go to the given recipients, the rest by default; "their
        account under the organization will be closed and their seat will be released"."""
        transfers = transfers or Transfers()
        retain = retain or Retention()
        with self.write(
            "member.delete",
            f"member.{member_id}",
            transfers=transfers.model_dump(exclude_none=True),
            retain=retain.model_dump(),
        ):
            self.require("members")
            uid = self.uid_of(member_id)
            if self.is_admin(member_id):
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{member_id}' is the founder or a tenant admin and cannot be deleted (DELETE-ADMIN)",
                    LarkCode.CANNOT_DELETE_ADMIN,
                )
            self._check_recipients(member_id, transfers)
            dispositions = self.plan_dispositions(member_id, transfers)
            self._carry_out(uid, dispositions)
            self.db.execute(
                "INSERT OR REPLACE INTO retention (uid, docs, mail, minutes) VALUES (?, ?, ?, ?)",
                (uid, int(retain.docs), int(retain.mail), int(retain.minutes)),
            )
            self._detach(uid, member_id)
            self.db.execute(
                "UPDATE members SET status = 'deleted', deleted_at = ? WHERE uid = ?", (self.today().isoformat(), uid)
            )
            return dispositions

    def offboarding_record(self, member_id: str) -> tuple[dict[str, Disposition], Retention | None]:
        """What happened to a deleted member's resources (the last disposition of each
        kind) and the retention their deletion set: how apply checks an offboarding."""
        uid = self.scalar(
            "SELECT uid FROM members WHERE id = ? AND status = 'deleted' ORDER BY deleted_at DESC, uid DESC LIMIT 1",
            (member_id,),
        )
        if uid is None:
            return {}, None
        latest = {
            row["kind"]: Disposition(
                row["kind"], row["count"], row["outcome"], row["recipient"], bool(row["is_default"])
            )
            for row in self.query(
                "SELECT kind, recipient, count, outcome, is_default FROM transfers WHERE uid = ? ORDER BY seq", (uid,)
            )
        }
        kept = self.one("SELECT docs, mail, minutes FROM retention WHERE uid = ?", (uid,))
        retention = None
        if kept is not None:  # SQLite keeps booleans as 0 and 1; the model takes true and false only
            retention = Retention(docs=bool(kept["docs"]), mail=bool(kept["mail"]), minutes=bool(kept["minutes"]))
        return latest, retention

    def restore_member(
        self, member_id: str, department: str, departments: tuple[str, ...] = (), seat: SeatRequest = AUTO
    ) -> None:
        """Restore a deleted member (Basic, Pro and Enterprise, within 30 days). "Transferred
        data, the member's department, administrator roles and other data cannot be
        automatically restored": the department is given anew."""
        with self.write(
            "member.restore", f"member.{member_id}", department=department, seat=seat if seat is not AUTO else "auto"
        ):
            self.require("restore")
            row = self.one(
                "SELECT * FROM members WHERE id = ? AND status = 'deleted' ORDER BY deleted_at DESC, uid DESC LIMIT 1",
                (member_id,),
            )
            holder = self.scalar("SELECT uid FROM members WHERE id = ? AND status != 'deleted'", (member_id,))
            if row is None:
                if holder is not None:
                    raise TenantError(ErrorKind.RULE, f"'{member_id}' is not deleted", LarkCode.NOT_DELETED)
                raise TenantError(ErrorKind.NOT_FOUND, f"no deleted member '{member_id}'")
            if self.edition() not in EDITIONS_WITH_RESTORE:
                raise TenantError(
                    ErrorKind.RULE, "restoring deleted members needs a Basic, Pro or Enterprise plan (RESTORE-WINDOW)"
                )
            deleted_on = dt.date.fromisoformat(row["deleted_at"])
            if (self.today() - deleted_on).days > RESTORE_WINDOW_DAYS:
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{member_id}' was deleted on {deleted_on}, more than "
                    f"{RESTORE_WINDOW_DAYS} days ago (RESTORE-WINDOW)",
                    LarkCode.RESTORE_WINDOW_PASSED,
                )
            self._check_restorable(row, holder)
            for target in (department, *departments):
                self.department(target)
            uid = row["uid"]
            self.db.execute(
                "UPDATE members SET status = 'active', deleted_at = NULL, department = ? WHERE uid = ?",
                (department, uid),
            )
            self._set_secondary_departments(uid, departments)
            self._forget_departed_managers(uid)
            if seat is AUTO:
                self.auto_seat(uid)
            elif isinstance(seat, str):
                self.require("seats")
                self.give_seat(uid, self.plan(seat), "explicit")

    # -- mechanics ------------------------------------------------------------------

    def _default_recipients(self, uid: int) -> tuple[str | None, str | None, str | None]:
        """The direct manager, the first other member of the department, and the first
        other member of the organization (those still here)."""
        row = self.member_row(uid)
        manager = self.scalar("SELECT id FROM members WHERE id = ? AND status != 'deleted'", (row["manager"],))
        peer = self.scalar(
            "SELECT id FROM members WHERE department = ? AND status != 'deleted' AND uid != ? ORDER BY uid LIMIT 1",
            (row["department"], uid),
        )
        first = self.scalar(
            "SELECT id FROM members WHERE status != 'deleted' AND uid != ? ORDER BY uid LIMIT 1", (uid,)
        )
        return manager, peer, first

    def _check_recipients(self, member_id: str, transfers: Transfers) -> None:
        for field, recipient in transfers.recipients().items():
            problem = None
            if recipient == member_id:
                problem = "a leaving member cannot receive their own resources"
            elif self.scalar("SELECT 1 FROM members WHERE id = ? AND status != 'deleted'", (recipient,)) is None:
                problem = f"no member '{recipient}'"
            if problem:
                raise TenantError(ErrorKind.INVALID, f"{field} acceptor: {problem}", LarkCode.INVALID_ACCEPTOR)

    def _carry_out(self, uid: int, dispositions: list[Disposition]) -> None:
        at = self.now().isoformat()
        for item in dispositions:
            if item.outcome not in ("retained", "copied"):  # a copy leaves the original
                self.db.execute("UPDATE resources SET count = 0 WHERE uid = ? AND kind = ?", (uid, item.kind))
            if item.recipient is not None and item.count:
                self.db.execute(
                    "INSERT INTO resources (uid, kind, count) VALUES ((SELECT uid FROM members WHERE id = ? AND "
                    "status != 'deleted'), ?, ?) ON CONFLICT (uid, kind) DO UPDATE SET count = count + excluded.count",
                    (item.recipient, item.kind, item.count),
                )
            self.db.execute(
                "INSERT INTO transfers (uid, kind, recipient, count, outcome, is_default, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uid, item.kind, item.recipient, item.count, item.outcome, int(item.is_default), at),
            )

    def _detach(self, uid: int, member_id: str) -> None:
        """What a deleted member loses: seat, groups, further departments, leadership, and
        their place as anyone's manager."""
        self.drop_seat(uid)
        self.db.execute("DELETE FROM group_members WHERE uid = ?", (uid,))
        self.db.execute("DELETE FROM member_departments WHERE uid = ?", (uid,))
        self.db.execute("UPDATE departments SET leader = NULL WHERE leader = ?", (member_id,))
        self.db.execute("UPDATE members SET manager = NULL WHERE manager = ? AND status != 'deleted'", (member_id,))
        for report in self.query(
            "SELECT uid, job FROM members WHERE status != 'deleted' AND job LIKE ?", (f'%"{member_id}"%',)
        ):
            job = json.loads(report["job"])
            dotted = [m for m in job.get("dotted_line_managers", []) if m != member_id]
            job["dotted_line_managers"] = dotted
            if not dotted:
                del job["dotted_line_managers"]
            self.db.execute(
                "UPDATE members SET job = ? WHERE uid = ?", (json.dumps(job, sort_keys=True), report["uid"])
            )

    def _forget_departed_managers(self, uid: int) -> None:
        """Managers who left while the member was away are not their managers any more."""
        row = self.member_row(uid)
        current = {r["id"] for r in self.query("SELECT id FROM members WHERE status != 'deleted'")}
        job = json.loads(row["job"])
        dotted = [m for m in job.pop("dotted_line_managers", []) if m in current]
        if dotted:
            job["dotted_line_managers"] = dotted
        manager = row["manager"] if row["manager"] in current else None
        self.db.execute(
            "UPDATE members SET manager = ?, job = ? WHERE uid = ?", (manager, json.dumps(job, sort_keys=True), uid)
        )

    def _check_restorable(self, row: sqlite3.Row, holder: int | None) -> None:
        if holder is not None:
            raise TenantError(
                ErrorKind.CONFLICT,
                f"user id '{row['id']}' now belongs to another member",
                LarkCode.RESTORE_USER_ID_TAKEN,
            )
        for field, code in (
            ("phone", LarkCode.RESTORE_MOBILE_TAKEN),
            ("work_email", LarkCode.RESTORE_EMAIL_TAKEN),
            ("business_email", LarkCode.RESTORE_EMAIL_TAKEN),
            ("employee_id", LarkCode.EMPLOYEE_ID_EXISTS),
        ):
            value = row[field]
            if value is not None and self.scalar(
                f"SELECT 1 FROM members WHERE lower({field}) = lower(?) AND status != 'deleted'", (value,)
            ):
                raise TenantError(
                    ErrorKind.CONFLICT, f"{field.replace('_', ' ')} '{value}' now belongs to another member", code
                )

"""User groups: ordinary (writable) groups, their members and their seat assignment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import UserGroup
from orgstate.tenant.departments import invalid
from orgstate.tenant.members import MemberOps
from orgstate.tenant.rows import group_from_row

MAX_GROUPS = 500
ALREADY_MEMBER = int(LarkCode.GROUP_MEMBER_EXISTS)


class GroupOps(MemberOps):
    def group(self, group_id: str) -> UserGroup:
        row = self.one("SELECT * FROM user_groups WHERE id = ?", (group_id,))
        if row is None:
            raise TenantError(ErrorKind.NOT_FOUND, f"no user group '{group_id}'")
        return group_from_row(row, self.group_member_ids(group_id))

    def group_member_ids(self, group_id: str) -> tuple[str, ...]:
        return tuple(
            r["id"]
            for r in self.query(
                "SELECT m.id FROM group_members gm JOIN members m USING (uid) "
                "WHERE gm.group_id = ? ORDER BY gm.position",
                (group_id,),
            )
        )

    def create_group(self, group_id: str, name: str, description: str = "", client_token: str | None = None) -> str:
        request = {"id": group_id, "name": name, "description": description}
        # A replay is no new operation: no transaction, no audit entry.
        self.require("members")
        if self.replayed(client_token, "user_group.create", request):
            return group_id
        with self.write("user_group.create", f"user_group.{group_id}", **request):
            try:
                UserGroup(id=group_id, name=name, description=description)
            except ValidationError as exc:
                raise invalid(exc) from None
            if int(self.scalar("SELECT count(*) FROM user_groups")) >= MAX_GROUPS:
                raise TenantError(
                    ErrorKind.RULE, f"a tenant has at most {MAX_GROUPS} user groups", LarkCode.GROUP_LIMIT
                )
            if self.one("SELECT 1 FROM user_groups WHERE id = ?", (group_id,)):
                raise TenantError(ErrorKind.CONFLICT, f"user group '{group_id}' already exists")
            self._check_group_name(group_id, name)
            position = int(self.scalar("SELECT coalesce(max(position), 0) + 1 FROM user_groups"))
            self.db.execute(
                "INSERT INTO user_groups (id, name, description, position) VALUES (?, ?, ?, ?)",
                (group_id, name, description, position),
            )
            self.remember(client_token, "user_group.create", request, group_id)
        return group_id

    def patch_group(self, group_id: str, changes: dict[str, Any]) -> None:
        unknown = set(changes) - {"name", "description"}
        if unknown:
            raise TenantError(ErrorKind.INVALID, f"a group patch changes name and description only, not {unknown}")
        with self.write("user_group.patch", f"user_group.{group_id}", **changes):
            self.require("members")
            current = self.group(group_id)
            try:
                updated = UserGroup.model_validate({**current.model_dump(), **changes})
            except ValidationError as exc:
                raise invalid(exc) from None
            self._check_group_name(group_id, updated.name)
            self.db.execute(
                "UPDATE user_groups SET name = ?, description = ? WHERE id = ?",
                (updated.name, updated.description, group_id),
            )

    def delete_group(self, group_id: str) -> None:
        with self.write("user_group.delete", f"user_group.{group_id}"):
            self.require("members")
            self.group(group_id)
            if self.one("SELECT 1 FROM group_members WHERE group_id = ?", (group_id,)):
                raise TenantError(
                    ErrorKind.RULE, f"user group '{group_id}' still has members", LarkCode.GROUP_HAS_MEMBERS
                )
            self.db.execute("DELETE FROM user_groups WHERE id = ?", (group_id,))

    def add_group_members(self, group_id: str, member_ids: Iterable[str]) -> dict[str, int]:
        """Add members (batch_add): each gets code 0, or 42005 when already a member.
        "New members added to the user group will automatically receive seats" while
        seats remain."""
        member_ids = list(member_ids)
        with self.write("group_member.add", f"user_group.{group_id}", members=member_ids):
            self.require("members")
            group = self.group(group_id)
            plan = self.plan(group.seat) if group.seat is not None else None
            results: dict[str, int] = {}
            for member_id in member_ids:
                uid = self.uid_of(member_id)
                if self.one("SELECT 1 FROM group_members WHERE group_id = ? AND uid = ?", (group_id, uid)):
                    results[member_id] = ALREADY_MEMBER
                    continue
                position = int(
                    self.scalar(
                        "SELECT coalesce(max(position), 0) + 1 FROM group_members WHERE group_id = ?", (group_id,)
                    )
                )
                self.db.execute(
                    "INSERT INTO group_members (group_id, uid, position) VALUES (?, ?, ?)", (group_id, uid, position)
                )
                if plan is not None:
                    self.seat_from_group(uid, group_id, plan)
                results[member_id] = 0
            return results

    def remove_group_members(self, group_id: str, member_ids: Iterable[str]) -> list[str]:
        """Remove members; "removed members will lose their seats" when the group gave them."""
        member_ids = list(member_ids)
        with self.write("group_member.remove", f"user_group.{group_id}", members=member_ids):
            self.require("members")
            self.group(group_id)
            removed = []
            for member_id in member_ids:
                uid = self.uid_of(member_id)
                if self.db.execute(
                    "DELETE FROM group_members WHERE group_id = ? AND uid = ?", (group_id, uid)
                ).rowcount:
                    self.leave_group_seat(uid, group_id)
                    removed.append(member_id)
            return removed

    def set_group_seat(self, group_id: str, plan_id: str | None) -> list[str]:
        """Assign a plan's seats to a group (or remove its assignment with None). Returns
        the members left without a seat ("View Members Without a Seat")."""
        with self.write("user_group.seat", f"user_group.{group_id}", plan=plan_id):
            self.require("seats")
            group = self.group(group_id)
            if group.seat == plan_id:
                return self._members_without_seat(group_id)
            uids = [
                r["uid"]
                for r in self.query("SELECT uid FROM group_members WHERE group_id = ? ORDER BY position", (group_id,))
            ]
            self.db.execute("UPDATE user_groups SET seat = ? WHERE id = ?", (plan_id, group_id))
            for uid in uids:
                self.leave_group_seat(uid, group_id)
            if plan_id is None:
                return []
            plan = self.plan(plan_id)
            self.check_assignable(plan)
            for uid in uids:
                self.seat_from_group(uid, group_id, plan)
            return self._members_without_seat(group_id)

    def _members_without_seat(self, group_id: str) -> list[str]:
        return [
            r["id"]
            for r in self.query(
                "SELECT m.id FROM group_members gm JOIN members m USING (uid) "
                "WHERE gm.group_id = ? AND gm.uid NOT IN (SELECT uid FROM seats) ORDER BY gm.position",
                (group_id,),
            )
        ]

    def _check_group_name(self, group_id: str, name: str) -> None:
        clash = self.scalar("SELECT id FROM user_groups WHERE name = ? AND id != ?", (name, group_id))
        if clash is not None:
            raise TenantError(ErrorKind.CONFLICT, f"user group '{clash}' is already named '{name}'")

"""Departments: create, patch and delete, with the Open API's limits."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Department
from orgstate.tenant.core import TenantCore
from orgstate.tenant.rows import department_columns, department_from_row

MAX_DEPTH = 25
MAX_CHILDREN = 1_000
MAX_DEPARTMENTS = 30_000
RESERVED_IDS = ("0", "1")


def invalid(exc: ValidationError) -> TenantError:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return TenantError(ErrorKind.INVALID, f"{where}: {first['msg']}")


class DepartmentOps(TenantCore):
    def department(self, department_id: str) -> Department:
        row = self.one("SELECT * FROM departments WHERE id = ?", (department_id,))
        if row is None:
            raise TenantError(ErrorKind.NOT_FOUND, f"no department '{department_id}'")
        return department_from_row(row)

    def departments(self) -> list[Department]:
        return [department_from_row(row) for row in self.query("SELECT * FROM departments ORDER BY position")]

    def create_department(self, department: Department, client_token: str | None = None) -> str:
        request = department.model_dump(mode="json")
        # A replay is no new operation: no transaction, no audit entry.
        self.require("members")
        if self.replayed(client_token, "department.create", request):
            return department.id
        with self.write("department.create", f"department.{department.id}", **request):
            if department.id in RESERVED_IDS or department.id.startswith("od-"):
                raise TenantError(ErrorKind.INVALID, f"'{department.id}' is reserved for Lark's own department ids")
            if self.one("SELECT 1 FROM departments WHERE id = ?", (department.id,)):
                raise TenantError(ErrorKind.CONFLICT, f"department '{department.id}' already exists")
            if int(self.scalar("SELECT count(*) FROM departments")) >= MAX_DEPARTMENTS:
                raise TenantError(ErrorKind.RULE, f"a tenant has at most {MAX_DEPARTMENTS:,} departments")
            self._check_department(department)
            columns = department_columns(department)
            columns["position"] = int(self.scalar("SELECT coalesce(max(position), 0) + 1 FROM departments"))
            self.db.execute(
                f"INSERT INTO departments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
            self.remember(client_token, "department.create", request, department.id)
        return department.id

    def patch_department(self, department_id: str, changes: dict[str, Any]) -> None:
        """Change only the given fields (name, parent, leader, group_chat, order)."""
        with self.write("department.patch", f"department.{department_id}", **changes):
            self.require("members")
            current = self.department(department_id)
            if "id" in changes and changes["id"] != department_id:
                raise TenantError(ErrorKind.INVALID, "a department's id cannot change")
            try:
                updated = Department.model_validate({**current.model_dump(), **changes})
            except ValidationError as exc:
                raise invalid(exc) from None
            self._check_department(updated)
            columns = department_columns(updated)
            del columns["id"]
            self.db.execute(
                f"UPDATE departments SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                (*columns.values(), department_id),
            )

    def delete_department(self, department_id: str) -> None:
        with self.write("department.delete", f"department.{department_id}"):
            self.require("members")
            self.department(department_id)
            if self.one(
                "SELECT 1 FROM members WHERE department = ? AND status != 'deleted' UNION ALL "
                "SELECT 1 FROM member_departments d JOIN members m USING (uid) "
                "WHERE d.department = ? AND m.status != 'deleted' LIMIT 1",
                (department_id, department_id),
            ):
                raise TenantError(
                    ErrorKind.RULE, f"department '{department_id}' still has members", LarkCode.DEPARTMENT_HAS_MEMBERS
                )
            if self.one("SELECT 1 FROM departments WHERE parent = ?", (department_id,)):
                raise TenantError(
                    ErrorKind.RULE,
                    f"department '{department_id}' still has sub-departments",
                    LarkCode.DEPARTMENT_HAS_CHILDREN,
                )
            self.db.execute("DELETE FROM departments WHERE id = ?", (department_id,))

    def department_depth(self, department_id: str | None) -> int:
        """Levels from the root down to this department (a top-level department is 1)."""
        depth = 0
        seen: set[str] = set()
        while department_id is not None:
            if department_id in seen:
                raise TenantError(ErrorKind.RULE, f"department '{department_id}' would be its own ancestor")
            seen.add(department_id)
            depth += 1
            department_id = self.scalar("SELECT parent FROM departments WHERE id = ?", (department_id,))
        return depth

    def _check_department(self, department: Department) -> None:
        """The checks shared by create and patch."""
        parent = department.parent
        if parent is not None:
            self.department(parent)
            if parent == department.id or department.id in self._ancestors(parent):
                raise TenantError(ErrorKind.RULE, f"department '{department.id}' would be its own ancestor")
            if self.department_depth(parent) + self._subtree_height(department.id) > MAX_DEPTH:
                raise TenantError(ErrorKind.RULE, f"departments nest at most {MAX_DEPTH} levels deep")
        siblings = self.query(
            "SELECT id, name, sort_order FROM departments WHERE coalesce(parent, '') = coalesce(?, '') AND id != ?",
            (parent, department.id),
        )
        if len(siblings) >= MAX_CHILDREN:
            raise TenantError(ErrorKind.RULE, f"a department has at most {MAX_CHILDREN:,} direct sub-departments")
        if any(row["name"] == department.name for row in siblings):
            raise TenantError(ErrorKind.CONFLICT, f"a sibling department is already named '{department.name}'")
        if department.order is not None and any(row["sort_order"] == department.order for row in siblings):
            raise TenantError(
                ErrorKind.CONFLICT, f"order {department.order} is taken by a sibling", LarkCode.DEPARTMENT_ORDER_EXISTS
            )
        if department.leader is not None:
            self.uid_of(department.leader)

    def _subtree_height(self, department_id: str) -> int:
        """Levels in the department's subtree, itself included (1 for a department without children)."""
        return int(
            self.scalar(
                "WITH RECURSIVE below (id, level) AS (SELECT ?, 1 UNION ALL "
                "SELECT d.id, below.level + 1 FROM departments d JOIN below ON d.parent = below.id "
                f"WHERE below.level <= {MAX_DEPTH}) SELECT max(level) FROM below",
                (department_id,),
            )
        )

    def _ancestors(self, department_id: str) -> set[str]:
        found: set[str] = set()
        current: str | None = department_id
        while current is not None and current not in found:
            found.add(current)
            current = self.scalar("SELECT parent FROM departments WHERE id = ?", (current,))
        return found

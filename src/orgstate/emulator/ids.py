"""Id types. orgstate's ids ARE Lark's `user_id` and custom `department_id`; the
emulator derives the other ids from them, stably (the same id always gives the
same open_id), as `prefix + sha256(kind:id)[:32]`:

    open_id  "ou_..."   union_id "on_..."   open_department_id "od-..."   chat_id "oc_..."

Requests choose with `user_id_type` (open_id by default, as on Lark | union_id |
user_id) and `department_id_type` (open_department_id by default |
department_id); ids in the request are read, and ids in the answer written, in
that type. The root department is "0" in both types. Simplification: a deleted
member and a later member given the same user_id share their derived ids (on Lark
they would differ).
"""

from __future__ import annotations

import hashlib
from typing import overload

from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.tenant import Tenant

ROOT_DEPARTMENT = "0"
USER_ID_TYPES = ("open_id", "union_id", "user_id")
DEPARTMENT_ID_TYPES = ("open_department_id", "department_id")
_PREFIXES = {"open_id": "ou_", "union_id": "on_", "open_department_id": "od-", "chat_id": "oc_"}


def derived_id(kind: str, value: str) -> str:
    return _PREFIXES[kind] + hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def open_id(user_id: str) -> str:
    return derived_id("open_id", user_id)


def union_id(user_id: str) -> str:
    return derived_id("union_id", user_id)


def open_department_id(department_id: str) -> str:
    return ROOT_DEPARTMENT if department_id == ROOT_DEPARTMENT else derived_id("open_department_id", department_id)


def chat_id(department_id: str) -> str:
    return derived_id("chat_id", department_id)


class IdRegistry:
    """Reverse lookups of derived ids, refreshed from the tenant on a miss."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._users: dict[str, str] = {}
        self._departments: dict[str, str] = {}

    def user(self, kind: str, value: str) -> str | None:
        key = f"{kind}:{value}"
        if key not in self._users:
            for row in self.tenant.query("SELECT DISTINCT id FROM members"):
                self._users[f"open_id:{open_id(row['id'])}"] = row["id"]
                self._users[f"union_id:{union_id(row['id'])}"] = row["id"]
        return self._users.get(key)

    def department(self, value: str) -> str | None:
        if value not in self._departments:
            for row in self.tenant.query("SELECT id FROM departments"):
                self._departments[open_department_id(row["id"])] = row["id"]
        return self._departments.get(value)


class IdCodec:
    """One request's id types: reads ids from the request and writes them into the answer.
    An open_id, union_id or open_department_id that names nobody is refused (41050 for
    users, 40004 for departments); a user_id or department_id goes to the engine as it is."""

    def __init__(self, registry: IdRegistry, user_id_type: str | None, department_id_type: str | None) -> None:
        self.registry = registry
        self.user_type = user_id_type or "open_id"
        self.department_type = department_id_type or "open_department_id"
        if self.user_type not in USER_ID_TYPES:
            raise ApiError(LarkCode.FIELD_VALIDATION_FAILED, f"user_id_type must be one of {', '.join(USER_ID_TYPES)}")
        if self.department_type not in DEPARTMENT_ID_TYPES:
            raise ApiError(
                LarkCode.FIELD_VALIDATION_FAILED, f"department_id_type must be one of {', '.join(DEPARTMENT_ID_TYPES)}"
            )

    def with_user_type(self, user_id_type: str | None) -> IdCodec:
        return IdCodec(self.registry, user_id_type, self.department_type)

    def user_in(self, value: str) -> str:
        if self.user_type == "user_id":
            return value
        found = self.registry.user(self.user_type, value)
        if found is None:
            raise ApiError(LarkCode.USER_NOT_FOUND, f"no user authority: no user with {self.user_type} '{value}'")
        return found

    @overload
    def user_out(self, member_id: str) -> str: ...
    @overload
    def user_out(self, member_id: None) -> None: ...
    def user_out(self, member_id: str | None) -> str | None:
        if member_id is None:
            return None
        return {"user_id": member_id, "open_id": open_id(member_id), "union_id": union_id(member_id)}[self.user_type]

    def department_in(self, value: str) -> str:
        if self.department_type == "department_id" or value == ROOT_DEPARTMENT:
            return value
        found = self.registry.department(value)
        if found is None:
            raise ApiError(LarkCode.DEPARTMENT_NOT_FOUND, f"no dept authority: no department '{value}'")
        return found

    def department_out(self, department_id: str | None) -> str:
        if department_id is None:
            return ROOT_DEPARTMENT
        return department_id if self.department_type == "department_id" else open_department_id(department_id)

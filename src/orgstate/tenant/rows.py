"""Conversions between the models and the tenant's rows."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from orgstate.model.config import Department, FieldDef, MemberFields, Subscription, UserGroup
from orgstate.model.live import LiveMember, Resources

# Compared member fields that the `members` table does not hold in a column of the same
# name: the secondary departments have a table of their own, the manager has a column
# of its own (reports are found by it), job and custom are JSON, hide_phone an integer.
OWN_TABLE = frozenset({"departments"})
JSON_COLUMNS = ("job", "custom")
COLUMNS = tuple(name for name in MemberFields.model_fields if name not in OWN_TABLE)


def member_columns(member: MemberFields) -> dict[str, Any]:
    """The `members` columns for a member (secondary departments and seat live elsewhere)."""
    columns = member.model_dump(mode="json", include=set(COLUMNS))
    columns["hide_phone"] = int(member.hide_phone)
    job = member.job.model_dump(mode="json", exclude={"manager"}, exclude_defaults=True)
    columns["job"] = json.dumps(job, sort_keys=True)
    columns["manager"] = member.job.manager
    columns["custom"] = json.dumps(member.custom, sort_keys=True)
    return columns


def member_fields(row: sqlite3.Row) -> dict[str, Any]:
    """A member row as configuration fields (what `MemberFields` validates; the
    secondary departments are not in the row)."""
    values = {name: row[name] for name in COLUMNS if row[name] is not None}
    values["hide_phone"] = bool(row["hide_phone"])
    values.update({name: json.loads(row[name]) for name in JSON_COLUMNS})
    if row["manager"] is not None:
        values["job"]["manager"] = row["manager"]
    return values


def live_member(
    row: sqlite3.Row, departments: tuple[str, ...], seat: sqlite3.Row | None, resources: dict[str, int]
) -> LiveMember:
    values = member_fields(row)
    if departments:
        values["departments"] = departments
    return LiveMember(
        member=MemberFields.model_validate(values),
        status=row["status"],
        deleted_at=row["deleted_at"],
        seat=seat["plan"] if seat else None,
        seat_source=seat["source"] if seat else None,
        resources=Resources(**resources),
    )


def department_columns(department: Department) -> dict[str, Any]:
    return {
        "id": department.id,
        "name": department.name,
        "parent": department.parent,
        "leader": department.leader,
        "group_chat": int(department.group_chat),
        "sort_order": department.order,
    }


def department_from_row(row: sqlite3.Row) -> Department:
    return Department(
        id=row["id"],
        name=row["name"],
        parent=row["parent"],
        leader=row["leader"],
        group_chat=bool(row["group_chat"]),
        order=row["sort_order"],
    )


def plan_from_row(row: sqlite3.Row) -> Subscription:
    return Subscription(
        id=row["id"],
        edition=row["edition"],
        seats=row["seats"],
        starts=row["starts"],
        expires=row["expires"],
        trial=bool(row["trial"]),
    )


def field_from_row(row: sqlite3.Row) -> FieldDef:
    options = json.loads(row["options"]) if row["options"] is not None else None
    return FieldDef(id=row["id"], name=row["name"], type=row["type"], options=options)


def group_from_row(row: sqlite3.Row, members: tuple[str, ...]) -> UserGroup:
    return UserGroup(id=row["id"], name=row["name"], description=row["description"], members=members, seat=row["seat"])

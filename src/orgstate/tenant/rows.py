"""Conversions between the models and the tenant's rows."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from orgstate.model.config import Department, FieldDef, Job, Member, Subscription, UserGroup
from orgstate.model.live import LiveMember, Resources


def member_columns(member: Member) -> dict[str, Any]:
    """The `members` columns for a member (secondary departments and seat live elsewhere)."""
    job = member.job.model_dump(mode="json", exclude={"manager"}, exclude_defaults=True)
    return {
        "id": member.id,
        "name": member.name,
        "department": member.department,
        "work_email": member.work_email,
        "business_email": member.business_email,
        "phone": member.phone,
        "login": member.login,
        "employee_id": member.employee_id,
        "workforce_type": member.workforce_type,
        "gender": member.gender,
        "hide_phone": int(member.hide_phone),
        "job": json.dumps(job, sort_keys=True),
        "manager": member.job.manager,
        "custom": json.dumps(member.custom, sort_keys=True),
    }


def member_fields(row: sqlite3.Row) -> dict[str, Any]:
    """A member row as configuration fields (what `Member` validates)."""
    job = json.loads(row["job"])
    if row["manager"] is not None:
        job["manager"] = row["manager"]
    values: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "department": row["department"],
        "workforce_type": row["workforce_type"],
        "gender": row["gender"],
        "hide_phone": bool(row["hide_phone"]),
        "job": job,
        "custom": json.loads(row["custom"]),
    }
    for optional in ("work_email", "business_email", "phone", "login", "employee_id"):
        if row[optional] is not None:
            values[optional] = row[optional]
    return values


def live_member(
    row: sqlite3.Row, departments: tuple[str, ...], seat: sqlite3.Row | None, resources: dict[str, int]
) -> LiveMember:
    values = member_fields(row)
    if departments:
        values["departments"] = departments
    values["job"] = Job.model_validate(values["job"])
    return LiveMember.model_validate(
        {
            **values,
            "status": row["status"],
            "deleted_at": row["deleted_at"],
            "seat": seat["plan"] if seat else None,
            "seat_source": seat["source"] if seat else None,
            "resources": Resources(**resources),
        }
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

"""Between the configuration's models and the Open API's user and department objects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgstate.lark import fields as lark

QUERY = {"user_id_type": "user_id", "department_id_type": "department_id"}
ROOT = "0"
# What a user group patch sends: the Open API sets no other field of a group.
GROUP_PATCHED = ("name", "description")


def day(seconds: Any) -> str | None:
    """join_time -> a configuration date (0 and "" are none)."""
    if seconds in (None, "", 0, "0"):
        return None
    return lark.day(int(seconds)).isoformat()


def custom_attrs(custom: dict[str, Any], types: dict[str, str]) -> list[dict[str, Any]]:
    """custom values -> custom_attrs, each typed as its field is (TEXT when unknown); a
    removed value (None) is sent empty, which clears it."""
    attrs = []
    for key, value in sorted(custom.items()):
        kind = types.get(key, "TEXT")
        attrs.append({"type": kind, "id": key, "value": {lark.ATTR_VALUE_KEYS.get(kind, "text"): value or ""}})
    return attrs


def attr_value(value: dict[str, Any]) -> str | None:
    """A custom_attrs value, whichever key its type keeps it under."""
    return next(filter(None, map(value.get, lark.ATTR_VALUE_KEYS.values())), None)


def field_definition(attr: dict[str, Any]) -> dict[str, Any]:
    """A custom_attrs list item -> a configuration field."""
    names = attr.get("i18n_name") or []
    kind = lark.FIELD_TYPES.get(attr.get("type", "TEXT"), "text")
    found: dict[str, Any] = {"id": attr["id"], "name": names[0]["value"] if names else attr["id"], "type": kind}
    if kind == "enum":
        found["options"] = [option["value"] for option in (attr.get("options") or {}).get("options") or []]
    return found


def user_body(member: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """Configuration member fields (a whole member, or the changed part) -> user fields."""
    body: dict[str, Any] = {}
    for field in ("id", *lark.TEXT_FIELDS, "login"):
        if field in member:
            body[lark.USER_KEYS[field]] = member[field]
    if member.get("phone"):
        body[lark.USER_KEYS["phone"]] = lark.mobile_of(member["phone"])
    if "hide_phone" in member:
        body[lark.USER_KEYS["hide_phone"]] = not member["hide_phone"]
    if "gender" in member:
        body[lark.USER_KEYS["gender"]] = lark.GENDER_CODES[member["gender"]]
    if "workforce_type" in member:
        body[lark.USER_KEYS["workforce_type"]] = lark.EMPLOYEE_TYPES[member["workforce_type"]]
    if "department" in member or "departments" in member:
        body[lark.USER_KEYS["department"]] = lark.department_ids(member)
    job = member.get("job") or {}
    for field in (*lark.JOB_TEXT_FIELDS, "manager"):
        if field in job:
            body[lark.USER_KEYS[f"job.{field}"]] = job[field] if job[field] is not None else ""
    if "dotted_line_managers" in job:
        body[lark.USER_KEYS["job.dotted_line_managers"]] = job["dotted_line_managers"] or []
    if "employment_date" in job:
        date = job["employment_date"]
        body[lark.USER_KEYS["job.employment_date"]] = lark.epoch(dt.date.fromisoformat(date)) if date else 0
    if "custom" in member:
        body[lark.USER_KEYS["custom"]] = custom_attrs(member["custom"], types)
    return body


def member_fields(user: dict[str, Any]) -> dict[str, Any]:
    """A user object -> configuration member fields plus status and seat."""
    departments = [d for d in user.get("department_ids") or [] if d != ROOT]
    status = user.get("status") or {}
    if status.get("is_resigned"):
        state = "deleted"
    elif status.get("is_frozen"):
        state = "suspended"
    elif status.get("is_unjoin"):
        state = "invited"
    elif not status.get("is_activated", True):
        state = "inactive"
    else:
        state = "active"
    job = {field: user.get(lark.USER_KEYS[f"job.{field}"]) or None for field in (*lark.JOB_TEXT_FIELDS, "manager")}
    job["dotted_line_managers"] = user.get(lark.USER_KEYS["job.dotted_line_managers"]) or []
    job["employment_date"] = day(user.get(lark.USER_KEYS["job.employment_date"]))
    seats = [info.get("subscription_id") for info in user.get("assign_info") or []]
    fields: dict[str, Any] = {
        "id": user[lark.USER_KEYS["id"]],
        **{field: user.get(lark.USER_KEYS[field]) or None for field in (*lark.TEXT_FIELDS, "login")},
        "name": user[lark.USER_KEYS["name"]],
        **lark.departments_of(departments or [ROOT]),
        "workforce_type": lark.WORKFORCE_TYPES.get(int(user.get(lark.USER_KEYS["workforce_type"]) or 1), "regular"),
        "gender": lark.GENDERS[int(user.get(lark.USER_KEYS["gender"]) or 0)],
        "hide_phone": not user.get(lark.USER_KEYS["hide_phone"], True),
        "job": {k: v for k, v in job.items() if v not in (None, [])},
        "custom": {
            attr["id"]: attr_value(attr.get("value") or {}) for attr in user.get(lark.USER_KEYS["custom"]) or []
        },
        "status": state,
        "seat": seats[0] if seats else None,
    }
    if "phone" in fields and fields["phone"] is not None:
        fields["phone"] = lark.phone_of(fields["phone"])
    return {k: v for k, v in fields.items() if v is not None}


def department_body(department: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "id" in department:
        body["department_id"] = department["id"]
    if "name" in department:
        body["name"] = department["name"]
    if "parent" in department:
        body["parent_department_id"] = department["parent"] or ROOT
    if "leader" in department:
        body["leader_user_id"] = department["leader"] or ""
    if "order" in department and department["order"] is not None:
        body["order"] = str(department["order"])
    if "group_chat" in department:
        body["create_group_chat"] = department["group_chat"]
    return body


def department_fields(department: dict[str, Any]) -> dict[str, Any]:
    parent = department.get("parent_department_id")
    order = department.get("order")
    return {
        "id": department["department_id"],
        "name": department["name"],
        "parent": None if parent in (None, "", ROOT) else parent,
        "leader": department.get("leader_user_id") or None,
        "group_chat": bool(department.get("create_group_chat", False)),
        "order": int(order) if order not in (None, "") else None,
    }

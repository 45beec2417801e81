"""Between the configuration's models and the Open API's user and department objects."""

from __future__ import annotations

import datetime as dt
from typing import Any

GENDERS = ("unspecified", "male", "female", "other")
EMPLOYEE_TYPES = {"regular": 1, "intern": 2, "outsourced": 3, "labor": 4, "consultant": 5}
WORKFORCE = {number: name for name, number in EMPLOYEE_TYPES.items()}
QUERY = {"user_id_type": "user_id", "department_id_type": "department_id"}
ROOT = "0"


def epoch(day: str | None) -> int | None:
    if day is None:
        return None
    return int(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC).timestamp())


def day(seconds: Any) -> str | None:
    if seconds in (None, "", 0, "0"):
        return None
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).date().isoformat()


# Custom field types: orgstate's <-> the Open API's custom_attrs types.
ATTR_TYPES = {"text": "TEXT", "url": "HREF", "enum": "ENUMERATION"}
FIELD_TYPES = {api: ours for ours, api in ATTR_TYPES.items()}
VALUE_KEYS = {"TEXT": "text", "HREF": "url", "ENUMERATION": "option_id"}


def custom_attrs(custom: dict[str, Any], types: dict[str, str]) -> list[dict[str, Any]]:
    """custom values -> custom_attrs, each typed as its field is (TEXT when unknown); a
    removed value (None) is sent empty, which clears it."""
    attrs = []
    for key, value in sorted(custom.items()):
        kind = types.get(key, "TEXT")
        attrs.append({"type": kind, "id": key, "value": {VALUE_KEYS.get(kind, "text"): value or ""}})
    return attrs


def field_definition(attr: dict[str, Any]) -> dict[str, Any]:
    """A custom_attrs list item -> a configuration field."""
    names = attr.get("i18n_name") or []
    kind = FIELD_TYPES.get(attr.get("type", "TEXT"), "text")
    found: dict[str, Any] = {"id": attr["id"], "name": names[0]["value"] if names else attr["id"], "type": kind}
    if kind == "enum":
        found["options"] = [option["value"] for option in (attr.get("options") or {}).get("options") or []]
    return found


def user_body(member: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """Configuration member fields (a whole member, or the changed part) -> user fields."""
    body: dict[str, Any] = {}
    simple = {
        "id": "user_id",
        "name": "name",
        "work_email": "email",
        "business_email": "enterprise_email",
        "phone": "mobile",
        "employee_id": "employee_no",
        "login": "login_type",
    }
    for field, api in simple.items():
        if field in member:
            body[api] = member[field]
    if "hide_phone" in member:
        body["mobile_visible"] = not member["hide_phone"]
    if "gender" in member:
        body["gender"] = GENDERS.index(member["gender"])
    if "workforce_type" in member:
        body["employee_type"] = EMPLOYEE_TYPES[member["workforce_type"]]
    if "department" in member or "departments" in member:
        body["department_ids"] = [member["department"], *member.get("departments", [])]
    job = member.get("job") or {}
    jobs = {
        "title": "job_title",
        "manager": "leader_user_id",
        "dotted_line_managers": "dotted_line_leader_user_ids",
        "city": "city",
        "country": "country",
    }
    for field, api in jobs.items():
        if field in job:
            body[api] = job[field] if job[field] is not None else ("" if field != "dotted_line_managers" else [])
    if "employment_date" in job:
        body["join_time"] = epoch(job["employment_date"]) or 0
    if "custom" in member:
        body["custom_attrs"] = custom_attrs(member["custom"], types)
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
    job = {
        "title": user.get("job_title") or None,
        "manager": user.get("leader_user_id") or None,
        "dotted_line_managers": user.get("dotted_line_leader_user_ids") or [],
        "employment_date": day(user.get("join_time")),
        "country": user.get("country") or None,
        "city": user.get("city") or None,
    }
    seats = [info.get("subscription_id") for info in user.get("assign_info") or []]
    fields: dict[str, Any] = {
        "id": user["user_id"],
        "name": user["name"],
        "department": departments[0] if departments else ROOT,
        "departments": departments[1:],
        "work_email": user.get("email") or None,
        "business_email": user.get("enterprise_email") or None,
        "phone": user.get("mobile") or None,
        "login": user.get("login_type") or None,
        "employee_id": user.get("employee_no") or None,
        "workforce_type": WORKFORCE.get(int(user.get("employee_type") or 1), "regular"),
        "gender": GENDERS[int(user.get("gender") or 0)],
        "hide_phone": not user.get("mobile_visible", True),
        "job": {k: v for k, v in job.items() if v not in (None, [])},
        "custom": {
            a["id"]: (a.get("value") or {}).get("text")
            or (a.get("value") or {}).get("url")
            or (a.get("value") or {}).get("option_id")
            for a in user.get("custom_attrs") or []
        },
        "status": state,
        "seat": seats[0] if seats else None,
    }
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

"""The tenant engine's models as Open API JSON objects, and request bodies as engine
fields.

Users: each configuration field travels as `orgstate.lark.fields` says (one map, which
the orgstate client reads the other way); `login_type` is an EMULATOR EXTENSION (the
Open API has no field for the login method, which orgstate manages), written only when
set, read back only when set. Fields the engine does not hold (en_name, nickname,
work_station, avatar, ...) are accepted and ignored. In a patch, "" or null clears an
optional field.

Statuses: invited -> is_unjoin; active -> is_activated; suspended -> is_frozen (and
is_activated); deleted -> is_resigned; inactive (accepted, never logged in) -> none set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from orgstate.emulator.ids import ROOT_DEPARTMENT, IdCodec, chat_id, open_department_id, open_id, union_id
from orgstate.errors import ApiError
from orgstate.lark import fields as lark
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Department, MailTransfer, Subscription, Transfers, UserGroup
from orgstate.model.live import LiveMember
from orgstate.model.types import DEPARTMENTS_PER_MEMBER_MAX
from orgstate.tenant.departments import invalid

IGNORED_ACCEPTORS = ("anycross_acceptor_user_id",)  # the engine holds no AnyCross resources


def bad(field: str, problem: str) -> ApiError:
    return ApiError(LarkCode.FIELD_VALIDATION_FAILED, f"field validation failed: {field}: {problem}")


def compact(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if value is not None}


# -- reading request fields -----------------------------------------------------------


def text(body: dict[str, Any], key: str) -> str | None:
    """An optional string field; "" and null mean none."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad(key, "must be a string")
    return value


def required_text(body: dict[str, Any], key: str) -> str:
    value = text(body, key)
    if value is None:
        raise bad(key, "is required")
    return value


def integer(body: dict[str, Any], key: str, choices: Mapping[int, str] | None = None) -> int:
    value = body.get(key)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)  # ids and numbers often travel as strings
    if not isinstance(value, int) or isinstance(value, bool) or (choices is not None and value not in choices):
        raise bad(key, f"must be one of {sorted(choices)}" if choices else "must be an integer")
    return value


def boolean(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise bad(key, "must be true or false")
    return value


def string_list(body: dict[str, Any], key: str, maximum: int | None = None) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise bad(key, "must be a list of strings")
    if maximum is not None and len(value) > maximum:
        raise bad(key, f"takes at most {maximum} items")
    return value


def seat_from(body: dict[str, Any]) -> str | None:
    """`subscription_ids`: [] releases the seat, [id] assigns it (a member holds one seat)."""
    seats = string_list(body, "subscription_ids")
    if len(seats) > 1:
        raise bad("subscription_ids", "a member holds at most one seat")
    return seats[0] if seats else None


# -- users ----------------------------------------------------------------------------


def member_changes(body: dict[str, Any], codec: IdCodec, field_types: dict[str, str]) -> dict[str, Any]:
    """The engine fields (`patch_member` terms) that a create or patch body sends."""
    keys = lark.USER_KEYS
    changes: dict[str, Any] = {field: text(body, keys[field]) for field in lark.TEXT_FIELDS if keys[field] in body}
    if changes.get("phone"):
        changes["phone"] = lark.phone_of(changes["phone"])
    job: dict[str, Any] = {
        field: text(body, keys[f"job.{field}"]) for field in lark.JOB_TEXT_FIELDS if keys[f"job.{field}"] in body
    }
    if keys["hide_phone"] in body:
        changes["hide_phone"] = not boolean(body, keys["hide_phone"])
    if keys["gender"] in body:
        changes["gender"] = lark.GENDERS[integer(body, keys["gender"], lark.GENDERS)]
    if keys["workforce_type"] in body:
        changes["workforce_type"] = lark.WORKFORCE_TYPES[integer(body, keys["workforce_type"], lark.WORKFORCE_TYPES)]
    if (key := keys["job.employment_date"]) in body:
        job["employment_date"] = None if body[key] in (None, "", 0) else lark.day(integer(body, key)).isoformat()
    if (key := keys["department"]) in body:
        departments = [codec.department_in(d) for d in string_list(body, key, maximum=DEPARTMENTS_PER_MEMBER_MAX)]
        if not departments:
            raise bad(key, "a member belongs to at least one department")
        if ROOT_DEPARTMENT in departments:
            raise bad(key, "the emulator's tenant keeps no members in the root department '0'")
        changes.update(lark.departments_of(departments))
    if (key := keys["job.manager"]) in body:
        leader = text(body, key)
        job["manager"] = None if leader is None else codec.user_in(leader)
    if (key := keys["job.dotted_line_managers"]) in body:
        job["dotted_line_managers"] = [codec.user_in(u) for u in string_list(body, key)]
    if keys["custom"] in body:
        changes["custom"] = custom_values(body[keys["custom"]], field_types)
    if (key := keys["login"]) in body:
        login = text(body, key)
        if login is not None and login not in lark.LOGIN_TYPES:
            raise bad(key, f"must be one of {', '.join(lark.LOGIN_TYPES)}")
        changes["login"] = login
    if job:
        changes["job"] = job
    return changes


def custom_values(attrs: object, field_types: dict[str, str]) -> dict[str, str | None]:
    if not isinstance(attrs, list):
        raise bad("custom_attrs", "must be a list")
    values: dict[str, str | None] = {}
    for index, attr in enumerate(attrs):
        where = f"custom_attrs[{index}]"
        if not isinstance(attr, dict) or not isinstance(attr.get("id"), str):
            raise bad(where, "needs an id")
        field_id = attr["id"]
        if field_id not in field_types:
            raise bad(where, f"no custom field '{field_id}'")
        expected = lark.ATTR_TYPES[field_types[field_id]]
        if attr.get("type", expected) != expected:
            raise bad(where, f"field '{field_id}' is of type {expected}")
        value = attr.get("value") or {}
        if not isinstance(value, dict):
            raise bad(where, "value must be an object")
        values[field_id] = text(value, lark.ATTR_VALUE_KEYS[expected])
    return values


def new_member_fields(user_id: str, body: dict[str, Any], codec: IdCodec, field_types: dict[str, str]) -> dict:
    """The config fields of a member to create (custom values that are empty are left out)."""
    changes = member_changes(body, codec, field_types)
    if "name" not in changes or changes["name"] is None:
        raise bad("name", "is required")
    if "department" not in changes:
        raise bad("department_ids", "is required")
    fields = {"id": user_id, **changes}
    fields["custom"] = {k: v for k, v in changes.get("custom", {}).items() if v is not None}
    fields["job"] = {k: v for k, v in changes.get("job", {}).items() if v is not None}
    return {k: v for k, v in fields.items() if v is not None}


def status_object(status: str) -> dict[str, bool]:
    return {
        "is_frozen": status == "suspended",
        "is_resigned": status == "deleted",
        "is_activated": status in ("active", "suspended"),
        "is_exited": False,
        "is_unjoin": status == "invited",
    }


def user_object(
    live: LiveMember,
    codec: IdCodec,
    field_types: dict[str, str],
    plans: dict[str, Subscription] | None = None,
) -> dict[str, Any]:
    """A user as the Open API shows it; with `plans`, including `assign_info` (seats held)."""
    member, keys = live.member, lark.USER_KEYS
    job = member.job
    departments = [] if live.status == "deleted" else [member.department, *member.departments]
    user = compact(
        {
            "user_id": member.id,
            "open_id": open_id(member.id),
            "union_id": union_id(member.id),
            **{keys[field]: getattr(member, field) for field in lark.TEXT_FIELDS},
            keys["phone"]: member.phone and lark.mobile_of(member.phone),
            keys["hide_phone"]: not member.hide_phone,
            keys["gender"]: lark.GENDER_CODES[member.gender],
            keys["department"]: [codec.department_out(d) for d in departments],
            keys["job.manager"]: codec.user_out(job.manager),
            keys["job.dotted_line_managers"]: [codec.user_out(m) for m in job.dotted_line_managers],
            **{keys[f"job.{field}"]: getattr(job, field) for field in lark.JOB_TEXT_FIELDS},
            keys["workforce_type"]: lark.EMPLOYEE_TYPES[member.workforce_type],
            keys["job.employment_date"]: lark.epoch(job.employment_date) if job.employment_date else None,
            keys["custom"]: [
                custom_attr(field_id, value, field_types) for field_id, value in sorted(member.custom.items())
            ],
            "status": status_object(live.status),
            keys["login"]: member.login,
        }
    )
    if plans is not None:
        user["assign_info"] = [] if live.seat is None else [seat_object(plans[live.seat])]
    return user


def custom_attr(field_id: str, value: str, field_types: dict[str, str]) -> dict[str, Any]:
    kind = lark.ATTR_TYPES[field_types.get(field_id, "text")]
    return {"type": kind, "id": field_id, "value": {lark.ATTR_VALUE_KEYS[kind]: value}}


def seat_object(plan: Subscription) -> dict[str, str]:
    """A seat (user `assign_info`): every number a JSON string, times in epoch seconds."""
    return {
        "subscription_id": plan.id,
        "license_plan_key": f"suite_{plan.edition}" + ("_trial" if plan.trial else ""),
        "product_name": f"Lark {plan.edition.title()}",
        "start_time": str(lark.epoch(plan.starts)),
        "end_time": str(lark.epoch(plan.expires)),
    }


def subscription_object(plan: Subscription, assigned: int) -> dict[str, str]:
    return {**seat_object(plan), "total_seats": str(plan.seats), "assigned_seats": str(assigned)}


def transfers_from(body: dict[str, Any], codec: IdCodec) -> Transfers:
    """The delete body's acceptors as engine Transfers; those left out follow the defaults."""
    recipients: dict[str, Any] = {}
    for key, field in lark.ACCEPTOR_FIELDS.items():
        acceptor = text(body, key)
        if acceptor is not None:
            recipients[field] = acceptor_id(codec, acceptor, key)
    for key in IGNORED_ACCEPTORS:
        text(body, key)
    mail = body.get("email_acceptor")
    if mail is not None:
        if not isinstance(mail, dict):
            raise bad("email_acceptor", "must be an object")
        action = lark.MAIL_ACTIONS.get(str(mail.get("processing_type", "")))
        if action is None:
            raise bad("email_acceptor.processing_type", 'must be "1" (transfer), "2" (keep) or "3" (delete)')
        acceptor = text(mail, "acceptor_user_id") if action == "transfer" else None
        try:
            to = None if acceptor is None else acceptor_id(codec, acceptor, "email_acceptor")
            recipients["mail"] = MailTransfer(action=action, to=to)
        except ValidationError as exc:
            raise invalid(exc) from None
    try:
        return Transfers(**recipients)
    except ValidationError as exc:
        raise invalid(exc) from None


def acceptor_id(codec: IdCodec, value: str, key: str) -> str:
    try:
        return codec.user_in(value)
    except ApiError:
        raise ApiError(int(LarkCode.INVALID_ACCEPTOR), f"{key}: no user '{value}'") from None


# -- departments ----------------------------------------------------------------------


def department_changes(body: dict[str, Any], codec: IdCodec) -> dict[str, Any]:
    """The engine fields (`patch_department` terms) that a create or patch body sends."""
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = required_text(body, "name")
    if "parent_department_id" in body:
        parent = required_text(body, "parent_department_id")
        changes["parent"] = None if parent == ROOT_DEPARTMENT else codec.department_in(parent)
    if "leader_user_id" in body:
        leader = text(body, "leader_user_id")
        changes["leader"] = None if leader is None else codec.user_in(leader)
    if "order" in body:
        changes["order"] = None if body["order"] in (None, "") else integer(body, "order")
    if "create_group_chat" in body:
        changes["group_chat"] = boolean(body, "create_group_chat")
    return changes


def department_object(department: Department, codec: IdCodec) -> dict[str, Any]:
    """`create_group_chat` tells whether the department has its group chat (then `chat_id`)."""
    return compact(
        {
            "department_id": department.id,
            "open_department_id": open_department_id(department.id),
            "name": department.name,
            "parent_department_id": codec.department_out(department.parent),
            "leader_user_id": codec.user_out(department.leader),
            "order": None if department.order is None else str(department.order),
            "create_group_chat": department.group_chat,
            "chat_id": chat_id(department.id) if department.group_chat else None,
            "status": {"is_deleted": False},
        }
    )


def root_department_object(tenant_name: str) -> dict[str, Any]:
    return {
        "department_id": ROOT_DEPARTMENT,
        "open_department_id": ROOT_DEPARTMENT,
        "name": tenant_name,
        "parent_department_id": "",
        "create_group_chat": False,
        "status": {"is_deleted": False},
    }


# -- user groups ----------------------------------------------------------------------


def group_object(group: UserGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "member_user_count": len(group.members),
        "member_department_count": 0,
        "type": 1,
    }

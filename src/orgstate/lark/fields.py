"""The configuration's member fields on the Open API, written once (reference: "Users",
"Delete body"): the orgstate client (`appliers/lark/mapping.py`) reads it from the
configuration to the API, the emulator (`emulator/shapes.py`) from the API to its
engine, and each derives the way back from the same tables.

Users (configuration field -> user object key):
    text, "" or null clears it: name, work_email, business_email, phone, employee_id,
        (phone -> mobile in E.164, but a mainland China number without +86: mobile_of, phone_of)
        job.title, job.city, job.country (TEXT_FIELDS, JOB_TEXT_FIELDS)
    gender -> gender (GENDER_CODES); workforce_type -> employee_type (EMPLOYEE_TYPES)
    hide_phone -> mobile_visible, negated
    department, departments -> department_ids = [department, *departments]
    job.manager -> leader_user_id; job.dotted_line_managers -> dotted_line_leader_user_ids
    job.employment_date -> join_time (epoch seconds at 00:00 UTC; 0 or "" for none)
    custom -> custom_attrs, each {type, id, value: {<ATTR_VALUE_KEYS[type]>: value}}
    login -> login_type: EMULATOR EXTENSION, the Open API has no field for the login
        method, which orgstate manages (LOGIN_TYPES); written and read only when set.
Seat and status are changes of their own: `subscription_ids` / `assign_info`, `status`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

from orgstate.model.types import Gender, LoginType, MailAction, WorkforceType

# Configuration member field (job's as job.<key>) -> the user object's key.
USER_KEYS: dict[str, str] = {
    "id": "user_id",
    "name": "name",
    "work_email": "email",
    "business_email": "enterprise_email",
    "phone": "mobile",
    "employee_id": "employee_no",
    "login": "login_type",
    "workforce_type": "employee_type",
    "gender": "gender",
    "hide_phone": "mobile_visible",
    "department": "department_ids",
    "departments": "department_ids",
    "job.title": "job_title",
    "job.manager": "leader_user_id",
    "job.dotted_line_managers": "dotted_line_leader_user_ids",
    "job.employment_date": "join_time",
    "job.country": "country",
    "job.city": "city",
    "custom": "custom_attrs",
}
# Compared member fields the Open API has no key for, and why (none today).
NOT_MAPPED: dict[str, str] = {}

TEXT_FIELDS = ("name", "work_email", "business_email", "phone", "employee_id")
JOB_TEXT_FIELDS = ("title", "city", "country")

GENDER_CODES: dict[Gender, int] = {"unspecified": 0, "male": 1, "female": 2, "other": 3}
GENDERS = {code: name for name, code in GENDER_CODES.items()}
EMPLOYEE_TYPES: dict[WorkforceType, int] = {"regular": 1, "intern": 2, "outsourced": 3, "labor": 4, "consultant": 5}
WORKFORCE_TYPES = {code: name for name, code in EMPLOYEE_TYPES.items()}
LOGIN_TYPES: tuple[LoginType, ...] = get_args(LoginType)

# Custom field types -> the custom_attrs type, and the key of the value in each.
ATTR_TYPES: dict[str, str] = {"text": "TEXT", "url": "HREF", "enum": "ENUMERATION"}
FIELD_TYPES = {api: ours for ours, api in ATTR_TYPES.items()}
ATTR_VALUE_KEYS = {"TEXT": "text", "HREF": "url", "ENUMERATION": "option_id"}

# The delete body: Transfers field -> its acceptor key; mail goes by `email_acceptor`.
ACCEPTORS = {
    "docs": "docs_acceptor_user_id",
    "calendar": "calendar_acceptor_user_id",
    "apps": "application_acceptor_user_id",
    "minutes": "minutes_acceptor_user_id",
    "surveys": "survey_acceptor_user_id",
    "department_groups": "department_chat_acceptor_user_id",
    "external_groups": "external_chat_acceptor_user_id",
}
ACCEPTOR_FIELDS = {key: field for field, key in ACCEPTORS.items()}
# `email_acceptor.processing_type` for each mail action.
MAIL_PROCESSING_TYPES: dict[MailAction, str] = {"transfer": "1", "keep": "2", "delete": "3"}
MAIL_ACTIONS = {code: action for action, code in MAIL_PROCESSING_TYPES.items()}


# "`+` prefix outside mainland China" (reference: "Users"): the Open API writes a
# mainland China mobile without its country code, which the configuration writes in E.164.
MAINLAND_CHINA = "+86"


def mobile_of(phone: str) -> str:
    """A configuration phone (E.164) as the Open API's `mobile`."""
    return phone.removeprefix(MAINLAND_CHINA)


def phone_of(mobile: str) -> str:
    """An Open API `mobile` in E.164, as the configuration writes it."""
    return mobile if mobile.startswith("+") else MAINLAND_CHINA + mobile


def epoch(day: dt.date) -> int:
    """A date as join_time: epoch seconds at 00:00 UTC."""
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def day(seconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date()


def department_ids(member: dict[str, Any]) -> list[str]:
    """department_ids: the primary department first."""
    return [member["department"], *member.get("departments", [])]


def departments_of(ids: list[str]) -> dict[str, Any]:
    """department_ids -> the configuration's department and departments."""
    return {"department": ids[0], "departments": ids[1:]}

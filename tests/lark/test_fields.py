"""The Lark field map: every compared member field travels on the Open API (or says
why not), and each way back is the inverse of the way there."""

from __future__ import annotations

import datetime as dt

import pytest

from orgstate.appliers.lark.mapping import member_fields, user_body
from orgstate.lark import fields as lark
from orgstate.model.config import Job, MemberFields
from orgstate.model.fields import COMPARED_FIELDS, PATCHED_BY_KEY


def mapped_paths() -> set[str]:
    """Compared member fields as the map names them (a model's keys one by one)."""
    paths = {name for name in COMPARED_FIELDS if name != "job"}
    return paths | {f"job.{key}" for key in Job.model_fields}


def test_every_compared_member_field_has_a_lark_key_or_a_reason() -> None:
    assert "job" in PATCHED_BY_KEY
    assert mapped_paths() == set(lark.USER_KEYS) | set(lark.NOT_MAPPED)
    assert not set(lark.USER_KEYS) & set(lark.NOT_MAPPED)


def test_the_inverse_tables_invert() -> None:
    assert {lark.GENDERS[code] for code in lark.GENDER_CODES.values()} == set(lark.GENDER_CODES)
    assert {lark.WORKFORCE_TYPES[code] for code in lark.EMPLOYEE_TYPES.values()} == set(lark.EMPLOYEE_TYPES)
    assert {lark.FIELD_TYPES[kind] for kind in lark.ATTR_TYPES.values()} == set(lark.ATTR_TYPES)
    assert {lark.ACCEPTOR_FIELDS[key] for key in lark.ACCEPTORS.values()} == set(lark.ACCEPTORS)
    assert {lark.MAIL_ACTIONS[code] for code in lark.MAIL_PROCESSING_TYPES.values()} == set(lark.MAIL_PROCESSING_TYPES)
    day = dt.date(2024, 2, 29)
    assert lark.day(lark.epoch(day)) == day


def test_a_member_travels_to_the_api_and_back_unchanged() -> None:
    member = MemberFields(
        id="amy",
        name="Amy",
        department="eng",
        departments=("ops",),
        work_email="amy@acme.example",
        phone="+15550100001",
        login="work_email",
        employee_id="E1",
        workforce_type="intern",
        gender="female",
        hide_phone=True,
        job=Job(title="T", manager="boss", dotted_line_managers=("hr",), employment_date=dt.date(2024, 1, 2)),
        custom={"level": "L2"},
    )
    wanted = member.model_dump(mode="json")
    back = member_fields(user_body(wanted, {"level": "TEXT"}))
    assert MemberFields.model_validate({k: v for k, v in back.items() if k not in ("status", "seat")}) == member


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [("+8613800138020", "13800138020"), ("+15550100002", "+15550100002"), ("+85261234567", "+85261234567")],
)
def test_a_mainland_china_mobile_goes_without_its_country_code(phone: str, mobile: str) -> None:
    """ "`+` prefix outside mainland China": the Open API's mobile, and back to E.164."""
    assert lark.mobile_of(phone) == mobile
    assert lark.phone_of(mobile) == phone


def test_the_client_sends_and_reads_a_mainland_mobile_as_lark_writes_it() -> None:
    assert user_body({"phone": "+8613800138020"}, {})["mobile"] == "13800138020"
    user = {"user_id": "li", "name": "Li", "mobile": "13800138020", "department_ids": ["0"]}
    assert member_fields(user)["phone"] == "+8613800138020"

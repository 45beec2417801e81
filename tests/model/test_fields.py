"""The member field table: every field of a declared or live member has one role, read
from the models, and one patch rule that the engine and the local backend share."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from pydantic import ValidationError

from orgstate.model.config import Job, Member, MemberFields
from orgstate.model.fields import (
    COMPARED_FIELDS,
    DIRECTIVES,
    MEMBER_FIELDS,
    OWN_CHANGES,
    PATCHED_BY_KEY,
    Role,
    apply_patch,
)
from orgstate.model.live import LiveMember
from orgstate.tenant.rows import COLUMNS
from orgstate.tenant.schema import DDL


def test_every_member_field_has_one_role() -> None:
    assert set(MEMBER_FIELDS) == set(Member.model_fields) | set(LiveMember.model_fields) - {"member"}
    assert set(MemberFields.model_fields) == COMPARED_FIELDS
    assert PATCHED_BY_KEY == ("job", "custom")
    assert OWN_CHANGES == ("status", "seat") and DIRECTIVES == ("renamed_from",)
    live_only = [name for name, role in MEMBER_FIELDS.items() if role is Role.LIVE_ONLY]
    assert live_only == ["deleted_at", "seat_source", "resources"]


def test_the_members_table_has_a_column_for_each_compared_field() -> None:
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    columns = [row[1] for row in db.execute("PRAGMA table_info(members)")]
    # The secondary departments have a table of their own; the manager, a column of its own.
    assert set(columns) == {"uid", *COLUMNS, "manager", "status", "deleted_at"}
    assert set(COLUMNS) == COMPARED_FIELDS - {"departments"}


@pytest.mark.parametrize(
    ("current", "patch", "patched"),
    [
        ({"name": "A", "phone": "+15550100001"}, {"phone": None}, {"name": "A", "phone": None}),
        ({"job": {"title": "T", "manager": "m"}}, {"job": {"title": "U"}}, {"job": {"title": "U", "manager": "m"}}),
        ({"job": {"title": "T", "manager": "m"}}, {"job": {"manager": None}}, {"job": {"title": "T"}}),
        ({"custom": {"a": "1", "b": "2"}}, {"custom": {"a": None, "c": "3"}}, {"custom": {"b": "2", "c": "3"}}),
        ({"departments": ["x", "y"]}, {"departments": ["y"]}, {"departments": ["y"]}),
    ],
)
def test_a_patch_replaces_fields_and_merges_those_patched_key_by_key(
    current: dict[str, Any], patch: dict[str, Any], patched: dict[str, Any]
) -> None:
    assert apply_patch(current, patch) == patched


FLAT = {
    "id": "amy",
    "name": "Amy",
    "department": "eng",
    "job": {"title": "Engineer"},
    "status": "invited",
    "seat": "pro",
    "resources": {"docs": 2},
}


def test_a_live_member_is_written_flat_and_holds_the_member() -> None:
    live = LiveMember.model_validate(FLAT)
    assert live.member == MemberFields(id="amy", name="Amy", department="eng", job=Job(title="Engineer"))
    assert (live.id, live.status, live.seat, live.resources.docs) == ("amy", "invited", "pro", 2)
    assert live.model_dump(mode="json", exclude_defaults=True) == FLAT
    assert LiveMember.model_validate(live.model_dump()) == live
    # As when LiveMember was a Member: the snapshot (and its digest) keep the same keys.
    assert list(live.model_dump())[14:] == ["status", "seat", "renamed_from", "deleted_at", "seat_source", "resources"]


def test_a_flat_live_member_is_located_as_written() -> None:
    with pytest.raises(ValidationError) as caught:
        LiveMember.model_validate({**FLAT, "nmae": "x", "status": "gone", "job": {"title": 1}})
    assert sorted(error["loc"] for error in caught.value.errors()) == [("job", "title"), ("nmae",), ("status",)]


@pytest.mark.parametrize("phone", [True, 15550100002, "5550100", "+1 555"])
def test_a_flat_live_member_keeps_orgstates_own_error_types(phone: object) -> None:
    """orgstate's own error types (a phone's) survive the flat relocation (found by the
    fuzz harness: re-raising them as pydantic's known types failed with a KeyError)."""
    with pytest.raises(ValidationError) as caught:
        LiveMember.model_validate({**FLAT, "phone": phone})
    (error,) = caught.value.errors()
    assert error["loc"] == ("phone",)
    assert "phone" in error["msg"] and "Input should" not in error["msg"]

"""Users on the example tenant: shapes, ids, create / patch / delete / resurrect, lists."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from orgstate.emulator.ids import open_department_id, open_id
from tests.emulator.conftest import USERS, Api

RESOURCES = "/open-apis/orgstate-emulator/v1/resources"


def epoch(day: str) -> int:
    return int(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC).timestamp())


def new_user(user_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "name": user_id.title(),
        "email": f"{user_id}@acme.example",
        "department_ids": ["eng-platform"],
        **fields,
    }


def test_user_object(api: Api) -> None:
    user = api.ok("GET", f"{USERS}/founder")["user"]
    assert user["user_id"] == "founder" and user["open_id"] == open_id("founder")
    assert user["union_id"].startswith("on_")
    assert (user["name"], user["email"], user["enterprise_email"]) == (
        "Dana Whitfield",
        "dana@acme.example",
        "dana@acme.larksuite.com",
    )
    assert (user["mobile"], user["mobile_visible"], user["gender"]) == ("+15550100001", True, 2)
    assert user["department_ids"] == ["ops"]
    assert (user["employee_no"], user["employee_type"], user["job_title"]) == ("E0001", 1, "Chief Executive Officer")
    assert (user["join_time"], user["city"], user["country"]) == (epoch("2019-04-01"), "Boston", "US")
    assert user["login_type"] == "business_email"
    assert user["custom_attrs"] == [
        {"type": "TEXT", "id": "desk", "value": {"text": "B1-001"}},
        {"type": "ENUMERATION", "id": "level", "value": {"option_id": "L5"}},
        {"type": "HREF", "id": "profile", "value": {"url": "https://wiki.acme.example/people/dana"}},
    ]
    assert user["status"] == {
        "is_frozen": False,
        "is_resigned": False,
        "is_activated": True,
        "is_exited": False,
        "is_unjoin": False,
    }
    assert [seat["subscription_id"] for seat in user["assign_info"]] == ["pro-2026"]
    seat = user["assign_info"][0]
    assert seat["product_name"] == "Lark Pro" and seat["start_time"] == str(epoch("2026-01-01"))


def test_manager_secondary_departments_and_hidden_phone(api: Api) -> None:
    lena = api.ok("GET", f"{USERS}/lena")["user"]
    assert lena["department_ids"] == ["ops", "people"] and lena["leader_user_id"] == "founder"
    olivia = api.ok("GET", f"{USERS}/olivia")["user"]
    assert olivia["dotted_line_leader_user_ids"] == ["yuki"]
    assert api.ok("GET", f"{USERS}/maria")["user"]["mobile_visible"] is False
    assert api.ok("GET", f"{USERS}/jonas")["user"]["employee_type"] == 3
    assert "login_type" not in api.ok("GET", f"{USERS}/tariq")["user"]  # no login declared: the default


@pytest.mark.parametrize(
    ("user_id", "flags"),
    [
        ("dev", {"is_frozen": True, "is_activated": True}),
        ("ines", {"is_unjoin": True, "is_activated": False}),
        ("kofi", {"is_activated": False, "is_unjoin": False}),
        ("julia", {"is_resigned": True}),
    ],
)
def test_statuses(api: Api, user_id: str, flags: dict[str, bool]) -> None:
    user = api.ok("GET", f"{USERS}/{user_id}")["user"]
    assert {key: user["status"][key] for key in flags} == flags
    if user_id == "julia":
        assert user["department_ids"] == [] and user["assign_info"] == []


def test_open_ids_by_default(api: Api) -> None:
    """Without user_id_type the ids are open_ids, as on Lark."""
    response = api.request("GET", f"{USERS}/{open_id('lena')}", by_user_id=False).json()
    user = response["data"]["user"]
    assert user["user_id"] == "lena" and user["leader_user_id"] == open_id("founder")
    assert user["department_ids"] == [open_department_id("ops"), open_department_id("people")]
    assert api.request("GET", f"{USERS}/lena", by_user_id=False).json()["code"] == 41050
    assert api.code("GET", f"{USERS}/lena", user_id_type="email") == 99992402


def test_create_user(api: Api) -> None:
    body = new_user(
        "tom",
        mobile="+15550100999",
        mobile_visible=False,
        gender=1,
        department_ids=["eng-platform", "eng-robotics"],
        leader_user_id="grace",
        dotted_line_leader_user_ids=["marcus"],
        job_title="Engineer",
        employee_type=2,
        employee_no="E0999",
        join_time=epoch("2026-12-01"),
        city="Seattle",
        country="US",
        custom_attrs=[
            {"type": "ENUMERATION", "id": "level", "value": {"option_id": "L2"}},
            {"type": "HREF", "id": "profile", "value": {"url": "https://wiki.acme.example/tom"}},
        ],
        subscription_ids=["basic-2026"],
        login_type="work_email",
        nickname="ignored",
    )
    user = api.ok("POST", USERS, body, client_token="create-tom")["user"]
    assert user["status"]["is_unjoin"] is True
    assert user["department_ids"] == ["eng-platform", "eng-robotics"]
    assert (user["leader_user_id"], user["dotted_line_leader_user_ids"]) == ("grace", ["marcus"])
    assert (user["employee_type"], user["gender"], user["mobile_visible"]) == (2, 1, False)
    assert user["join_time"] == epoch("2026-12-01") and user["login_type"] == "work_email"
    assert [a["id"] for a in user["custom_attrs"]] == ["level", "profile"]
    assert [s["subscription_id"] for s in user["assign_info"]] == ["basic-2026"]
    assert api.ok("GET", f"{USERS}/tom")["user"] == user


def test_create_is_idempotent_by_client_token(api: Api) -> None:
    first = api.ok("POST", USERS, new_user("tom"), client_token="tok-1")["user"]
    again = api.ok("POST", USERS, new_user("tom"), client_token="tok-1")["user"]
    assert again == first
    assert api.code("POST", USERS, new_user("tom", name="Thomas"), client_token="tok-1") == 40021


def test_create_without_subscription_ids_gets_the_automatic_seat(api: Api) -> None:
    user = api.ok("POST", USERS, new_user("tom"))["user"]
    assert [s["subscription_id"] for s in user["assign_info"]] == ["basic-2026"]  # seats left; expires last
    none = api.ok("POST", USERS, new_user("rita", subscription_ids=[]))["user"]
    assert none["assign_info"] == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"user_id": "founder"}, 41011),
        ({"mobile": "+15550100001"}, 41001),
        ({"email": "DANA@acme.example"}, 41002),
        ({"enterprise_email": "dana@acme.larksuite.com"}, 41002),
        ({"employee_no": "E0001"}, 44051),
        ({"gender": 7}, 99992402),
        ({"department_ids": ["0"]}, 99992402),
        ({"department_ids": ["nowhere"]}, 41050),
        ({"subscription_ids": ["pro-2026", "basic-2026"]}, 99992402),
        ({"subscription_ids": ["gold"]}, 44047),
        ({"custom_attrs": [{"type": "TEXT", "id": "level", "value": {"text": "L2"}}]}, 99992402),
        ({"custom_attrs": [{"type": "ENUMERATION", "id": "level", "value": {"option_id": "L9"}}]}, 99992402),
        ({"login_type": "sms"}, 99992402),
        ({"name": ""}, 99992402),
    ],
)
def test_create_refused(api: Api, fields: dict[str, Any], code: int) -> None:
    body = {**new_user("tom"), **fields}
    assert api.code("POST", USERS, body) == code
    if fields.get("user_id") != "founder":
        assert api.code("GET", f"{USERS}/tom") == 41050  # nothing was created


def test_insufficient_seats(api: Api) -> None:
    """pro-2026 has 38 of its 40 seats held."""
    for user_id in ("tom", "henry"):
        api.ok("POST", USERS, new_user(user_id, subscription_ids=["pro-2026"]))
    assert api.code("POST", USERS, new_user("paula", subscription_ids=["pro-2026"])) == 41007


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    before = api.ok("GET", f"{USERS}/bob")["user"]
    after = api.ok(
        "PATCH",
        f"{USERS}/bob",
        {"job_title": "Senior Site Reliability Engineer", "custom_attrs": [{"id": "desk", "value": {"text": "P-9"}}]},
    )["user"]
    assert after["job_title"] == "Senior Site Reliability Engineer"
    assert {a["id"]: a["value"] for a in after["custom_attrs"]} == {
        "desk": {"text": "P-9"},
        "level": {"option_id": "L3"},
    }
    unchanged = {k: v for k, v in after.items() if k not in ("job_title", "custom_attrs")}
    assert unchanged == {k: v for k, v in before.items() if k not in ("job_title", "custom_attrs")}


def test_patch_clears_with_empty_values(api: Api) -> None:
    after = api.ok("PATCH", f"{USERS}/raj", {"leader_user_id": "", "city": "", "join_time": 0})["user"]
    assert "leader_user_id" not in after and "city" not in after and "join_time" not in after


def test_patch_departments_status_and_seat(api: Api) -> None:
    user = api.ok("PATCH", f"{USERS}/yuki", {"department_ids": ["eng-robotics", "eng"]})["user"]
    assert user["department_ids"] == ["eng-robotics", "eng"]
    user = api.ok("PATCH", f"{USERS}/yuki", {"status": {"is_frozen": True}})["user"]
    assert user["status"]["is_frozen"] is True
    user = api.ok("PATCH", f"{USERS}/yuki", {"status": {"is_frozen": False}})["user"]
    assert user["status"]["is_frozen"] is False and user["status"]["is_activated"] is True
    user = api.ok("PATCH", f"{USERS}/yuki", {"subscription_ids": ["basic-2026"]})["user"]
    assert [s["subscription_id"] for s in user["assign_info"]] == ["basic-2026"]
    user = api.ok("PATCH", f"{USERS}/yuki", {"subscription_ids": []})["user"]
    assert user["assign_info"] == []
    # unfreezing a member who is not suspended changes nothing
    assert api.ok("PATCH", f"{USERS}/ines", {"status": {"is_frozen": False}})["user"]["status"]["is_unjoin"]


@pytest.mark.parametrize(
    ("user_id", "body", "code"),
    [
        ("founder", {"status": {"is_frozen": True}}, 44036),
        ("sam", {"status": {"is_frozen": True}}, 44037),
        ("bob", {"email": "dana@acme.example"}, 41002),
        ("bob", {"status": {"is_frozen": "yes"}}, 99992402),
        ("bob", {"department_ids": []}, 99992402),
        ("julia", {"name": "Julia"}, 41050),
        ("nobody", {"name": "Nobody"}, 41050),
    ],
)
def test_patch_refused(api: Api, user_id: str, body: dict[str, Any], code: int) -> None:
    assert api.code("PATCH", f"{USERS}/{user_id}", body) == code


def test_patch_is_all_or_nothing(api: Api) -> None:
    assert api.code("PATCH", f"{USERS}/bob", {"job_title": "Boss", "subscription_ids": ["gold"]}) == 44047
    assert api.ok("GET", f"{USERS}/bob")["user"]["job_title"] == "Site Reliability Engineer"


def test_find_by_department_pages(api: Api) -> None:
    members = api.all_pages(f"{USERS}/find_by_department", department_id="eng-robotics", page_size=3)
    ids = [user["user_id"] for user in members]
    assert "alice" in ids  # a further department counts
    assert len(ids) == len(set(ids)) == 10
    assert {"assign_info", "status"} <= set(members[0])
    single = api.ok("GET", f"{USERS}/find_by_department", department_id="eng-robotics", page_size=50)
    assert [u["user_id"] for u in single["items"]] == ids and single["has_more"] is False
    assert api.ok("GET", f"{USERS}/find_by_department", department_id="0")["items"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"department_id": "eng", "page_size": 51}, 40011),
        ({"department_id": "eng", "page_size": 0}, 40011),
        ({"department_id": "eng", "page_size": "ten"}, 40011),
        ({"department_id": "eng", "page_token": "garbage!"}, 40012),
        ({"department_id": "eng", "page_token": "ZGVwYXJ0bWVudHM6Mw"}, 40012),  # a departments listing's token
        ({"department_id": "nowhere"}, 40004),
        ({}, 99992402),
    ],
)
def test_find_by_department_refused(api: Api, params: dict[str, Any], code: int) -> None:
    assert api.code("GET", f"{USERS}/find_by_department", **params) == code


def test_batch(api: Api) -> None:
    data = api.ok("GET", f"{USERS}/batch", user_ids=["lena", "nobody", "julia"])
    assert [u["user_id"] for u in data["items"]] == ["lena", "julia"]
    assert all("assign_info" not in u for u in data["items"])
    assert api.code("GET", f"{USERS}/batch", user_ids=[f"u{i}" for i in range(51)]) == 99992402


def test_batch_get_id(api: Api) -> None:
    data = api.ok(
        "POST",
        f"{USERS}/batch_get_id",
        {"emails": ["LENA@acme.example", "omar@acme.larksuite.com", "julia@acme.example"], "mobiles": ["+15550100015"]},
    )
    assert data["user_list"] == [
        {"email": "LENA@acme.example", "user_id": "lena", "status": {"is_frozen": False, "is_resigned": False}},
        {"email": "omar@acme.larksuite.com", "user_id": "omar", "status": {"is_frozen": False, "is_resigned": False}},
        {"email": "julia@acme.example"},
        {"mobile": "+15550100015", "user_id": "bob", "status": {"is_frozen": False, "is_resigned": False}},
    ]
    resigned = api.ok("POST", f"{USERS}/batch_get_id", {"emails": ["julia@acme.example"], "include_resigned": True})
    assert resigned["user_list"][0]["status"]["is_resigned"] is True
    assert api.code("POST", f"{USERS}/batch_get_id", {"emails": [f"u{i}@x.example" for i in range(51)]}) == 99992402


def test_delete_with_acceptors(api: Api) -> None:
    grace_docs = api.ok("GET", RESOURCES, user_id="grace")["resources"].get("docs", 0)
    assert api.ok("GET", RESOURCES, user_id="frank")["resources"]["docs"] == 23
    api.ok(
        "DELETE",
        f"{USERS}/frank",
        {"docs_acceptor_user_id": "grace", "email_acceptor": {"processing_type": "3"}},
    )
    assert api.ok("GET", RESOURCES, user_id="grace")["resources"]["docs"] == grace_docs + 23
    frank = api.ok("GET", f"{USERS}/frank")["user"]
    assert frank["status"]["is_resigned"] is True and frank["assign_info"] == []
    assert api.code("GET", RESOURCES, user_id="frank") == 41050
    assert api.code("DELETE", f"{USERS}/frank") == 41050  # already deleted


@pytest.mark.parametrize(
    ("user_id", "body", "code"),
    [
        ("sam", {}, 44037),
        ("founder", {}, 44037),
        ("frank", {"docs_acceptor_user_id": "nobody"}, 41052),
        ("frank", {"docs_acceptor_user_id": "frank"}, 41052),
        ("frank", {"email_acceptor": {"processing_type": "1"}}, 99992402),
        ("frank", {"email_acceptor": {"processing_type": "9"}}, 99992402),
    ],
)
def test_delete_refused(api: Api, user_id: str, body: dict[str, Any], code: int) -> None:
    assert api.code("DELETE", f"{USERS}/{user_id}", body) == code
    assert api.ok("GET", f"{USERS}/{user_id}")["user"]["status"]["is_resigned"] is False


def test_resurrect(api: Api) -> None:
    api.ok("POST", f"{USERS}/julia/resurrect", {"departments": [{"department_id": "people"}], "subscription_ids": []})
    julia = api.ok("GET", f"{USERS}/julia")["user"]
    assert julia["status"]["is_resigned"] is False and julia["department_ids"] == ["people"]
    assert julia["assign_info"] == []
    assert api.code("POST", f"{USERS}/julia/resurrect", {"departments": [{"department_id": "people"}]}) == 44033


def test_resurrect_after_thirty_days(api: Api, db: Path) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE members SET deleted_at = '2026-10-01' WHERE id = 'julia'")
    assert api.code("POST", f"{USERS}/julia/resurrect", {"departments": [{"department_id": "people"}]}) == 44028


@pytest.mark.parametrize(
    "body", [{}, {"departments": []}, {"departments": [{"department_id": "0"}]}, {"departments": ["people"]}]
)
def test_resurrect_needs_a_department(api: Api, body: dict[str, Any]) -> None:
    assert api.code("POST", f"{USERS}/julia/resurrect", body) == 99992402


def test_resources_extension(api: Api) -> None:
    data = api.ok("GET", RESOURCES, user_id="victor")
    assert data == {
        "user_id": "victor",
        "resources": {"docs": 7, "apps": 2, "calendar_future": 3, "forms": 2, "mail": 1, "helpdesks": 1},
    }
    assert api.ok("GET", RESOURCES, user_id="bob")["resources"] == {}
    plain = api.request("GET", RESOURCES, params={"user_id": "victor"}, by_user_id=False).json()
    assert plain["data"]["resources"]["docs"] == 7  # user_ids unless told otherwise
    by_open_id = api.request("GET", RESOURCES, params={"user_id": open_id("victor"), "user_id_type": "open_id"})
    assert by_open_id.json()["data"]["user_id"] == open_id("victor")
    every = api.ok("GET", RESOURCES)  # without user_id: every member who owns anything
    assert [item["user_id"] for item in every["items"]] == ["frank", "victor"] and every["has_more"] is False
    first = api.ok("GET", RESOURCES, page_size=1)
    assert len(first["items"]) == 1 and first["has_more"] is True
    assert api.ok("GET", RESOURCES, page_size=1, page_token=first["page_token"])["items"][0]["user_id"] == "victor"

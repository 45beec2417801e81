"""Seats, custom user fields and password resets on the example tenant."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import USERS, Api

SEATS = "/open-apis/tenant/v2/tenant/assign_info_list/query"
FIELDS = "/open-apis/contact/v3/custom_attrs"
RESET = "/open-apis/admin/v1/password/reset"


def new_user(user_id: str) -> dict[str, object]:
    return {"user_id": user_id, "name": user_id, "email": f"{user_id}@acme.example", "department_ids": ["ops"]}


def test_assign_info_list_lists_subscriptions_with_free_seats_as_strings(api: Api) -> None:
    rows = api.ok("GET", SEATS)["assign_info_list"]
    assert [(r["subscription_id"], r["total_seats"], r["assigned_seats"]) for r in rows] == [
        ("pro-2026", "40", "38"),
        ("basic-2026", "30", "4"),
    ]
    assert all(isinstance(value, str) for row in rows for value in row.values())
    assert rows[0]["license_plan_key"] == "suite_pro" and rows[0]["product_name"] == "Lark Pro"


def test_a_full_subscription_is_not_listed(api: Api) -> None:
    for user_id in ("tom", "henry"):
        api.ok("POST", USERS, {**new_user(user_id), "subscription_ids": ["pro-2026"]})
    assert [r["subscription_id"] for r in api.ok("GET", SEATS)["assign_info_list"]] == ["basic-2026"]


def test_custom_attrs(api: Api) -> None:
    items = api.ok("GET", FIELDS)["items"]
    assert [(i["id"], i["type"]) for i in items] == [("level", "ENUMERATION"), ("desk", "TEXT"), ("profile", "HREF")]
    assert [o["id"] for o in items[0]["options"]["options"]] == ["L1", "L2", "L3", "L4", "L5"]
    assert items[1]["i18n_name"] == [{"locale": "en_us", "value": "Desk"}]


def test_password_reset(api: Api) -> None:
    response = api.request("POST", RESET, {"user_id": "omar", "password": {"ent_email_password": "Secret123abc"}})
    assert response.json() == {"code": 0, "msg": "success", "data": {}}
    assert "Secret123abc" not in response.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"user_id": "bob", "password": {"ent_email_password": "Secret123abc"}}, 1050024),
        ({"user_id": "omar", "password": {"ent_email_password": "short"}}, 1050022),
        ({"user_id": "omar"}, 99992402),
        ({"user_id": "nobody", "password": {"ent_email_password": "Secret123abc"}}, 41050),
    ],
)
def test_password_reset_refused(api: Api, body: dict[str, object], code: int) -> None:
    response = api.request("POST", RESET, body)
    assert response.json()["code"] == code
    assert "Secret123abc" not in response.text and "short" not in response.json()["msg"]


def test_daily_password_reset_limit(api: Api) -> None:
    for _ in range(5):
        api.ok("POST", RESET, {"user_id": "omar", "password": {"ent_email_password": "Secret123abc"}})
    assert api.code("POST", RESET, {"user_id": "omar", "password": {"ent_email_password": "Secret123abc"}}) == 1050023

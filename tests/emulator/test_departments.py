"""Departments on the example tenant."""

from __future__ import annotations

from typing import Any

import pytest

from orgstate.emulator.ids import chat_id, open_department_id
from tests.emulator.conftest import DEPARTMENTS, USERS, Api

ALL = ["ops", "eng", "eng-platform", "eng-robotics", "legacy-qa", "sales", "sales-emea", "people", "finance"]


def test_department_object(api: Api) -> None:
    department = api.ok("GET", f"{DEPARTMENTS}/eng-robotics")["department"]
    assert department == {
        "department_id": "eng-robotics",
        "open_department_id": open_department_id("eng-robotics"),
        "name": "Robotics",
        "parent_department_id": "eng",
        "leader_user_id": "marcus",
        "order": "22",
        "create_group_chat": True,
        "chat_id": chat_id("eng-robotics"),
        "status": {"is_deleted": False},
    }
    top = api.ok("GET", f"{DEPARTMENTS}/ops")["department"]
    assert top["parent_department_id"] == "0"
    root = api.ok("GET", f"{DEPARTMENTS}/0")["department"]
    assert root["department_id"] == "0" and root["name"] == "Acme Robotics"


def test_open_department_ids_by_default(api: Api) -> None:
    data = api.request("GET", f"{DEPARTMENTS}/{open_department_id('eng-platform')}", by_user_id=False).json()["data"]
    assert data["department"]["department_id"] == "eng-platform"
    assert data["department"]["parent_department_id"] == open_department_id("eng")
    assert api.request("GET", f"{DEPARTMENTS}/eng", by_user_id=False).json()["code"] == 40004


def test_children(api: Api) -> None:
    top = api.all_pages(f"{DEPARTMENTS}/0/children", page_size=2)
    assert [d["department_id"] for d in top] == ["ops", "eng", "sales", "people", "finance"]
    everything = api.all_pages(f"{DEPARTMENTS}/0/children", fetch_child="true", page_size=4)
    assert [d["department_id"] for d in everything] == ALL
    below_eng = api.ok("GET", f"{DEPARTMENTS}/eng/children", fetch_child="false")
    assert [d["department_id"] for d in below_eng["items"]] == ["eng-platform", "eng-robotics", "legacy-qa"]
    assert below_eng["has_more"] is False and "page_token" not in below_eng


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("0/children", {"page_size": 51}, 40011),
        ("0/children", {"page_token": "bm9wZQ"}, 40012),
        ("0/children", {"fetch_child": "maybe"}, 99992402),
        ("nowhere/children", {}, 40004),
        ("nowhere", {}, 40004),
    ],
)
def test_reads_refused(api: Api, path: str, params: dict[str, Any], code: int) -> None:
    assert api.code("GET", f"{DEPARTMENTS}/{path}", **params) == code


def test_create_patch_delete(api: Api) -> None:
    body = {
        "department_id": "eng-robotics-firmware",
        "name": "Firmware",
        "parent_department_id": "eng-robotics",
        "leader_user_id": "yuki",
        "order": "23",
        "create_group_chat": False,
    }
    created = api.ok("POST", DEPARTMENTS, body, client_token="dep-1")["department"]
    assert (created["parent_department_id"], created["leader_user_id"], created["order"]) == (
        "eng-robotics",
        "yuki",
        "23",
    )
    assert api.ok("POST", DEPARTMENTS, body, client_token="dep-1")["department"] == created  # a replay
    assert api.code("POST", DEPARTMENTS, {**body, "name": "FW"}, client_token="dep-1") == 40021
    patched = api.ok(
        "PATCH", f"{DEPARTMENTS}/eng-robotics-firmware", {"name": "Firmware Team", "create_group_chat": True}
    )["department"]
    assert patched["name"] == "Firmware Team" and patched["create_group_chat"] is True
    assert patched["leader_user_id"] == "yuki" and patched["order"] == "23"
    moved = api.ok("PATCH", f"{DEPARTMENTS}/eng-robotics-firmware", {"parent_department_id": "0", "leader_user_id": ""})
    assert moved["department"]["parent_department_id"] == "0" and "leader_user_id" not in moved["department"]
    assert api.ok("DELETE", f"{DEPARTMENTS}/eng-robotics-firmware") == {}
    assert api.code("GET", f"{DEPARTMENTS}/eng-robotics-firmware") == 40004


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "Operations", "parent_department_id": "0", "department_id": "ops2"}, 40018),
        ({"name": "QA", "parent_department_id": "eng", "department_id": "qa", "order": "24"}, 43005),
        ({"name": "QA", "parent_department_id": "nowhere", "department_id": "qa"}, 41050),
        ({"name": "QA", "parent_department_id": "eng", "department_id": "0"}, 99992402),
        ({"name": "Q/A", "parent_department_id": "eng", "department_id": "qa"}, 99992402),
        ({"name": "QA", "parent_department_id": "eng", "department_id": "qa", "order": "first"}, 99992402),
        ({"name": "QA", "department_id": "qa"}, 99992402),
        ({"parent_department_id": "eng", "department_id": "qa"}, 99992402),
    ],
)
def test_create_refused(api: Api, body: dict[str, Any], code: int) -> None:
    assert api.code("POST", DEPARTMENTS, body) == code


def test_create_without_an_id_derives_it_from_the_client_token(api: Api) -> None:
    body = {"name": "QA", "parent_department_id": "eng"}
    first = api.ok("POST", DEPARTMENTS, body, client_token="qa-1")["department"]
    assert api.ok("POST", DEPARTMENTS, body, client_token="qa-1")["department"] == first


@pytest.mark.parametrize(("department", "code"), [("ops", 43011), ("labs", 43012), ("nowhere", 40004)])
def test_delete_refused(api: Api, department: str, code: int) -> None:
    api.ok("POST", DEPARTMENTS, {"department_id": "labs", "name": "Labs", "parent_department_id": "0"})
    api.ok("POST", DEPARTMENTS, {"department_id": "labs-ai", "name": "AI", "parent_department_id": "labs"})
    assert api.code("DELETE", f"{DEPARTMENTS}/{department}") == code


def test_delete_an_empty_department(api: Api) -> None:
    api.ok("DELETE", f"{DEPARTMENTS}/legacy-qa")
    assert "legacy-qa" not in [d["department_id"] for d in api.all_pages(f"{DEPARTMENTS}/0/children", fetch_child=True)]


def test_patch_refused(api: Api) -> None:
    assert api.code("PATCH", f"{DEPARTMENTS}/eng-platform", {"parent_department_id": "eng-platform"}) == 40002
    assert api.code("PATCH", f"{DEPARTMENTS}/eng-platform", {"leader_user_id": "nobody"}) == 41050
    assert api.code("PATCH", f"{DEPARTMENTS}/0", {"name": "Root"}) == 40004
    assert api.code("PATCH", f"{USERS}/bob", {"department_ids": ["nowhere"]}) == 41050

"""User groups and their members on the example tenant."""

from __future__ import annotations

from typing import Any

import pytest

from orgstate.emulator.ids import open_id
from tests.emulator.conftest import GROUPS, USERS, Api

GROUP_IDS = ["leadership", "field-sales", "support", "robotics-oncall", "interns-2026", "old-project"]


def members(*ids: str, id_type: str = "user_id") -> dict[str, Any]:
    return {"members": [{"member_id": m, "member_type": "user", "member_id_type": id_type} for m in ids]}


def test_simplelist_pages(api: Api) -> None:
    groups = api.all_pages(f"{GROUPS}/simplelist", "grouplist", page_size=4)
    assert [g["id"] for g in groups] == GROUP_IDS
    assert groups[0] == {
        "id": "leadership",
        "name": "Leadership",
        "description": "Executive team; owns the company-wide announcements",
        "member_user_count": 6,
        "member_department_count": 0,
        "type": 1,
    }
    assert api.ok("GET", f"{GROUPS}/simplelist", type=2)["grouplist"] == []
    assert api.code("GET", f"{GROUPS}/simplelist", page_size=101) == 40011
    assert api.code("GET", f"{GROUPS}/simplelist", page_token="x") == 40012


def test_member_simplelist(api: Api) -> None:
    listed = api.all_pages(
        f"{GROUPS}/field-sales/member/simplelist", "memberlist", page_size=3, member_id_type="user_id"
    )
    assert [m["member_id"] for m in listed] == ["erin", "felix", "gabriela", "jan", "klara", "mia", "frank"]
    assert listed[0] == {"member_id": "erin", "member_type": "user", "member_id_type": "user_id"}
    by_open_id = api.ok("GET", f"{GROUPS}/support/member/simplelist")["memberlist"]
    assert by_open_id[0]["member_id"] == open_id("tariq") and by_open_id[0]["member_id_type"] == "open_id"
    assert api.code("GET", f"{GROUPS}/support/member/simplelist", page_size=101) == 40011


def test_create_patch_delete(api: Api) -> None:
    created = api.ok("POST", GROUPS, {"group_id": "firmware", "name": "Firmware", "description": "FW", "type": 1})
    assert created == {"group_id": "firmware"}
    assert api.ok("PATCH", f"{GROUPS}/firmware", {"name": "Firmware Team"}) == {}
    group = api.ok("GET", f"{GROUPS}/firmware")["group"]
    assert (group["name"], group["description"], group["member_user_count"]) == ("Firmware Team", "FW", 0)
    api.ok("DELETE", f"{GROUPS}/firmware")
    assert api.code("GET", f"{GROUPS}/firmware") == 41050


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"group_id": "support", "name": "Support 2"}, 40018),
        ({"group_id": "new", "name": "Leadership"}, 40018),
        ({"group_id": "new", "name": "New", "type": 2}, 99992402),
        ({"group_id": "new"}, 99992402),
    ],
)
def test_create_refused(api: Api, body: dict[str, Any], code: int) -> None:
    assert api.code("POST", GROUPS, body) == code


def test_delete_a_group_with_members(api: Api) -> None:
    assert api.code("DELETE", f"{GROUPS}/old-project") == 42017
    api.ok("POST", f"{GROUPS}/old-project/member/batch_remove", members("li-wei", "quinn"))
    api.ok("DELETE", f"{GROUPS}/old-project")


def test_batch_add(api: Api) -> None:
    data = api.ok("POST", f"{GROUPS}/field-sales/member/batch_add", members("luca", "erin", "nobody"))
    assert data["results"] == [
        {"member_id": "luca", "code": 0},
        {"member_id": "erin", "code": 42005},
        {"member_id": "nobody", "code": 41050},
    ]
    luca = api.ok("GET", f"{USERS}/luca")["user"]
    assert [s["subscription_id"] for s in luca["assign_info"]] == ["pro-2026"]  # the group's seat
    by_open_id = api.ok(
        "POST", f"{GROUPS}/support/member/batch_add", members(open_id("luca"), "ou_nobody", id_type="open_id")
    )
    assert [r["code"] for r in by_open_id["results"]] == [0, 41050]


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("support/member/batch_add", {"members": []}, 99992402),
        ("support/member/batch_add", members(*(f"u{i}" for i in range(101))), 99992402),
        ("support/member/batch_add", {"members": [{"member_id": "bob", "member_type": "department"}]}, 99992402),
        ("nowhere/member/batch_add", members("bob"), 41050),
        ("support/member/batch_remove", members("nobody"), 41050),
        ("support/member/add", {"member_id": "tariq", "member_type": "user", "member_id_type": "user_id"}, 42005),
    ],
)
def test_member_changes_refused(api: Api, path: str, body: dict[str, Any], code: int) -> None:
    assert api.code("POST", f"{GROUPS}/{path}", body) == code


def test_single_add_remove_and_member_belong(api: Api) -> None:
    member = {"member_id": "bob", "member_type": "user", "member_id_type": "user_id"}
    api.ok("POST", f"{GROUPS}/support/member/add", member)
    belongs = api.ok("GET", f"{GROUPS}/member_belong", member_id="bob", member_id_type="user_id")
    assert belongs == {"group_list": ["support", "robotics-oncall"], "has_more": False}
    api.ok("POST", f"{GROUPS}/support/member/remove", member)
    assert api.ok("GET", f"{GROUPS}/member_belong", member_id="bob", member_id_type="user_id")["group_list"] == [
        "robotics-oncall"
    ]


def test_removing_a_member_releases_the_group_seat(api: Api) -> None:
    api.ok("POST", f"{GROUPS}/field-sales/member/batch_remove", members("erin"))
    assert api.ok("GET", f"{USERS}/erin")["user"]["assign_info"] == []

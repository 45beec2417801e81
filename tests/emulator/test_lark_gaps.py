"""What the lark backend needs from the emulator where the Open API is thin: initial
passwords set through the reset call without using up resets, a deleted user read by
id (no date), and the emulator's own call saying what a deletion did."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.conftest import USERS, Api

RESET = "/open-apis/admin/v1/password/reset"
OFFBOARDING = "/open-apis/orgstate-emulator/v1/offboarding"


def password(user_id: str, value: str = "Initial123") -> dict[str, Any]:
    return {"user_id": user_id, "password": {"ent_email_password": value}}


def resets(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT count(*) FROM password_resets").fetchone()[0])


def business_login(user_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "name": user_id.title(),
        "email": f"{user_id}@acme.example",
        "enterprise_email": f"{user_id}@acme.larksuite.com",
        "login_type": "business_email",
        "department_ids": ["ops"],
        "subscription_ids": [],
    }


def test_the_initial_password_of_a_new_member_is_no_reset(api: Api, db: Path) -> None:
    api.ok("POST", USERS, business_login("yara"))
    for _ in range(7):  # more than the day's resets: setting it again (a retry) is no reset either
        api.ok("POST", RESET, password("yara"))
    assert resets(db) == 0
    assert api.code("POST", RESET, password("yara", "short")) == 1050022


def test_an_inactive_member_switched_to_business_email_gets_an_initial_password(api: Api, db: Path) -> None:
    assert api.code("POST", RESET, password("kofi")) == 1050024  # logs in with the work email
    api.ok("PATCH", f"{USERS}/kofi", {"enterprise_email": "kofi@acme.larksuite.com", "login_type": "business_email"})
    api.ok("POST", RESET, password("kofi"))
    assert resets(db) == 0


@pytest.mark.parametrize("user_id", ["omar", "founder"], ids=["fixture-member", "signed-in"])
def test_any_other_password_call_is_a_reset(api: Api, db: Path, user_id: str) -> None:
    """Members the API did not make business-email logins, or who have signed in since."""
    api.ok("POST", RESET, password(user_id))
    assert resets(db) == 1


def test_signing_in_ends_the_initial_password(api: Api, db: Path) -> None:
    api.ok("POST", USERS, business_login("yara"))
    api.ok("PATCH", f"{USERS}/yara", {"mobile": "+15550109999"})
    with closing(sqlite3.connect(db)) as connection:  # the member accepts the invitation
        connection.execute("UPDATE members SET status = 'inactive' WHERE id = 'yara'")
        connection.commit()
    api.ok("POST", RESET, password("yara"))
    assert resets(db) == 0
    with closing(sqlite3.connect(db)) as connection:  # ... and signs in
        connection.execute("UPDATE members SET status = 'active' WHERE id = 'yara'")
        connection.commit()
    api.ok("POST", RESET, password("yara"))
    assert resets(db) == 1


def test_a_deleted_user_is_read_by_id_without_a_date(api: Api) -> None:
    user = api.ok("GET", f"{USERS}/julia")["user"]
    assert user["status"]["is_resigned"] is True and user["department_ids"] == []
    assert not {key for key in user if "delete" in key or "resign" in key}


def test_the_offboarding_extension_says_what_a_deletion_did(api: Api) -> None:
    assert api.ok("GET", OFFBOARDING, user_id="frank") == {"user_id": "frank", "transfers": {}, "retention": None}
    api.ok("DELETE", f"{USERS}/frank", {"docs_acceptor_user_id": "grace"})
    done = api.ok("GET", OFFBOARDING, user_id="frank")
    assert done["transfers"]["docs"] == {"outcome": "transferred", "count": 23, "default": False, "to": "grace"}
    assert done["retention"] == {"docs": True, "mail": True, "minutes": True}


def test_a_business_email_login_by_default_gets_an_initial_password(api: Api, db: Path) -> None:
    """No work email and no login given: the console logs the member in with the business email."""
    body = {**business_login("yara"), "login_type": None}
    del body["email"]
    api.ok("POST", USERS, {**body, "mobile": "+15550109998"})
    api.ok("POST", RESET, password("yara"))
    assert resets(db) == 0

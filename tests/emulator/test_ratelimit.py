"""Rate limits: per endpoint, per app, over a per-second and a per-minute window."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orgstate.emulator.ratelimit import RateLimiter
from orgstate.lark.endpoints import ENDPOINTS, RESTRICTED_PATCH, TIERS, Tier, tier_for
from tests.emulator.conftest import USERS, Api, FakeClock

RESET = "/open-apis/admin/v1/password/reset"
RESURRECT = f"{USERS}/founder/resurrect"


@pytest.mark.parametrize(
    ("method", "path", "name", "tier"),
    [
        ("POST", "/open-apis/auth/v3/tenant_access_token/internal", "auth.v3.tenant_access_token.internal", Tier()),
        (
            "GET",
            "/open-apis/contact/v3/users/find_by_department?department_id=0",
            "contact.v3.user.find_by_department",
            Tier(1000, 50),
        ),
        ("GET", "/open-apis/contact/v3/users/bob", "contact.v3.user.get", Tier(1000, 50)),
        ("PATCH", "/contact/v3/users/bob", "contact.v3.user.patch", Tier(1000, 50)),
        ("POST", "/open-apis/contact/v3/users/bob/resurrect", "contact.v3.user.resurrect", Tier(10, None)),
        ("DELETE", "/open-apis/contact/v3/departments/eng", "contact.v3.department.delete", Tier(1000, 50)),
        ("POST", "/open-apis/contact/v3/group", "contact.v3.group.create", Tier(100, None)),
        ("PATCH", "/open-apis/contact/v3/group/g", "contact.v3.group.patch", Tier(100, None)),
        ("GET", "/open-apis/contact/v3/group/simplelist", "contact.v3.group.simplelist", Tier(1000, 50)),
        ("POST", "/open-apis/contact/v3/group/g/member/batch_add", "contact.v3.group_member.batch_add", Tier(100)),
        ("POST", "/open-apis/contact/v3/group/g/member/add", "contact.v3.group_member.add", Tier(1000, 50)),
        (
            "GET",
            "/open-apis/tenant/v2/tenant/assign_info_list/query",
            "tenant.v2.tenant_product_assign_info.query",
            Tier(100),
        ),
        ("POST", "/open-apis/admin/v1/password/reset", "admin.v1.password.reset", Tier(None, 10)),
    ],
)
def test_tier_table(method: str, path: str, name: str, tier: Tier) -> None:
    assert tier_for(method, path) == name
    assert TIERS[name] == tier


def test_every_endpoint_has_a_tier_and_unknown_paths_none() -> None:
    assert all(endpoint.name in TIERS for endpoint, _ in ENDPOINTS)
    assert TIERS[RESTRICTED_PATCH] == Tier(per_second=1)
    with pytest.raises(KeyError):
        tier_for("GET", "/open-apis/contact/v3/nothing")


def test_limiter_windows() -> None:
    clock = FakeClock(600.0)
    limiter = RateLimiter({"api": Tier(per_minute=5, per_second=2)}, clock=clock)
    assert limiter.admit("app", ["api"]) is None and limiter.admit("app", ["api"]) is None
    refusal = limiter.admit("app", ["api"])
    assert refusal is not None and (refusal.limit, refusal.reset) == (2, 1)
    assert limiter.admit("other-app", ["api"]) is None  # counted per app
    clock.advance(1)
    assert limiter.admit("app", ["api"]) is None and limiter.admit("app", ["api"]) is None
    clock.advance(1.5)
    assert limiter.admit("app", ["api"]) is None
    refusal = limiter.admit("app", ["api"])
    assert refusal is not None and (refusal.limit, refusal.reset) == (5, 58)  # the minute ends at 660
    clock.advance(57.6)
    assert limiter.admit("app", ["api"]) is None


def test_over_the_per_second_limit(make_api: Callable[..., Api], clock: FakeClock) -> None:
    api = make_api(rate_limits=True)
    body = {"user_id": "bob", "password": {"ent_email_password": "Secret123abc"}}
    for _ in range(10):
        assert api.request("POST", RESET, body).status_code == 400  # 1050024, but counted
    refused = api.request("POST", RESET, body)
    assert refused.status_code == 429
    assert refused.json() == {"code": 99991400, "msg": "request trigger frequency limit", "data": {}}
    assert (refused.headers["x-ogw-ratelimit-limit"], refused.headers["x-ogw-ratelimit-reset"]) == ("10", "1")
    assert api.request("GET", f"{USERS}/bob").status_code == 200  # another endpoint, another counter
    clock.advance(1)
    assert api.request("POST", RESET, body).json()["code"] == 1050024


def test_over_the_per_minute_limit_then_ok_after_the_reset(make_api: Callable[..., Api], clock: FakeClock) -> None:
    api = make_api(rate_limits=True)
    clock.advance(15)  # 45 s left in this minute
    body = {"departments": [{"department_id": "ops"}]}
    for _ in range(10):
        assert api.request("POST", RESURRECT, body).json()["code"] == 44033
    refused = api.request("POST", RESURRECT, body)
    assert refused.status_code == 429
    assert (refused.headers["x-ogw-ratelimit-limit"], refused.headers["x-ogw-ratelimit-reset"]) == ("10", "45")
    clock.advance(44)
    assert api.request("POST", RESURRECT, body).status_code == 429
    clock.advance(1)
    assert api.request("POST", RESURRECT, body).json()["code"] == 44033


def test_department_and_freeze_changes_are_limited_to_one_a_second(
    make_api: Callable[..., Api], clock: FakeClock
) -> None:
    api = make_api(rate_limits=True)
    assert api.request("PATCH", f"{USERS}/bob", {"department_ids": ["eng-platform", "eng"]}).status_code == 200
    refused = api.request("PATCH", f"{USERS}/carol", {"status": {"is_frozen": True}})
    assert refused.status_code == 429 and refused.headers["x-ogw-ratelimit-limit"] == "1"
    assert api.request("GET", f"{USERS}/carol").json()["data"]["user"]["status"]["is_frozen"] is False
    assert api.request("PATCH", f"{USERS}/carol", {"job_title": "Engineer"}).status_code == 200
    clock.advance(1)
    assert api.request("PATCH", f"{USERS}/carol", {"status": {"is_frozen": True}}).status_code == 200


def test_the_token_endpoint_is_not_limited(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limits=True)
    for _ in range(60):
        assert Api(api.client).token == api.token


def test_rate_limits_off(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limits=False)
    body = {"departments": [{"department_id": "ops"}]}
    assert all(api.request("POST", RESURRECT, body).status_code == 400 for _ in range(12))

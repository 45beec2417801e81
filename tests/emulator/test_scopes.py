"""Scopes: an app without the scope an endpoint needs is refused with 99991672."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from orgstate.emulator.app import create_app
from orgstate.emulator.scopes import CONTACT_READ, CONTACT_WRITE, SEATS_READ, missing, parse_scopes
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES

SECRET = "scope-test-secret"


@pytest.mark.parametrize(
    ("granted", "endpoint", "method", "refused"),
    [
        ({CONTACT_READ}, "contact.v3.user.get", "GET", False),
        ({CONTACT_READ}, "contact.v3.user.patch", "PATCH", True),
        ({CONTACT_WRITE}, "contact.v3.user.patch", "PATCH", False),
        ({CONTACT_WRITE}, "tenant.v2.tenant_product_assign_info.query", "GET", True),
        ({SEATS_READ}, "tenant.v2.tenant_product_assign_info.query", "GET", False),
        (set(), "auth.v3.tenant_access_token.internal", "POST", False),
    ],
)
def test_which_scope_each_endpoint_needs(granted: set[str], endpoint: str, method: str, refused: bool) -> None:
    assert (missing(granted, endpoint, method) is not None) is refused


def test_unknown_scopes_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unknown scopes contact:everything"):
        parse_scopes("contact:everything")


def test_a_read_only_app_can_read_but_not_write(tmp_path: pytest.TempPathFactory) -> None:
    db = tmp_path / "t.db"  # type: ignore[operator]
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    app = create_app(db, "cli_scopes", SECRET, rate_limits=False, scopes=frozenset({CONTACT_READ}))
    with TestClient(app) as client:
        token = client.post(
            "/open-apis/auth/v3/tenant_access_token/internal", json={"app_id": "cli_scopes", "app_secret": SECRET}
        ).json()["tenant_access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        read = client.get("/open-apis/contact/v3/users/bob", params={"user_id_type": "user_id"}, headers=headers)
        assert read.json()["code"] == 0
        write = client.patch(
            "/open-apis/contact/v3/users/bob",
            params={"user_id_type": "user_id"},
            json={"name": "Robert"},
            headers=headers,
        )
        assert write.status_code == 400
        assert write.json()["code"] == 99991672
        assert CONTACT_WRITE in write.json()["msg"]
        assert (
            client.get("/open-apis/contact/v3/users/bob", params={"user_id_type": "user_id"}, headers=headers).json()[
                "data"
            ]["user"]["name"]
            != "Robert"
        )

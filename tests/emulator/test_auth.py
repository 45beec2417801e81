"""Tokens, the envelope and its headers, unknown paths, and that the secret never leaks."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.emulator.conftest import APP_ID, APP_SECRET, USERS, Api, FakeClock

TOKEN = "/open-apis/auth/v3/tenant_access_token/internal"
FOUNDER = f"{USERS}/founder"


def test_token_request_without_content_type(make_client: Callable[..., TestClient]) -> None:
    """lark-oapi sends the token request with no Content-Type header."""
    client = make_client()
    body = f'{{"app_id": "{APP_ID}", "app_secret": "{APP_SECRET}"}}'.encode()
    request = client.build_request("POST", TOKEN, content=body)
    assert "content-type" not in request.headers
    response = client.send(request)
    payload = response.json()
    assert response.status_code == 200
    assert payload["code"] == 0 and payload["msg"] == "ok"
    assert payload["tenant_access_token"].startswith("t-")
    assert payload["expire"] == 7200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"app_id": APP_ID, "app_secret": "wrong"}, 10014),
        ({"app_id": "cli_other", "app_secret": APP_SECRET}, 10014),
        ({"app_id": APP_ID}, 10003),
        ([1, 2], 10003),
    ],
)
def test_token_refused(make_client: Callable[..., TestClient], body: object, code: int) -> None:
    response = make_client().post(TOKEN, json=body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "tenant_access_token" not in response.json()


def test_missing_and_unknown_tokens(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    missing = client.get(FOUNDER, params={"user_id_type": "user_id"})
    assert (missing.status_code, missing.json()["code"]) == (400, 99991661)
    unknown = client.get(FOUNDER, params={"user_id_type": "user_id"}, headers={"Authorization": "Bearer t-nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, 99991663)
    assert "t-nope" not in unknown.text


def test_token_expires_and_is_renewed_in_its_last_half_hour(make_api: Callable[..., Api], clock: FakeClock) -> None:
    api = make_api()
    first = api.token
    clock.advance(3600)
    again = api.client.post(TOKEN, json={"app_id": APP_ID, "app_secret": APP_SECRET}).json()
    assert again["tenant_access_token"] == first and again["expire"] == 3600  # more than 30 min left: the same
    clock.advance(2000)
    renewed = api.client.post(TOKEN, json={"app_id": APP_ID, "app_secret": APP_SECRET}).json()
    assert renewed["tenant_access_token"] != first and renewed["expire"] == 7200
    assert api.request("GET", FOUNDER).json()["code"] == 0  # the old token stays valid until it expires
    clock.advance(1700)
    assert api.request("GET", FOUNDER).json()["code"] == 99991663
    api.token = renewed["tenant_access_token"]
    assert api.request("GET", FOUNDER).json()["code"] == 0


def test_short_token_lifetime(make_api: Callable[..., Api], clock: FakeClock) -> None:
    api = make_api(token_ttl=60)
    clock.advance(61)
    assert api.request("GET", FOUNDER).json()["code"] == 99991663


def test_envelope_and_request_headers(api: Api) -> None:
    response = api.request("GET", FOUNDER)
    payload = response.json()
    assert set(payload) == {"code", "msg", "data"}
    assert payload["code"] == 0 and payload["data"]["user"]["user_id"] == "founder"
    assert response.headers["X-Tt-Logid"] and response.headers["X-Request-Id"] == response.headers["X-Tt-Logid"]
    failed = api.request("GET", f"{USERS}/nobody")
    assert failed.status_code == 400 and failed.headers["X-Tt-Logid"]
    assert failed.json()["error"]["log_id"] == failed.headers["X-Tt-Logid"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/open-apis/contact/v3/nothing", 404),
        ("GET", "/elsewhere", 404),
        ("PUT", FOUNDER, 405),
    ],
)
def test_unknown_paths_and_methods(api: Api, method: str, path: str, status: int) -> None:
    response = api.request(method, path)
    assert response.status_code == status
    assert response.json()["code"] == status and "data" in response.json()
    assert response.headers["X-Tt-Logid"]


def test_bad_json_body(api: Api) -> None:
    response = api.client.post(
        USERS,
        params={"user_id_type": "user_id"},
        content=b"{not json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert (response.status_code, response.json()["code"]) == (400, 99992402)


def test_no_response_or_log_line_holds_the_secret(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(rate_limits=True)
    texts = [
        client.post(TOKEN, json={"app_id": APP_ID, "app_secret": APP_SECRET}).text,
        client.post(TOKEN, json={"app_id": APP_ID, "app_secret": APP_SECRET + "x"}).text,
        client.post(TOKEN, json={"app_id": "cli_other", "app_secret": APP_SECRET}).text,
    ]
    token = client.post(TOKEN, json={"app_id": APP_ID, "app_secret": APP_SECRET}).json()["tenant_access_token"]
    for path in (FOUNDER, f"{USERS}/nobody", "/open-apis/nothing"):
        response = client.get(path, params={"user_id_type": "user_id"}, headers={"Authorization": f"Bearer {token}"})
        texts.append(response.text + str(response.headers))
    assert all(APP_SECRET not in text for text in texts)
    assert all(APP_SECRET not in record.getMessage() and token not in record.getMessage() for record in caplog.records)
    assert APP_SECRET not in repr(client.app.state.emulator)

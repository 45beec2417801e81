"""The emulator on the example tenant (examples/tenant.yaml, at its fixed date), in
process through starlette's TestClient.

`api` is a client already holding a token; `make_api(**options)` builds one with
other create_app options (rate limits, faults, token lifetime). Time for tokens and
rate limits comes from `clock`, which tests move by hand."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgstate.emulator.app import create_app
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES

with warnings.catch_warnings():  # starlette 1.x prefers httpx2 for its TestClient; httpx works the same
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

APP_ID = "cli_emulator_tests"
APP_SECRET = "emulator-test-secret-Zq8Kx2Lm"
USERS = "/open-apis/contact/v3/users"
DEPARTMENTS = "/open-apis/contact/v3/departments"
GROUPS = "/open-apis/contact/v3/group"
BY_USER_ID = {"user_id_type": "user_id", "department_id_type": "department_id"}


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A test client speaking the Open API with a token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        response = client.post(
            "/open-apis/auth/v3/tenant_access_token/internal", json={"app_id": APP_ID, "app_secret": APP_SECRET}
        )
        assert response.json()["code"] == 0, response.text
        self.token = response.json()["tenant_access_token"]

    def request(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None, by_user_id: bool = True
    ) -> httpx.Response:
        query = {**(BY_USER_ID if by_user_id else {}), **(params or {})}
        return self.client.request(
            method, path, params=query, json=body, headers={"Authorization": f"Bearer {self.token}"}
        )

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """The data of a call that must succeed."""
        response = self.request(method, path, body, params)
        payload = response.json()
        assert response.status_code == 200 and payload["code"] == 0, response.text
        return payload["data"]

    def code(self, method: str, path: str, body: Any = None, **params: Any) -> int:
        """The code of a call that must fail (HTTP 400)."""
        response = self.request(method, path, body, params)
        assert response.status_code == 400, response.text
        return int(response.json()["code"])

    def all_pages(self, path: str, items_key: str = "items", **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            data = self.ok("GET", path, **params, **({"page_token": token} if token else {}))
            items.extend(data[items_key])
            if not data["has_more"]:
                assert "page_token" not in data
                return items
            token = data["page_token"]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("emulator") / "tenant.db"
    init_tenant(path, load_fixture(EXAMPLES / "tenant.yaml"))
    return path


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(db: Path, clock: FakeClock) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        options.setdefault("rate_limits", False)
        client = TestClient(create_app(db, APP_ID, APP_SECRET, clock=clock, **options))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def make_api(make_client: Callable[..., TestClient]) -> Callable[..., Api]:
    return lambda **options: Api(make_client(**options))


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()

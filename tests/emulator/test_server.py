"""The real server: uvicorn in a child process on a free port, spoken to over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

APP_ID = "cli_emulator_server_test"
SECRET = "server-test-secret-9f3Kq"
LAUNCH = (
    "import sys; from pathlib import Path; from orgstate.emulator.server import serve; "
    "serve(Path(sys.argv[1]), 0, sys.argv[2], None, True, None, 7200)"
)


def test_serve_on_a_free_port(db: Path) -> None:
    env = {**os.environ, "LARK_APP_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(db), APP_ID],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:"), line
        url = line.removeprefix("emulator listening on ")
        assert int(url.rsplit(":", 1)[1]) > 0
        with httpx.Client(base_url=url, timeout=10) as client:
            # as lark-oapi does it: no Content-Type on the token request
            token = client.post(
                "/open-apis/auth/v3/tenant_access_token/internal",
                content=f'{{"app_id": "{APP_ID}", "app_secret": "{SECRET}"}}'.encode(),
            ).json()["tenant_access_token"]
            response = client.get(
                "/open-apis/contact/v3/users/founder",
                params={"user_id_type": "user_id"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 200 and response.json()["data"]["user"]["name"] == "Dana Whitfield"
        assert response.headers["X-Tt-Logid"] and "server" not in response.headers
        _lark_oapi_reads_a_user(url)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert process.returncode is not None
    assert out == "" and err.strip() == ""  # the one line was all
    assert SECRET not in out + err


def _lark_oapi_reads_a_user(url: str) -> None:
    """The official SDK talks to the emulator as it would to Lark."""
    lark = pytest.importorskip("lark_oapi")
    from lark_oapi.api.contact.v3 import GetUserRequest

    client = lark.Client.builder().app_id(APP_ID).app_secret(SECRET).domain(url).timeout(5)
    client = client.log_level(lark.LogLevel.ERROR).build()
    request = GetUserRequest.builder().user_id("lena").user_id_type("user_id").department_id_type("department_id")
    response = client.contact.v3.user.get(request.build())
    assert response.success(), (response.code, response.msg)
    assert response.data.user.name == "Lena Okafor"
    assert response.data.user.department_ids == ["ops", "people"]

"""The lark backend's environment settings: LARK_TIMEOUT and LARK_MAX_ATTEMPTS are taken
when positive numbers and refused with one clear line otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.urls import lark_origin
from orgstate.errors import UsageError
from tests.conftest import EXAMPLES, ROOT

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on loopback's port 9


def backend() -> LarkBackend:
    return LarkBackend(UNREACHABLE, app_id="cli_settings", app_secret="settings-secret")


def test_unset_settings_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LARK_TIMEOUT", raising=False)
    monkeypatch.delenv("LARK_MAX_ATTEMPTS", raising=False)
    assert backend().api.attempts == 8


def test_max_attempts_is_how_often_a_call_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LARK_MAX_ATTEMPTS", "2")
    lark = backend()
    lark.api.sleep = lambda seconds: None
    with pytest.raises(Exception, match="after 2 attempts"):
        lark.read_snapshot()
    assert lark.api.requests == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LARK_MAX_ATTEMPTS", "0"),
        ("LARK_MAX_ATTEMPTS", "2.5"),
        ("LARK_MAX_ATTEMPTS", "many"),
        ("LARK_TIMEOUT", "-1"),
        ("LARK_TIMEOUT", "nan"),
        ("LARK_TIMEOUT", ""),
    ],
)
def test_a_setting_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError, match=f"^{name} must be a positive .*number, not '"):
        backend()


def test_the_command_line_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LARK_APP_ID": "cli_settings",
        "LARK_APP_SECRET": "settings-secret",
        "LARK_MAX_ATTEMPTS": "zero",
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = ("plan", "-f", str(EXAMPLES / "org.yaml"), "--backend", f"lark:{UNREACHABLE}")
    result = subprocess.run(
        [sys.executable, "-m", "orgstate", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: LARK_MAX_ATTEMPTS must be a positive whole number, not 'zero'"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://open.larksuite.com/", "https://open.larksuite.com"),
        ("https://OPEN.larksuite.com:8443", "https://open.larksuite.com:8443"),
        ("http://127.0.0.1:18777", "http://127.0.0.1:18777"),
        ("http://localhost:9/", "http://localhost:9"),
        ("http://[::1]:80", "http://[::1]:80"),
    ],
)
def test_a_lark_url_names_the_open_apis_origin(url: str, origin: str) -> None:
    assert lark_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:18777",  # no scheme
        "http://open.larksuite.com",  # the app secret in clear text over the network
        "ftp://open.larksuite.com",
        "https://open.larksuite.com/open-apis",
        "https://open.larksuite.com?x=1",
        "https://open.larksuite.com#x",
        "https://open.larksuite.com:99999",
        "https://[::1",
        "https://",
    ],
)
def test_any_other_lark_url_is_refused_before_anything_is_sent(url: str) -> None:
    with pytest.raises(UsageError, match=r"expected lark:https://HOST\[:PORT\]"):
        lark_origin(url)


def test_a_lark_url_holding_a_password_is_not_quoted_back() -> None:
    with pytest.raises(UsageError) as refused:
        lark_origin("https://admin:hunter2@open.larksuite.com")
    assert "hunter2" not in str(refused.value) and "admin" not in str(refused.value)

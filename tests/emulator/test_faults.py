"""Fault injection: seeded, before the engine (except timeout, which applies then stalls)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from orgstate.emulator.faults import DEFAULT_STALL_SECONDS, Fault, FaultSpec
from orgstate.errors import UsageError
from tests.emulator.conftest import USERS, Api


def test_parse() -> None:
    spec = FaultSpec.parse("5xx=0.05, 429=0.05,timeout=0.01,html502=0.01,seed=7")
    assert spec.probabilities == (
        (Fault.SERVER_ERROR, 0.05),
        (Fault.RATE_LIMITED, 0.05),
        (Fault.TIMEOUT, 0.01),
        (Fault.HTML_502, 0.01),
    )
    assert (spec.seed, spec.stall) == (7, DEFAULT_STALL_SECONDS)
    assert FaultSpec.parse("timeout=1,stall=0.5").stall == 0.5


@pytest.mark.parametrize("spec", ["5xx", "503=0.1", "5xx=2", "5xx=0.6,429=0.6", "seed=x", "stall=-1", "5xx=abc"])
def test_parse_refused(spec: str) -> None:
    with pytest.raises(UsageError, match="--faults"):
        FaultSpec.parse(spec)


def test_same_seed_same_faults() -> None:
    spec = FaultSpec.parse("5xx=0.2,429=0.2,html502=0.2,seed=7")
    first, second = spec.injector(), spec.injector()
    draws = [first.draw() for _ in range(200)]
    assert draws == [second.draw() for _ in range(200)]
    assert {Fault.SERVER_ERROR, Fault.RATE_LIMITED, Fault.HTML_502, None} == set(draws)


def statuses(api: Api, count: int) -> list[int]:
    return [api.request("GET", f"{USERS}/bob").status_code for _ in range(count)]


def test_faults_over_http_are_deterministic(make_api: Callable[..., Api]) -> None:
    spec = FaultSpec.parse("5xx=0.2,429=0.2,html502=0.2,seed=11")
    first = statuses(make_api(faults=spec), 40)
    assert first == statuses(make_api(faults=spec), 40)
    assert {200, 429, 500, 502} == set(first)


def test_server_error_applies_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=FaultSpec.parse("5xx=1"))
    response = api.request("PATCH", f"{USERS}/bob", {"job_title": "Boss"})
    assert response.status_code == 500
    assert response.json()["code"] == 40003 and response.headers["X-Tt-Logid"]
    assert make_api().ok("GET", f"{USERS}/bob")["user"]["job_title"] == "Site Reliability Engineer"


def test_html_502(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=FaultSpec.parse("html502=1"))
    response = api.request("PATCH", f"{USERS}/bob", {"job_title": "Boss"})
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    assert make_api().ok("GET", f"{USERS}/bob")["user"]["job_title"] == "Site Reliability Engineer"


def test_injected_429(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=FaultSpec.parse("429=1"))
    response = api.request("GET", f"{USERS}/bob")
    assert response.status_code == 429 and response.json()["code"] == 99991400
    assert (response.headers["x-ogw-ratelimit-limit"], response.headers["x-ogw-ratelimit-reset"]) == ("50", "1")


def test_timeout_applies_then_stalls(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=FaultSpec.parse("timeout=1,stall=0.3"))
    started = time.monotonic()
    response = api.request("PATCH", f"{USERS}/bob", {"job_title": "Boss"})
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert make_api().ok("GET", f"{USERS}/bob")["user"]["job_title"] == "Boss"


def test_the_token_endpoint_is_never_faulted(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=FaultSpec.parse("5xx=1"))
    assert api.token.startswith("t-")

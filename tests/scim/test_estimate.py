"""The scim backend's estimate (appliers/scim/estimate.py) against what apply sends: for
plans of every kind of change, on a provider that filters and patches and on one that
does neither (every look-up reads the list, page by page), the plan's requests per
method and resource type are the requests scim2-server receives."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from orgstate.appliers.scim.backend import PAGE_SIZE_ENV, RATE_ENV
from tests.conftest import EXAMPLES
from tests.scim.conftest import ScimServer, fronting, plain_provider, seed, start_server
from tests.scim.test_apply import OFFBOARD, orgstate

RATE = 500  # requests a second (SCIM_RATE)


@pytest.fixture(params=["filters and patches", "neither"])
def provider(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    options = [] if request.param == "filters and patches" else plain_provider(tmp_path_factory.mktemp("spc"), False)
    server = start_server(*options)
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


def sent(lines: list[str]) -> Counter[str]:
    """`GET /v2/Users/ab12?...` -> `GET /Users`, counted."""
    found: Counter[str] = Counter()
    for line in lines:
        method, target = line.split(" ", 1)
        found[f"{method} /{urlsplit(target).path.split('/')[2]}"] += 1
    return found


@pytest.mark.parametrize("scenario", ["offboarding", "the example organization"])
def test_the_estimate_is_the_requests_apply_sends(
    provider: ScimServer, tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RATE_ENV, str(RATE))
    if scenario == "offboarding":
        monkeypatch.setenv(PAGE_SIZE_ENV, "3")  # lists of two pages
        seed(provider.client())
        (tmp_path / "org.yaml").write_text(OFFBOARD.replace("members: [carol]}", "members: [carol, bob]}"))
    else:
        monkeypatch.setenv(PAGE_SIZE_ENV, "50")  # one page (the offboarding has several): a quicker test
        shutil.copy(EXAMPLES / "org.yaml", tmp_path)
        shutil.copy(EXAMPLES / "seats-basic.csv", tmp_path)
    with fronting(provider) as proxy:
        backend = f"scim:{proxy.url}"
        code, output = orgstate(tmp_path, "plan", "--backend", backend, "-out", "plan.json", "--allow-removals", "5")
        assert code == 0, output
        plan = json.loads((tmp_path / "plan.json").read_text())
        actions = {f"{change['type']}.{change['action']}" for change in plan["changes"]}
        proxy.forwarded.clear()
        code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
        assert code == 0, output
    if scenario == "offboarding":
        assert actions >= {"member.update", "member.delete", "group_member.add"}, actions
    else:
        assert actions >= {"member.create", "member.suspend", "user_group.create", "group_member.add"}, actions
    estimate = plan["estimate"]
    assert {name: endpoint["requests"] for name, endpoint in estimate["endpoints"].items()} == sent(proxy.forwarded)
    requests = len(proxy.forwarded)
    assert estimate["seconds"] == pytest.approx(requests / RATE, abs=0.1)

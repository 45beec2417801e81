"""The plan's estimate of apply through the lark backend is honest: against the emulator
with its rate limits on, the requests it counts for each endpoint are exactly those an
apply of the plan sends, and its seconds are the pacing model (limits.apply_seconds)
applied to them. The model itself is checked on its own."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml

from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.lark.client import LarkApi
from orgstate.appliers.lark.estimate import COUNTS, apply_requests
from orgstate.appliers.lark.limits import apply_seconds, minimum_seconds, refresh_seconds
from orgstate.appliers.local import LocalBackend
from orgstate.config.loader import load_config
from orgstate.emulator.process import start_emulator
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.lark.endpoints import RESTRICTED_PATCH
from orgstate.model.live import LiveMember, TenantState
from orgstate.pipeline import check, make_plan, read_snapshot
from orgstate.planner.plan import Plan
from orgstate.render.plan_text import render_plan_text
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant, load_fixture, state_for
from tests.appliers.test_registry import missing
from tests.conftest import EXAMPLES

SECRET = "s3cr3t-emulator-app-secret-0123456789"
TODAY = dt.date(2026, 11, 21)
NEWCOMERS = 110  # with the example's members, a new group of more than 100: two batches, two pages


def test_every_operation_has_a_count() -> None:
    assert missing(COUNTS) == []


@pytest.mark.parametrize(
    ("tier", "requests", "seconds"),
    [
        ("contact.v3.user.patch", 0, 0.0),
        ("contact.v3.user.patch", 50, 0.0),  # one second's worth goes at once
        ("contact.v3.user.patch", 51, 1.0),
        ("contact.v3.user.patch", 1000, 19.0),
        ("contact.v3.user.patch", 1001, 60.0),  # the minute's 1000 are spent
        ("contact.v3.group.create", 100, 0.0),
        ("contact.v3.group.create", 101, 60.0),
        (RESTRICTED_PATCH, 10, 9.0),
        ("auth.v3.tenant_access_token.internal", 10**6, 0.0),  # no limit
        ("orgstate_emulator.v1.resources", 7, 0.0),
    ],
)
def test_the_least_time_one_endpoint_allows(tier: str, requests: int, seconds: float) -> None:
    assert minimum_seconds(tier, requests) == seconds


def test_the_refresh_reads_the_departments_first_then_the_rest_at_once() -> None:
    calls = {"contact.v3.department.children": 51, "contact.v3.user.find_by_department": 120, "contact.v3.user.get": 60}
    assert refresh_seconds(calls) == 1.0 + 2.0


def test_apply_is_the_larger_of_its_two_bounds() -> None:
    """Phases one after another, unless one tier's requests over both phases take longer."""
    refresh = {"contact.v3.user.find_by_department": 100, "contact.v3.user.get": 1000}
    assert apply_seconds(refresh, {"contact.v3.user.patch": 100}) == 19.0 + 1.0
    assert apply_seconds(refresh, {"contact.v3.user.get": 1500}) == 120.0  # 2,500 gets: third minute
    assert apply_seconds({}, {}) == 0.0


# -- against the emulator ----------------------------------------------------------------------


def scenario_files(tmp_path: Path) -> tuple[Path, TenantState]:
    """A second organization, to reach what the example plan does not: a new group of
    more than 100 members (two batches; member lists of two pages), members removed from
    a group in one batch, a resumption, a seat released, a login switched before the first
    sign-in and a new business-email login (initial passwords), a department move (the
    1/s limit) and a group renamed."""
    shutil.copy(EXAMPLES / "seats-basic.csv", tmp_path / "seats-basic.csv")
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / "org.yaml").read_text())
    document["members"] += [
        {"id": f"n{number:03d}", "name": f"Newcomer {number}", "department": "finance", "seat": None}
        | {"work_email": f"n{number:03d}@acme.example"}
        for number in range(1, NEWCOMERS + 1)
    ]
    before = tmp_path / "before.yaml"
    before.write_text(yaml.safe_dump(document, sort_keys=False))
    document["members"].append(
        {
            "id": "newbie",
            "name": "New Bie",
            "department": "ops",
            "work_email": "newbie@acme.example",
            "business_email": "newbie@acme.larksuite.com",
            "login": "business_email",
            "seat": None,
        }
    )
    everyone = [member["id"] for member in document["members"]]
    document["user_groups"].append({"id": "everyone", "name": "Everyone", "members": everyone})
    after = tmp_path / "org.yaml"
    after.write_text(yaml.safe_dump(document, sort_keys=False))
    config = load_config([before]).config
    assert config is not None
    state = state_for(config, TODAY)
    return after, state.model_copy(update={"members": tuple(map(edited, state.members)), "user_groups": groups(state)})


def edited(member: LiveMember) -> LiveMember:
    fields = member.member
    if member.id == "kofi":
        return member.model_copy(update={"status": "suspended"})
    if member.id == "rita":
        return member.model_copy(update={"seat": "pro-2026"})
    if member.id == "sam":
        return member.model_copy(update={"status": "invited", "member": fields.model_copy(update={"login": None})})
    if member.id == "lena":
        return member.model_copy(update={"member": fields.model_copy(update={"department": "finance"})})
    return member


def groups(state: TenantState) -> tuple[Any, ...]:
    extra = tuple(f"n{number:03d}" for number in range(1, 6))
    return tuple(
        group.model_copy(update={"members": group.members + extra})
        if group.id == "leadership"
        else group.model_copy(update={"name": "Interns"})
        if group.id == "interns-2026"
        else group
        for group in state.user_groups
    )


def example_files(tmp_path: Path) -> tuple[Path, TenantState]:
    """The example organization and tenant (a deleted member included: the plan restores him)."""
    return EXAMPLES / "org.yaml", load_fixture(EXAMPLES / "tenant.yaml")


@pytest.mark.parametrize("scenario", [example_files, scenario_files], ids=["example", "batches"])
def test_the_estimate_counts_each_request_apply_sends(scenario: Any, tmp_path: Path) -> None:
    org, state = scenario(tmp_path)
    init_tenant(tmp_path / "lark.db", state)
    app_id = f"cli_estimate_{time.monotonic_ns()}"
    server = start_emulator(tmp_path / "lark.db", app_id, SECRET, "--rate-limits", "on")
    try:
        api = LarkApi(server.url, app_id, SECRET)
        backend = LarkBackend(server.url, api=api)
        checked = check([org])
        snapshot = read_snapshot(checked, backend)  # as `plan` reads it: declared members looked up
        read = Counter(api.calls)
        plan = make_plan(checked, backend, snapshot, f"lark:{server.url}")
        assert plan.applyable, [d.message for d in plan.diagnostics if d.is_error]
        api.calls.clear()
        with closing(open_store(f"sqlite:{tmp_path / 'state.db'}")) as store:
            result = apply_plan(plan, backend, store, PasswordFile(tmp_path, "passwords"))
    finally:
        assert SECRET not in server.stop()
    assert result.ok, (result.failed, result.skipped)
    assert api.retries == 0  # a retried request is counted twice, and the estimate counts none
    sent = Counter(api.calls)
    refresh, changes = apply_requests(plan, snapshot, extended=True)
    assert refresh == read  # apply's refresh reads what the plan's read did
    assert dict(refresh + changes) == dict(sent), (refresh + changes - sent, sent - refresh - changes)
    assert plan.estimate is not None
    endpoints = {name: endpoint.requests for name, endpoint in plan.estimate.endpoints.items()}
    assert endpoints == {name: n for name, n in sent.items() if name != RESTRICTED_PATCH}
    assert plan.estimate.seconds == round(apply_seconds(read, sent - read), 1)
    assert plan.estimate.endpoints["contact.v3.user.patch"].seconds >= minimum_seconds(
        RESTRICTED_PATCH, sent[RESTRICTED_PATCH]
    )
    assert sent[RESTRICTED_PATCH] > 0
    line = f"({sum(endpoints.values()):,} requests to the API)."
    assert line in render_plan_text(plan).splitlines()[-1]


def test_the_batches_scenario_reaches_what_the_example_does_not(tmp_path: Path) -> None:
    """So that the test above covers each of them (not a tautology of an empty plan)."""
    org, state = scenario_files(tmp_path)
    checked = check([org])
    init_tenant(tmp_path / "local.db", state)
    with closing(LocalBackend(tmp_path / "local.db")) as backend:
        plan = make_plan(checked, backend, read_snapshot(checked, backend), "local:local.db")
    summary = plan.summary
    assert summary["group_member.add"] > 100 and summary["group_member.remove"] == 5
    assert summary["user_group.create"] == summary["member.resume"] == summary["seat.release"] == 1
    assert summary["user_group.update"] == 1 and summary["member.create"] == 1
    sam = next(c for c in plan.changes if c.address == "member.sam")
    assert sam.after_data() == {"login": "business_email"}
    lena = next(c for c in plan.changes if c.address == "member.lena")
    assert lena.after_data() == {"department": "ops"}


def test_the_local_backend_is_instant_and_says_nothing_of_it(tmp_path: Path) -> None:
    org, state = example_files(tmp_path)
    init_tenant(tmp_path / "local.db", state)
    checked = check([org])
    with closing(LocalBackend(tmp_path / "local.db")) as backend:
        plan: Plan = make_plan(checked, backend, read_snapshot(checked, backend), "local:local.db")
    assert plan.has_changes and plan.estimate is not None
    assert (plan.estimate.seconds, plan.estimate.endpoints) == (0.0, {})
    assert "Apply will take" not in render_plan_text(plan)

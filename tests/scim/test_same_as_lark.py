"""The planner is not tied to one API: the example organization planned against the
example tenant through the lark emulator and through scim2-server (seeded with the same
tenant, through the scim backend) gives the same member and group changes, for the
fields both can hold."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orgstate.appliers.scim.mapping import MEMBER_ROWS
from orgstate.tenant.fixture import init_tenant
from tests.appliers.test_lark_e2e import ORG, Emulator, comparable_tenant, serve
from tests.conftest import EXAMPLES, run_orgstate
from tests.scim.conftest import ScimServer

KINDS = ("member", "user_group", "group_member")


@pytest.fixture
def emulators() -> Iterator[list[Emulator]]:
    started: list[Emulator] = []
    yield started
    for emulator in started:
        emulator.running.stop()


def held(change: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """A change as both backends can carry it: its kind, action, address and the fields of
    its payload that SCIM holds."""
    after = change["after"] or {}
    job = after.get("job") or {}
    held = {row.path for row in MEMBER_ROWS}
    fields = {k: v for k, v in after.items() if k in held or k in ("status", "members")}
    fields |= {f"job.{k}": v for k, v in job.items() if f"job.{k}" in held}
    if change["type"] == "user_group":
        fields = {k: after[k] for k in ("id", "name") if k in after}
    return change["type"], change["action"], change["address"], fields


def carried(changes: list[dict[str, Any]]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The member and group changes, less updates of fields SCIM does not hold alone (a
    SCIM plan leaves those out)."""
    found = [held(c) for c in changes if c["type"] in KINDS]
    return [c for c in found if c[1] != "update" or c[3]]


def test_the_same_scenario_plans_the_same_member_and_group_changes(
    emulators: list[Emulator], scim_server: ScimServer, tmp_path: Path
) -> None:
    emulator = serve(emulators, tmp_path, "same", "--rate-limits", "off")
    # The same tenant into the SCIM provider: its export, applied through the scim backend.
    init_tenant(tmp_path / "tenant.db", comparable_tenant())
    scim = f"scim:{scim_server.url}"
    # The example organization less what SCIM cannot carry out at all (named recipients
    # of a leaver's resources are an error there, not a warning).
    org = yaml.safe_load(Path(ORG).read_text())
    del org["offboarding"]
    (tmp_path / "org.yaml").write_text(yaml.safe_dump(org))
    shutil.copy(EXAMPLES / "seats-basic.csv", tmp_path)
    for args in (
        ("export", "--backend", f"local:{tmp_path / 'tenant.db'}", "-o", "tenant.yaml"),
        ("apply", "-f", "tenant.yaml", "--backend", scim, "--auto-approve", "--allow-removals", "100"),
    ):
        done = run_orgstate(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    through_scim = run_orgstate("plan", "--backend", scim, "--format", "json", cwd=tmp_path)
    through_lark = emulator.run("plan", "--backend", emulator.backend, "--format", "json", cwd=tmp_path)
    for done in (through_scim, through_lark):
        assert done.returncode == 0, [d for d in json.loads(done.stdout)["diagnostics"] if d["severity"] == "error"]
    scim_changes = carried(json.loads(through_scim.stdout)["changes"])
    lark_changes = carried(json.loads(through_lark.stdout)["changes"])
    assert sorted(scim_changes, key=str) == sorted(lark_changes, key=str)
    assert len(scim_changes) > 5

"""Drift: changed fields, unmanaged and missing objects, members pending offboarding, in
every format, and the exit codes a scheduled job relies on (2 on drift, 0 when clean).
How the report reads at any size is tests/drift/test_drift_report.py."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from orgstate.config.loader import load_config
from orgstate.drift.detect import DriftItem, detect_drift
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.context import ALL_CAPABILITIES
from orgstate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from orgstate.render.drift_html import render_drift_html
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, run_orgstate
from tests.planner.conftest import declaring, live_state, member

ORG = str(EXAMPLES / "org.yaml")


def drift_of(config: dict, live: dict) -> list[tuple[str, str, str | None]]:
    report = detect_drift(OrgConfig.model_validate(config), TenantState.model_validate(live), "local:x")
    return [(item.kind, item.address, item.field) for item in report.items]


def test_no_drift_when_the_tenant_matches() -> None:
    live = live_state()
    assert drift_of(declaring(live), live) == []


def test_each_kind_of_drift() -> None:
    live = live_state()
    config = declaring(live)
    live["members"][3]["job"] = {"manager": "boss", "title": "Boss of web"}  # changed out of band
    live["members"][4]["status"] = "suspended"
    live["members"].append(member("intruder"))  # unmanaged
    config["members"].append(member("newbie", seat="pro"))  # missing
    config["policy"]["members"] = "additive"  # a plan would leave the intruder alone; drift still shows it
    live["departments"].append({"id": "shadow", "name": "Shadow"})
    live["members"].append(member("leaver"))  # offboarded by the configuration, still live
    config["offboarding"] = [{"id": "leaver"}]
    assert drift_of(config, live) == [
        ("changed", "member.dev", "status"),
        ("changed", "member.lead", "job.title"),
        ("unmanaged", "department.shadow", None),
        ("unmanaged", "member.intruder", None),
        ("missing", "member.newbie", None),
        ("offboarding", "member.leaver", None),
    ]


def test_a_changed_field_names_live_and_declared_values() -> None:
    config = load_config([EXAMPLES / "org.yaml"]).config
    assert config is not None
    report = detect_drift(config, load_fixture(EXAMPLES / "tenant.yaml"), "local:x")
    assert (
        DriftItem(
            "changed",
            "member.bob",
            "job.title",
            "Site Reliability Engineer",
            "Senior Site Reliability Engineer",
            name="Bob Martin",
            department="eng-platform",
        )
        in report.items
    )
    assert report.summary == {"changed": 21, "unmanaged": 3, "missing": 6, "offboarding": 1}
    assert report.organization == "Acme Robotics"
    assert report.ignored == ("member.svc-backup",)


def test_a_pending_rename_is_one_changed_id_as_the_plan_has_it() -> None:
    """`lead` declared as `lead.ng` (renamed_from), with a new name and `dev` managed by the new
    id: the id and the name change at the new address, nothing is missing or unmanaged, and
    what names the member (a manager, a leader, a group) follows the rename."""
    live = live_state(user_groups=[{"id": "ship", "name": "Ship", "members": ["lead", "dev"]}])
    config = declaring(live)
    config["members"][3] |= {"id": "lead.ng", "renamed_from": "lead", "name": "Lead Ng"}
    config["members"][4]["job"] = {"manager": "lead.ng"}
    config["departments"][1]["leader"] = "lead.ng"
    config["user_groups"][0]["members"] = ["lead.ng", "dev"]
    report = detect_drift(
        OrgConfig.model_validate(config), TenantState.model_validate(live), "local:x", created_at="2026-11-21T22:00:00Z"
    )
    department = config["members"][3]["department"]
    assert report.items == (
        DriftItem("changed", "member.lead.ng", "id", "lead", "lead.ng", "Lead Ng", department),
        DriftItem("changed", "member.lead.ng", "name", "Lead", "Lead Ng", "Lead Ng", department),
    )
    assert "    ~ member.lead.ng (Lead Ng) id: live lead, declared lead.ng" in render_drift_text(report)
    assert "| `member.lead.ng` | Lead Ng | id | lead | lead.ng |" in render_drift_markdown(report)
    assert json.loads(render_drift_json(report))["items"][0] == {
        "kind": "changed",
        "address": "member.lead.ng",
        "field": "id",
        "live": "lead",
        "declared": "lead.ng",
        "name": "Lead Ng",
        "department": department,
    }
    assert (
        '<td class="object"><code class="address">member.lead.ng</code><span class="name">Lead Ng</span></td>'
        '<td class="field">id</td><td class="live">lead</td><td class="declared">lead.ng</td>'
    ) in render_drift_html(report)


@pytest.fixture
def applied(tmp_path: Path) -> Path:
    """The example tenant after `apply`: no drift, until someone edits it by hand."""
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=tmp_path).returncode == 0
    assert run_orgstate("apply", "-f", ORG, "--auto-approve", cwd=tmp_path).returncode == 0
    return tmp_path


def test_after_apply_there_is_no_drift(applied: Path) -> None:
    result = run_orgstate("drift", "-f", ORG, cwd=applied)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("No drift: the tenant matches the configuration.")


@pytest.mark.parametrize("output_format", ["text", "markdown", "json", "html"])
def test_an_out_of_band_change_is_reported_with_its_field(applied: Path, output_format: str) -> None:
    with sqlite3.connect(applied / ".orgstate" / "tenant.db") as db:
        db.execute("UPDATE members SET phone = '+15559999999' WHERE id = 'bob' AND status != 'deleted'")
    result = run_orgstate("drift", "-f", ORG, "--format", output_format, cwd=applied)
    assert result.returncode == 2, result.stderr
    output = result.stdout
    if output_format == "json":
        document = json.loads(output)
        assert document["drift"] is True
        assert document["summary"] == {"changed": 1, "unmanaged": 0, "missing": 0, "offboarding": 0}
        (item,) = document["items"]
        assert item == {
            "kind": "changed",
            "address": "member.bob",
            "field": "phone",
            "live": "+15559999999",
            "declared": "+15550100015",
            "name": "Bob Martin",
            "department": "eng-platform",
        }
    else:
        assert "member.bob" in output and "phone" in output and "+15559999999" in output


def test_drift_can_be_written_to_a_file(applied: Path) -> None:
    with sqlite3.connect(applied / ".orgstate" / "tenant.db") as db:
        db.execute("UPDATE departments SET name = 'Money' WHERE id = 'finance'")
    result = run_orgstate("drift", "-f", ORG, "--format", "html", "--out", "drift.html", cwd=applied)
    assert result.returncode == 2
    # The summary is the result, on standard output; the notice is on standard error, as plan's.
    assert result.stdout == "Drift: 1 changed\n"
    assert result.stderr.splitlines()[-1] == "Report written to drift.html."
    assert "Money" in (applied / "drift.html").read_text()


def test_renderers_agree_on_an_empty_report() -> None:
    live = live_state()
    report = detect_drift(
        OrgConfig.model_validate(declaring(live)),
        TenantState.model_validate(live),
        "local:x",
        created_at="2026-11-21T22:00:00Z",
    )
    assert render_drift_text(report).endswith("No drift: the tenant matches the configuration.")
    assert "No drift" in render_drift_markdown(report)
    assert json.loads(render_drift_json(report))["items"] == []


def test_every_form_says_what_the_backend_cannot_compare() -> None:
    """A backend without group seats: drift cannot compare the group's seat, and says so."""
    live = live_state(user_groups=[{"id": "ship", "name": "Ship", "members": ["lead"], "seat": "pro"}])
    report = detect_drift(
        OrgConfig.model_validate(declaring(live)),
        TenantState.model_validate(live),
        "lark:x",
        capabilities=ALL_CAPABILITIES - {"group_seats"},
        created_at="2026-11-21T22:00:00Z",
    )
    [note] = report.diagnostics
    assert note.rule == "BACKEND-CAPABILITY" and "'ship' (pro)" in note.message
    assert f"BACKEND-CAPABILITY {note.message}" in render_drift_text(report)
    assert "`BACKEND-CAPABILITY`" in render_drift_markdown(report)
    assert json.loads(render_drift_json(report))["diagnostics"][0]["rule"] == "BACKEND-CAPABILITY"
    assert '<ul id="notes">' in render_drift_html(report) and "BACKEND-CAPABILITY" in render_drift_html(report)

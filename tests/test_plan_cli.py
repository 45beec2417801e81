"""orgstate plan and show from the command line: the README flow on the examples."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from orgstate.config.loader import load_config
from orgstate.render.plan_json import plan_schema
from orgstate.tenant.fixture import init_tenant, state_for
from tests.conftest import EXAMPLES, run_orgstate


@pytest.fixture
def tenant(tmp_path: Path) -> Path:
    db = tmp_path / "tenant.db"
    assert run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db)).returncode == 0
    return db


def plan(db: Path, *args: str, config: str = "examples/org.yaml") -> subprocess.CompletedProcess[str]:
    return run_orgstate("plan", "-f", config, "--backend", f"local:{db}", *args)


def test_the_example_plan_exits_2_with_detailed_exitcode(tenant: Path) -> None:
    result = plan(tenant, "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    text = result.stdout
    for expected in (
        "+ member.henry create",
        "+ member.julia restore (deleted 10 days ago; transferred data, the department and admin roles do not "
        "come back)",
        "~ member.bob update (changed)",
        '    job.title: "Site Reliability Engineer" -> "Senior Site Reliability Engineer"',
        "~ resources.frank transfer (offboarding entry) ! irreversible",
        "    approvals (3) -> diego [default]",
        "- member.victor delete (live, not declared) ! irreversible",
        "+ seat.hannah assign (rule)",
        "Ignored (policy.ignore): member.svc-backup",
        "Plan: 21 to add, 14 to change, 6 to remove.",
    ):
        assert expected in text
    assert "\x1b[" not in text


def test_without_detailed_exitcode_changes_exit_0(tenant: Path) -> None:
    assert plan(tenant).returncode == 0


def test_no_changes_exit_0_even_with_detailed_exitcode(tmp_path: Path) -> None:
    loaded = load_config([EXAMPLES / "org.yaml"])
    assert loaded.config is not None
    db = tmp_path / "converged.db"
    init_tenant(db, state_for(loaded.config, dt.date(2026, 11, 21), founder="founder"))
    result = plan(db, "--detailed-exitcode")
    assert result.returncode == 0, result.stdout
    assert "No changes." in result.stdout


def test_formats_and_a_saved_plan(tenant: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    as_json = plan(tenant, "--format", "json", "--out", str(saved))
    document = json.loads(as_json.stdout)
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert json.loads(saved.read_text())["changes"] == document["changes"]
    assert document["fingerprints"]["member.frank"].startswith("sha256:")
    assert document["config_digest"].startswith("sha256:") and document["state_digest"].startswith("sha256:")
    markdown = plan(tenant, "--format", "markdown").stdout
    assert markdown.startswith("## orgstate plan: 21 to add, 14 to change, 6 to remove")
    shown = run_orgstate("show", str(saved))
    assert shown.returncode == 0
    text = plan(tenant).stdout
    assert shown.stdout.splitlines()[1:] == text.splitlines()[1:]  # the header carries the creation time
    assert run_orgstate("show", str(saved), "--format", "json").stdout.strip() == saved.read_text().strip()


def test_a_plan_needing_more_seats_than_bought_fails(tenant: Path, tmp_path: Path) -> None:
    """Everyone outside eng moves to pro-2026, declared as 50 seats while the tenant bought 40."""
    text = (EXAMPLES / "org.yaml").read_text()
    for old, new in (
        ("  - {plan: basic-2026, from_file: seats-basic.csv}", "#"),
        ("  - {plan: basic-2026, from_plan: pro-2026}", "#"),
        ("{plan: basic-2026, all_members: true}", "{plan: pro-2026, all_members: true}"),
        ("      seats: 40", "      seats: 50"),
    ):
        assert old in text
        text = text.replace(old, new)
    variant = tmp_path / "org.yaml"
    variant.write_text(text)
    result = plan(tenant, "--detailed-exitcode", config=str(variant))
    assert result.returncode == 1
    output = " ".join(result.stdout.split())
    assert "SEAT-CAPACITY" in output and "PLAN-MISMATCH" in output
    assert "plan 'pro-2026' has 40 seats live but 42 would hold one" in output
    assert "This plan cannot be applied because of 1 error." in output


def test_static_errors_stop_before_the_backend(tmp_path: Path) -> None:
    result = run_orgstate("plan", "-f", "examples/invalid/ref-unknown.yaml", "--backend", f"local:{tmp_path}/x.db")
    assert result.returncode == 1
    assert "REF-UNKNOWN" in result.stdout
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ("nowhere", "expected local:PATH"),
        ("lark:https://open.larksuite.com", "the lark backend needs LARK_APP_ID and LARK_APP_SECRET"),
        ("scim:https://idp.example/scim/v2", "the scim backend needs a bearer token in SCIM_TOKEN"),
        ("scim:http://idp.example/scim/v2", "expected scim:https://HOST"),
    ],
)
def test_bad_backends_are_one_line_errors(backend: str, message: str) -> None:
    result = run_orgstate("plan", "-f", "examples/org.yaml", "--backend", backend)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_missing_tenant_says_how_to_create_one(tmp_path: Path) -> None:
    result = plan(tmp_path / "none.db")
    assert result.returncode == 1
    assert "run 'orgstate local init --from TENANT.yaml'" in result.stderr


def test_removal_limits_can_be_lifted_for_one_plan(tenant: Path, tmp_path: Path) -> None:
    variant = tmp_path / "org.yaml"
    variant.write_text((EXAMPLES / "org.yaml").read_text().replace("max_removals: 10", "max_removals: 2"))
    (tmp_path / "seats-basic.csv").write_text((EXAMPLES / "seats-basic.csv").read_text())
    refused = plan(tenant, config=str(variant))
    assert refused.returncode == 1
    assert "REMOVAL-LIMIT" in refused.stdout and "--allow-removals 6" in refused.stdout
    assert plan(tenant, "--allow-removals", "6", config=str(variant)).returncode == 0


def test_show_refuses_a_file_that_is_not_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "9"}')
    result = run_orgstate("show", str(path))
    assert result.returncode == 1
    assert "not an orgstate plan" in result.stderr

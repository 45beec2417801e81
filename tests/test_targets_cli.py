"""`plan --target` and `apply --target` from the command line, with Terraform's
single-dash spellings (-target, -out): every format says the plan is targeted, a saved
targeted plan applies just its changes, and an unknown address is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from orgstate.model.live import TenantState
from orgstate.tenant.fixture import init_tenant
from tests.conftest import run_orgstate
from tests.planner.test_targets import changed_org


@pytest.fixture
def org(tmp_path: Path) -> tuple[Path, str]:
    config, live = changed_org()
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    db = tmp_path / "tenant.db"
    init_tenant(db, TenantState.model_validate(live))
    return path, f"local:{db}"


def test_plan_target_says_so_in_every_format(org: tuple[Path, str], tmp_path: Path) -> None:
    config, backend = org
    saved = tmp_path / "plan.json"
    text = run_orgstate("plan", "-f", str(config), "--backend", backend, "-target", "member.amy", "-out", str(saved))
    assert text.returncode == 0, text.stderr
    assert "Targeted plan: only member.amy and what they depend on." in text.stdout
    assert "Warning: this plan is targeted" in text.stdout and "not for routine use" in text.stdout
    assert "against the live tenant" in text.stdout
    assert "member.dev" not in text.stdout and "+ member.mia create" in text.stdout
    document = json.loads(saved.read_text())
    assert document["targets"] == ["member.amy"] and document["format_version"] == "1.4"
    markdown = run_orgstate("show", str(saved), "--format", "markdown").stdout
    assert "> **Targeted plan**: only `member.amy` and what they depend on." in markdown
    as_json = run_orgstate(
        "plan", "-f", str(config), "--backend", backend, "--target", "member.amy", "--format", "json"
    )
    assert json.loads(as_json.stdout)["targets"] == ["member.amy"]


def test_a_saved_targeted_plan_applies_just_its_changes(org: tuple[Path, str], tmp_path: Path) -> None:
    config, backend = org
    saved = tmp_path / "plan.json"
    assert run_orgstate("plan", "-f", str(config), "--backend", backend, "--out", str(saved)).returncode == 0
    targeted = tmp_path / "targeted.json"
    made = run_orgstate(
        "plan", "-f", str(config), "--backend", backend, "--target", "member.lead", "--out", str(targeted)
    )
    assert made.returncode == 0, made.stderr
    state = tmp_path / "state.db"
    applied = run_orgstate("apply", str(targeted), "--backend", backend, "--state", f"sqlite:{state}")
    assert applied.returncode == 0, applied.stderr
    assert "1 applied" in applied.stdout
    after = run_orgstate("plan", "-f", str(config), "--backend", backend, "--format", "json")
    remaining = {change["address"] for change in json.loads(after.stdout)["changes"]}
    assert "member.lead" not in remaining and {"member.amy", "member.dev"} <= remaining


def test_apply_target_plans_and_applies_only_the_target(org: tuple[Path, str], tmp_path: Path) -> None:
    config, backend = org
    state = f"sqlite:{tmp_path / 'state.db'}"
    applied = run_orgstate(
        "apply", "-f", str(config), "--backend", backend, "--state", state, "-target", "member.amy", "--auto-approve"
    )
    assert applied.returncode == 0, applied.stderr
    assert "Targeted plan: only member.amy" in applied.stdout
    after = run_orgstate("plan", "-f", str(config), "--backend", backend, "--format", "json")
    remaining = {change["address"] for change in json.loads(after.stdout)["changes"]}
    assert not {"member.amy", "member.mia", "department.qa"} & remaining and "member.dev" in remaining


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("plan", "--target", "member.amyy"),
            "error: --target 'member.amyy': no such member is declared or live (did you mean 'member.amy'?)",
        ),
        (("plan", "-target", "seat.amy"), "error: --target 'seat.amy' is not an address of the form"),
        (("apply", "--target", "member.amyy", "--auto-approve"), "error: --target 'member.amyy': no such member"),
    ],
)
def test_an_unknown_target_is_one_clear_line(org: tuple[Path, str], args: tuple[str, ...], message: str) -> None:
    config, backend = org
    result = run_orgstate(*args, "-f", str(config), "--backend", backend)
    assert result.returncode == 1
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_a_saved_plan_takes_no_target(org: tuple[Path, str], tmp_path: Path) -> None:
    config, backend = org
    saved = tmp_path / "plan.json"
    assert run_orgstate("plan", "-f", str(config), "--backend", backend, "--out", str(saved)).returncode == 0
    result = run_orgstate("apply", str(saved), "--backend", backend, "--target", "member.amy")
    assert result.returncode == 1
    assert "a saved plan is applied as it was made: give --target to plan --out instead" in result.stderr


def test_plan_help_names_drift_as_the_refresh_only_view_and_the_aliases() -> None:
    text = " ".join(run_orgstate("plan", "--help").stdout.split())
    assert "A refresh-only view (what changed in the tenant, without planning) is `orgstate drift`." in text
    assert "-out, --out FILE" in text and "-target, --target ADDRESS" in text
    assert "-target, --target ADDRESS" in " ".join(run_orgstate("apply", "--help").stdout.split())


def test_short_options_elsewhere_still_work(org: tuple[Path, str], tmp_path: Path) -> None:
    _, backend = org
    out = tmp_path / "exported.yaml"
    result = run_orgstate("export", "--backend", backend, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()

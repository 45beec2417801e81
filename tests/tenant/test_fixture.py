"""Tenant fixtures: local init then local show round-trips; bad fixtures change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgstate.errors import ConfigError
from orgstate.model.live import TenantState
from orgstate.tenant import Tenant
from orgstate.tenant.fixture import init_tenant, load_fixture
from orgstate.tenant.snapshot import read_state
from tests.conftest import EXAMPLES, run_orgstate


def test_local_init_then_show_round_trips_the_example(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    created = run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db))
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"created {db}: Acme Robotics")
    shown = run_orgstate("local", "show", "--db", str(db), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert TenantState.model_validate(json.loads(shown.stdout)) == load_fixture(EXAMPLES / "tenant.yaml")


def test_show_output_is_itself_a_fixture(tmp_path: Path) -> None:
    """JSON is YAML: what `local show` prints seeds an identical tenant."""
    first = tmp_path / "first.db"
    init_tenant(first, load_fixture(EXAMPLES / "tenant.yaml"))
    shown = run_orgstate("local", "show", "--db", str(first), "--format", "json").stdout
    (tmp_path / "shown.yaml").write_text(shown)
    second = tmp_path / "second.db"
    assert run_orgstate("local", "init", "--from", str(tmp_path / "shown.yaml"), "--db", str(second)).returncode == 0
    assert run_orgstate("local", "show", "--db", str(second), "--format", "json").stdout == shown


def test_the_example_tenant_holds_what_the_plan_needs(tmp_path: Path) -> None:
    state = load_fixture(EXAMPLES / "tenant.yaml")
    db = tmp_path / "tenant.db"
    init_tenant(db, state)
    with Tenant(db) as tenant:
        live = read_state(tenant)
        pro = next(plan for plan in live.org.plans if plan.id == "pro-2026")
        assert pro.seats - tenant.seats_used("pro-2026") <= 2  # close to capacity
        deleted = [m for m in live.members if m.status == "deleted"]
        assert [(m.id, str(m.deleted_at)) for m in deleted] == [("julia", "2026-11-11")]
        assert any(m.id.startswith("svc-") for m in live.members)
        assert any(g.seat for g in live.user_groups)
        frank = tenant.member("frank")
        assert frank.member.job.manager is not None and frank.resources.docs == 23


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    assert run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db)).returncode == 0
    again = run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db))
    assert again.returncode == 1
    assert "already exists; pass --force" in again.stderr
    forced = run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db), "--force")
    assert forced.returncode == 0


BROKEN = """\
version: 1
tenant: {name: Broken, founder: boss}
org:
  plans: [{id: pro, edition: pro, seats: 1, starts: 2026-01-01, expires: 2027-01-01}]
departments:
  - {id: eng, name: Engineering, leader: ghost}
members:
  - {id: boss, name: Boss, department: eng, work_email: boss@b.example, seat: pro}
  - {id: amy, name: Amy, department: qa, work_email: amy@b.example, seat: pro}
  - {id: gone, name: Gone, department: eng, work_email: gone@b.example, status: deleted}
"""


def test_a_bad_fixture_reports_every_problem_located_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    db = tmp_path / "tenant.db"
    with pytest.raises(ConfigError) as caught:
        init_tenant(db, load_fixture(path))
    found = [(d.rule, d.line, d.path) for d in caught.value.diagnostics]
    assert found == [
        ("SEAT-CAPACITY", 4, "org.plans[0].seats"),
        ("REF-UNKNOWN", 6, "departments[0].leader"),
        ("REF-UNKNOWN", 9, "members[1].department"),
        ("CFG-SCHEMA", 10, "members[2]"),
    ]
    assert not db.exists()
    result = run_orgstate("local", "init", "--from", str(path), "--db", str(db))
    assert result.returncode == 1
    assert f"{path}:6:" in result.stderr and "Traceback" not in result.stderr
    assert not db.exists()


def test_show_without_a_tenant_says_what_to_do(tmp_path: Path) -> None:
    result = run_orgstate("local", "show", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert "run 'orgstate local init --from TENANT.yaml'" in result.stderr


def test_show_as_text_summarises(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    text = run_orgstate("local", "show", "--db", str(db)).stdout
    assert text.splitlines()[0] == "Acme Robotics (founder founder, today 2026-11-21)"
    assert "plan pro-2026: pro, 38/40 seats, 2026-01-01 to 2027-01-01" in text
    assert "admin sam: billing, member_and_department" in text


ORG_NAMED = """\
version: 1
tenant: {founder: boss, today: 2026-11-21}
org:
  name: Acme
  plans: [{id: pro, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01}]
departments:
  - {id: eng, name: Engineering}
members:
  - {id: boss, name: Boss, department: eng, work_email: boss@b.example, seat: pro}
"""


def test_a_fixture_may_name_the_organization_as_the_configuration_does(tmp_path: Path) -> None:
    """SPEC section 6: the fixture uses the configuration language, so `org.name` names the tenant."""
    path = tmp_path / "tenant.yaml"
    path.write_text(ORG_NAMED)
    db = tmp_path / "tenant.db"
    created = run_orgstate("local", "init", "--from", str(path), "--db", str(db))
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"created {db}: Acme")
    shown = run_orgstate("local", "show", "--db", str(db), "--format", "json").stdout
    assert json.loads(shown)["tenant"]["name"] == "Acme"
    (tmp_path / "shown.yaml").write_text(shown)
    again = tmp_path / "again.db"
    assert run_orgstate("local", "init", "--from", str(tmp_path / "shown.yaml"), "--db", str(again)).returncode == 0
    assert run_orgstate("local", "show", "--db", str(again), "--format", "json").stdout == shown


@pytest.mark.parametrize(
    ("tenant_name", "problem"),
    [
        ("Acme", None),
        ("Globex", "org.name 'Acme' differs from tenant.name 'Globex'"),
    ],
)
def test_org_name_and_tenant_name_must_agree(tmp_path: Path, tenant_name: str, problem: str | None) -> None:
    path = tmp_path / "tenant.yaml"
    path.write_text(ORG_NAMED.replace("{founder: boss,", f"{{name: {tenant_name}, founder: boss,"))
    if problem is None:
        assert load_fixture(path).tenant.name == "Acme"
        return
    with pytest.raises(ConfigError) as caught:
        load_fixture(path)
    [found] = caught.value.diagnostics
    assert (found.rule, found.line, found.path) == ("CFG-SCHEMA", 4, "org.name")
    assert problem in found.message
    db = tmp_path / "tenant.db"
    result = run_orgstate("local", "init", "--from", str(path), "--db", str(db))
    assert result.returncode == 1 and f"{path}:4:" in result.stderr and "Traceback" not in result.stderr
    assert not db.exists()


def test_a_fixture_without_any_name_says_where_to_put_one(tmp_path: Path) -> None:
    path = tmp_path / "tenant.yaml"
    path.write_text(ORG_NAMED.replace("  name: Acme\n", ""))
    with pytest.raises(ConfigError) as caught:
        load_fixture(path)
    assert [(d.rule, d.path) for d in caught.value.diagnostics] == [("CFG-SCHEMA", "tenant.name")]


# What the tenant's database keeps unique, each repeated once; local init must refuse it
# located, as validate does for a configuration, not stop at the database's constraint.
REPEATS = {
    "plan id": (
        "plans: [{id: pro, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01}]",
        "plans: [{id: pro, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01},"
        " {id: pro, edition: basic, seats: 5, starts: 2026-01-01, expires: 2027-01-01}]",
        "org.plans[1].id",
    ),
    "field id": ("fields: []", "fields: [{id: f, name: F, type: text}, {id: f, name: G, type: text}]", "fields[1].id"),
    "department name under one parent": (
        "  - {id: ops, name: Ops, parent: eng}",
        "  - {id: ops, name: Web, parent: eng}",
        "departments[2].name",
    ),
    "order under one parent": (
        "  - {id: ops, name: Ops, parent: eng}",
        "  - {id: ops, name: Ops, parent: eng, order: 1}",
        "departments[2].order",
    ),
    "user group name": (
        "  - {id: g2, name: G2, members: []}",
        "  - {id: g2, name: G1, members: []}",
        "user_groups[1].name",
    ),
    "group member": (
        "  - {id: g1, name: G1, members: [boss]}",
        "  - {id: g1, name: G1, members: [boss, boss]}",
        "user_groups[0].members[1]",
    ),
    "department of a member": ("departments: [web]", "departments: [web, web]", "members[0].departments[1]"),
    "admin role": ("admins: {boss: [billing]}", "admins: {boss: [billing, billing]}", "tenant.admins.boss[1]"),
}
UNIQUE = """\
version: 1
tenant: {name: Acme, founder: boss, today: 2026-11-21, admins: {boss: [billing]}}
org:
  plans: [{id: pro, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01}]
fields: []
departments:
  - {id: eng, name: Engineering}
  - {id: web, name: Web, parent: eng, order: 1}
  - {id: ops, name: Ops, parent: eng}
members:
  - {id: boss, name: Boss, department: eng, departments: [web], work_email: boss@b.example}
user_groups:
  - {id: g1, name: G1, members: [boss]}
  - {id: g2, name: G2, members: []}
"""


def test_a_fixture_without_repeats_loads(tmp_path: Path) -> None:
    path = tmp_path / "unique.yaml"
    path.write_text(UNIQUE)
    init_tenant(tmp_path / "tenant.db", load_fixture(path))


@pytest.mark.parametrize("what", REPEATS)
def test_a_fixture_that_repeats_what_the_tenant_keeps_unique_is_refused_located(tmp_path: Path, what: str) -> None:
    original, repeated, where = REPEATS[what]
    assert UNIQUE.count(original) == 1
    path = tmp_path / "repeats.yaml"
    path.write_text(UNIQUE.replace(original, repeated))
    db = tmp_path / "tenant.db"
    result = run_orgstate("local", "init", "--from", str(path), "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"ID-UNIQUE {where}: {what} " in result.stderr, result.stderr
    assert not db.exists()

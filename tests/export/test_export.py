"""export: the live tenant as configuration that validates clean and plans to no
changes; --split; and --merge, which keeps a hand-written file's comments and order."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from orgstate.config.loader import load_config
from orgstate.diagnostics import has_errors
from orgstate.export.document import export_document
from orgstate.export.merge import merge_into
from orgstate.export.split import write_split
from orgstate.export.writer import to_yaml
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.rules.check import check_static
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, run_orgstate
from tests.planner.test_properties import organization
from tests.tenant.conftest import BASE


def plans_to_nothing(paths: list[Path], state: TenantState) -> None:
    loaded = load_config(paths)
    assert loaded.config is not None, loaded.diagnostics
    static = check_static(loaded.config, loaded.sources)
    assert not has_errors(static), static
    plan = build_plan(loaded.config, state, sources=loaded.sources)
    assert plan.changes == (), [c.model_dump() for c in plan.changes]
    assert plan.applyable, plan.diagnostics


def test_the_example_tenant_exports_to_a_configuration_with_nothing_to_do(tmp_path: Path) -> None:
    state = load_fixture(EXAMPLES / "tenant.yaml")
    path = tmp_path / "org.yaml"
    path.write_text(to_yaml(export_document(state)))
    plans_to_nothing([path], state)


def test_split_export_writes_a_file_per_department(tmp_path: Path) -> None:
    state = load_fixture(EXAMPLES / "tenant.yaml")
    written, removed = write_split(tmp_path / "org", export_document(state), "")
    assert removed == []
    names = sorted(path.name for path in written)
    assert names[0:2] == ["eng-platform.yaml", "eng-robotics.yaml"] and "org.yaml" in names
    assert all("\nmembers:" not in path.read_text() for path in written if path.name == "org.yaml")
    plans_to_nothing([tmp_path / "org"], state)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organization())
def test_generated_tenants_export_to_configurations_with_nothing_to_do(org: dict[str, Any]) -> None:
    state = TenantState.model_validate(org["live"])
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "org.yaml"
        path.write_text(to_yaml(export_document(state)))
        plans_to_nothing([path], state)


HAND_WRITTEN = """\
# yaml-language-server: $schema=../schemas/org.schema.json
version: 1
org:
  name: Acme Robotics   # the legal name lives in billing
  plans:
    - {id: pro, edition: pro, seats: 10, starts: 2026-01-01, expires: 2027-01-01}
departments:
  # Engineering first: it is the biggest
  - id: web
    name: Web
    parent: eng
  - id: eng
    name: Engineering
    leader: boss
  - id: ops
    name: Operations
members:
  - id: lead        # keep: the team lead
    name: Lead
    work_email: lead@acme.example
    department: web
    phone: "+15550100001"
    job: {manager: boss}
    seat: pro
  - id: gone
    name: Gone
    department: web
    work_email: gone@acme.example
"""


def test_merge_keeps_comments_and_order_and_says_what_changed(tmp_path: Path) -> None:
    state = TenantState.model_validate(
        {
            **BASE,
            "tenant": {**BASE["tenant"], "name": "Acme Robotics"},
            "members": [{**m, "name": "Lead Dev"} if m["id"] == "lead" else m for m in BASE["members"]],
        }
    )
    path = tmp_path / "org.yaml"
    path.write_text(HAND_WRITTEN)
    changes = merge_into(path, export_document(state))
    text = path.read_text()
    # The hand-written comments and layout survive byte for byte around what changed.
    assert text.startswith(HAND_WRITTEN.split("departments:")[0])
    assert (
        "departments:\n  # Engineering first: it is the biggest\n  - id: web\n    name: Web\n    parent: eng\n" in text
    )
    assert "  - id: lead        # keep: the team lead\n    name: Lead Dev\n    work_email: lead@acme.example\n" in text
    assert "    job: {manager: boss}\n    seat: pro\n" in text
    assert changes[:4] == [
        "added field.level",
        "updated department.web: leader",
        "removed member.gone (not live)",
        "updated member.lead: name",
    ]
    assert "added member.boss" in changes and "added member.dev" in changes
    assert text.index("id: lead") < text.index("id: boss")  # new members go at the end
    plans_to_nothing([path], state)


def test_merge_of_a_file_already_in_step_changes_nothing(tmp_path: Path) -> None:
    state = load_fixture(EXAMPLES / "tenant.yaml")
    path = tmp_path / "org.yaml"
    path.write_text(to_yaml(export_document(state)))
    before = path.read_text()
    assert merge_into(path, export_document(state)) == []
    assert path.read_text() == before


def test_export_from_the_command_line(tmp_path: Path) -> None:
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=tmp_path).returncode == 0
    printed = run_orgstate("export", cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout.startswith("# Exported from local:.orgstate/tenant.db")
    assert run_orgstate("export", "-o", "org.yaml", cwd=tmp_path).stdout.strip() == "wrote org.yaml"
    assert run_orgstate("plan", "-f", "org.yaml", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    assert run_orgstate("export", "--split", "org", cwd=tmp_path).returncode == 0
    assert run_orgstate("plan", "-f", "org", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    merged = run_orgstate("export", "--merge", "org.yaml", cwd=tmp_path)
    assert merged.stdout.strip() == "Merged into org.yaml: nothing to change"
    both = run_orgstate("export", "-o", "a.yaml", "--split", "b", cwd=tmp_path)
    assert both.returncode == 1 and "choose one of" in both.stderr

"""The pipeline returns values and raises OrgstateErrors; it never prints or exits.
(The commands' output and exit codes are tested through the CLI: tests/test_cli.py.)"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from orgstate.appliers.urls import open_backend
from orgstate.errors import ConfigError
from orgstate.pipeline import check, make_plan, read_snapshot
from orgstate.tenant.fixture import init_tenant, load_fixture

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("name", ["dept-cycle.yaml", "cfg-schema.yaml"])
def test_a_configuration_with_errors_is_returned_with_its_diagnostics(name: str) -> None:
    checked = check([EXAMPLES / "invalid" / name])
    assert checked.has_errors
    assert any(diagnostic.is_error for diagnostic in checked.diagnostics)


def test_steps_that_need_a_clean_configuration_refuse_one_with_errors(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    checked = check([EXAMPLES / "invalid" / "dept-cycle.yaml"])
    with closing(open_backend(f"local:{db}")) as backend, pytest.raises(ConfigError) as raised:
        read_snapshot(checked, backend)
    assert raised.value.diagnostics == list(checked.diagnostics)


def test_a_clean_configuration_plans_with_its_static_diagnostics_first(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    checked = check([EXAMPLES / "org.yaml"])
    assert not checked.has_errors
    with closing(open_backend(f"local:{db}")) as backend:
        plan = make_plan(checked, backend, read_snapshot(checked, backend), f"local:{db}")
    assert plan.diagnostics[: len(checked.diagnostics)] == checked.diagnostics
    assert plan.backend == f"local:{db}" and plan.has_changes

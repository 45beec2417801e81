"""The command line as a user runs it: exit codes, output formats, no tracebacks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.config.test_yamlsafe import billion_laughs
from tests.conftest import EXAMPLES, MINIMAL, run_orgstate


def test_json_output_has_the_diagnostic_shape(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    bob = "  - {id: bob, name: Bob, department: eng, work_email: bob@tiny.example, job: {manager: alcie}}"
    path.write_text(MINIMAL + bob + "\n")
    result = run_orgstate("validate", "-f", str(path), "--format", "json")
    assert result.returncode == 1
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert diagnostic == {
        "severity": "error",
        "rule": "REF-UNKNOWN",
        "address": "member.bob",
        "file": str(path),
        "line": 7,
        "column": bob.index("manager") + 1,
        "path": "members[1].job.manager",
        "message": "unknown member 'alcie' (did you mean 'alice'?)",
    }


def test_warnings_alone_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        MINIMAL.replace("org: {name: Tiny}", WARN_ORG)
        + "  - {id: bob, name: Bob, department: eng, work_email: bob@tiny.example}\n"
        + "seat_assignments:\n  - {plan: pro, all_members: true}\n"
    )
    result = run_orgstate("validate", "-f", str(path))
    assert result.returncode == 0, result.stdout
    assert "warning SEAT-CAPACITY" in result.stdout
    assert result.stdout.strip().endswith("1 warning")


WARN_ORG = """org:
  name: Tiny
  plans: [{id: pro, edition: pro, seats: 1, starts: 2026-01-01, expires: 2027-01-01}]
policy: {seats: {on_shortage: warn}}"""


def test_the_default_config_is_org_yaml_then_org_dir(tmp_path: Path) -> None:
    assert run_orgstate("validate", cwd=tmp_path).returncode == 1
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "main.yaml").write_text(MINIMAL)
    assert run_orgstate("validate", cwd=tmp_path).returncode == 0
    (tmp_path / "org.yaml").write_text("version: 1\n")
    result = run_orgstate("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert "org.yaml:1:1: error CFG-SCHEMA" in result.stdout


def test_user_errors_print_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = run_orgstate("validate", "-f", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file or directory"
    assert "Traceback" not in result.stderr
    result = run_orgstate("validate", cwd=tmp_path)
    assert result.stderr.strip() == "error: no configuration: pass -f PATH, or create org.yaml or org/"


def test_a_yaml_bomb_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_bytes(b"version: 1\n" + billion_laughs())
    started = time.monotonic()
    result = run_orgstate("validate", "-f", str(path), timeout=10)
    assert result.returncode == 1
    assert "billion laughs" in result.stdout
    assert time.monotonic() - started < 10


def test_an_oversized_file_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(2**30)
    result = run_orgstate("validate", "-f", str(path), timeout=10)
    assert result.returncode == 1
    assert "over the limit of 64 MiB" in result.stdout


def test_no_colour_without_a_terminal(tmp_path: Path) -> None:
    result = run_orgstate("validate", "-f", "examples/invalid/ref-unknown.yaml")
    assert "\x1b[" not in result.stdout


def test_version_and_help() -> None:
    assert run_orgstate("--version").stdout.strip() == "orgstate, version 0.1.0"
    help_text = run_orgstate("--help").stdout
    assert "validate" in help_text and "schema" in help_text


def test_orgstate_toml_supplies_defaults(tmp_path: Path) -> None:
    assert (
        run_orgstate(
            "local", "init", "--from", str(EXAMPLES / "tenant.yaml"), "--db", "t/tenant.db", cwd=tmp_path
        ).returncode
        == 0
    )
    (tmp_path / "orgstate.toml").write_text(
        f'backend = "local:t/tenant.db"\nstate = "sqlite:t/state.db"\nconfig = ["{EXAMPLES / "org.yaml"}"]\n'
    )
    assert run_orgstate("plan", "--detailed-exitcode", cwd=tmp_path).returncode == 2
    assert run_orgstate("apply", "--auto-approve", cwd=tmp_path).returncode == 0
    assert (tmp_path / "t" / "state.db").exists()
    assert run_orgstate("plan", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    # An option on the command line still wins.
    assert run_orgstate("plan", "--backend", "local:nowhere.db", cwd=tmp_path).returncode == 1


def test_a_bad_orgstate_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "orgstate.toml").write_text("backend = \n")
    result = run_orgstate("validate", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("error: orgstate.toml:")
    (tmp_path / "orgstate.toml").write_text('colour = "blue"\n')
    assert "unknown setting colour" in run_orgstate("validate", cwd=tmp_path).stderr


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--detailed-exitcode", "--formt", "json"),
        ("drift", "--format", "pdf"),
        ("plan", "--target", "x"),
        ("validate", "stray-argument"),
        ("no-such-command",),
        ("local", "init"),
    ],
)
def test_a_usage_mistake_exits_1_not_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Exit 2 means changes present or drift found: a typo in a CI step must not read as drift."""
    result = run_orgstate(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr

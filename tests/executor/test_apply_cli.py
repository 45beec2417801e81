"""orgstate apply, log, unlock and reset-password from the command line."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from orgstate.statestore import Holder, open_store
from tests.conftest import BACKENDS, EXAMPLES, run_orgstate

ORG = str(EXAMPLES / "org.yaml")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory with the example tenant in its default place (.orgstate/tenant.db)."""
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=tmp_path).returncode == 0
    return tmp_path


def orgstate(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_orgstate(*args, cwd=workdir)


def test_the_readme_flow_converges(workdir: Path) -> None:
    assert orgstate(workdir, "plan", "-f", ORG, "--detailed-exitcode").returncode == 2
    applied = orgstate(workdir, "apply", "-f", ORG, "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "c0001 ~ department.sales-emea update: done (updated)" in applied.stdout
    assert "Apply complete: 41 applied, 0 done earlier, 0 failed, 0 skipped" in applied.stdout
    after = orgstate(workdir, "plan", "-f", ORG, "--detailed-exitcode")
    assert after.returncode == 0, after.stdout
    assert "No changes." in after.stdout
    log = orgstate(workdir, "log", "--limit", "2").stdout.splitlines()
    assert len(log) == 2 and log[-1].endswith("department.legacy-qa department.delete: deleted (live, not declared)")


def test_without_a_terminal_apply_refuses_to_ask(workdir: Path) -> None:
    result = orgstate(workdir, "apply", "-f", ORG)
    assert result.returncode == 1
    assert "refusing to apply without a terminal" in result.stderr
    assert "Plan: 21 to add" in result.stdout  # it showed what it would have done
    assert orgstate(workdir, "plan", "-f", ORG, "--detailed-exitcode").returncode == 2  # nothing applied


def test_a_saved_plan_applies_without_asking(workdir: Path) -> None:
    assert orgstate(workdir, "plan", "-f", ORG, "--out", "plan.json").returncode == 0
    applied = orgstate(workdir, "apply", "plan.json")
    assert applied.returncode == 0, applied.stderr
    assert orgstate(workdir, "plan", "-f", ORG, "--detailed-exitcode").returncode == 0


def test_a_stale_saved_plan_is_refused_and_writes_nothing(workdir: Path) -> None:
    assert orgstate(workdir, "plan", "-f", ORG, "--out", "plan.json").returncode == 0
    tenant = workdir / ".orgstate" / "tenant.db"
    with sqlite3.connect(tenant) as db:  # someone edits the tenant in the console meanwhile
        db.execute("UPDATE members SET name = 'Robert' WHERE id = 'bob' AND status != 'deleted'")
        before = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    result = orgstate(workdir, "apply", "plan.json")
    assert result.returncode == 1
    assert "the plan is stale" in result.stderr and "member.bob: changed since the plan" in result.stderr
    with sqlite3.connect(tenant) as db:
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == before


@BACKENDS
def test_a_second_apply_while_one_holds_the_lock_names_the_holder(workdir: Path, state_url: str) -> None:
    store = open_store(state_url)
    lock = store.acquire("plan-elsewhere", holder=Holder("ci", "runner-7", 4242, host_id="runner-7-boot"))
    try:
        result = orgstate(workdir, "apply", "-f", ORG, "--auto-approve", "--state", state_url)
        assert result.returncode == 1
        assert "another apply holds the lock: ci@runner-7 pid 4242" in result.stderr
        assert "last heartbeat" in result.stderr and f"orgstate unlock {lock.id}" in result.stderr
        # Its heartbeat is fresh: unlock refuses without --force, and names the holder.
        refused = orgstate(workdir, "unlock", lock.id, "--state", state_url)
        assert refused.returncode == 1
        assert f"refusing to break lock {lock.id}: it is alive: last heartbeat" in refused.stderr
        assert f"orgstate unlock {lock.id} --force" in refused.stderr
        assert "user ci, host runner-7, pid 4242" in refused.stdout
        assert store.current_lock() == lock
        forced = orgstate(workdir, "unlock", lock.id, "--force", "--state", state_url)
        assert forced.returncode == 0 and forced.stdout.splitlines()[-1] == f"Released lock {lock.id}."
        assert orgstate(workdir, "unlock", lock.id, "--state", state_url).returncode == 1
        assert any(f"broke lock {lock.id} of ci@runner-7 pid 4242 (forced" in e.message for e in store.entries())
        assert orgstate(workdir, "apply", "-f", ORG, "--auto-approve", "--state", state_url).returncode == 0
    finally:
        store.close()


def test_reset_password_writes_a_private_file_and_audits(workdir: Path) -> None:
    assert orgstate(workdir, "apply", "-f", ORG, "--auto-approve").returncode == 0
    members = [line for line in (EXAMPLES / "org.yaml").read_text().splitlines() if "login: business_email" in line]
    assert members, "the example has business-email logins"
    result = orgstate(workdir, "reset-password", "priya", "--out", "priya.txt")
    assert result.returncode == 0, result.stderr
    path = workdir / "priya.txt"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    header, line = path.read_text().splitlines()
    assert header == "member,password" and line.startswith("priya,")
    password = line.split(",")[1]
    assert len(password) == 8
    assert password not in result.stdout + result.stderr
    assert "priya.txt" in result.stdout
    assert "reset_password: done (written to priya.txt)" in orgstate(workdir, "log", "--limit", "1").stdout
    again = orgstate(workdir, "reset-password", "priya", "--out", "priya.txt")
    assert again.returncode == 1  # never overwrites a file
    sent = orgstate(workdir, "reset-password", "priya", "--send", "self")
    assert sent.returncode == 0 and "sent by self" in sent.stdout
    tenant = sqlite3.connect(workdir / ".orgstate" / "tenant.db")
    sends = tenant.execute("SELECT member, field FROM notifications WHERE field LIKE 'password%'").fetchall()
    tenant.close()
    assert sends == [("priya", "password sent by self")]


def test_reset_password_follows_the_pages_rules(workdir: Path) -> None:
    result = orgstate(workdir, "reset-password", "bob")
    assert result.returncode == 1
    assert "does not log in with a business email" in result.stderr

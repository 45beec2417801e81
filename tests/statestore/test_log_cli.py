"""`orgstate log` from the command line: text and JSON, filters, and no state store
created by reading one (nor by the other commands that only read)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgstate.statestore import open_store
from tests.conftest import run_orgstate

FIELDS = ["seq", "at", "actor", "plan_id", "change_id", "address", "action", "outcome", "message"]


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    """A directory whose default state store holds four audit entries."""
    (tmp_path / ".orgstate").mkdir()
    store = open_store(f"sqlite:{tmp_path / '.orgstate' / 'state.db'}")
    store.record("ann@ci pid 7", "member.alice", "member.update", "updated", "", "plan-1", "c0001")
    store.record("ann@ci pid 7", "member.bob", "member.create", "created", "", "plan-1", "c0002")
    store.record("ann@ci pid 8", "member.alice", "reset_password", "done", "written to alice.csv")
    store.record("ann@ci pid 9", "lock", "unlock", "done", "broke lock 1f of bo@x pid 3")
    store.close()
    return tmp_path


def log(workdir: Path, *args: str) -> list[dict[str, object]]:
    result = run_orgstate("log", "--format", "json", *args, cwd=workdir)
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, object]] = json.loads(result.stdout)
    return entries


def test_json_lists_every_field_of_each_entry(logged: Path) -> None:
    entries = log(logged)
    assert [list(entry) for entry in entries] == [FIELDS] * 4
    assert entries[2] == {
        **entries[2],
        "address": "member.alice",
        "action": "reset_password",
        "plan_id": None,
        "message": "written to alice.csv",
    }
    assert str(entries[0]["at"]).endswith("+00:00")


@pytest.mark.parametrize(
    ("args", "addresses"),
    [
        (("--plan", "plan-1"), ["member.alice", "member.bob"]),
        (("--address", "member.alice"), ["member.alice", "member.alice"]),
        (("--address", "lock", "--address", "member.bob"), ["member.bob", "lock"]),
        (("--plan", "plan-1", "--address", "member.alice"), ["member.alice"]),
        (("--since", "1h"), ["member.alice", "member.bob", "member.alice", "lock"]),
        (("--since", "2000-01-01"), ["member.alice", "member.bob", "member.alice", "lock"]),
        (("--since", "2999-01-01T00:00"), []),
        (("--limit", "1"), ["lock"]),
    ],
)
def test_filters(logged: Path, args: tuple[str, ...], addresses: list[str]) -> None:
    assert [entry["address"] for entry in log(logged, *args)] == addresses


def test_text_says_when_the_filters_leave_nothing(logged: Path) -> None:
    result = run_orgstate("log", "--plan", "plan-9", cwd=logged)
    assert (result.returncode, result.stdout.strip()) == (0, "No audit entries match.")


@pytest.mark.parametrize("since", ["yesterday", "7", "2h30", "2026-13-01"])
def test_a_bad_since_is_one_line_and_exit_1(logged: Path, since: str) -> None:
    result = run_orgstate("log", "--since", since, cwd=logged)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: Invalid value for '--since': '{since}' is not a date (2026-12-01)")
    assert len(result.stderr.splitlines()) == 1


def test_log_in_an_empty_directory_creates_nothing(tmp_path: Path) -> None:
    result = run_orgstate("log", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("There is no apply journal yet")
    assert run_orgstate("log", "--format", "json", cwd=tmp_path).stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_a_named_state_store_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    result = run_orgstate("log", "--state", "sqlite:typo/state.db", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: state store sqlite:typo/state.db does not exist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ("unlock", "0123abcd"),
        ("show", "plan.json"),
        ("reset-password", "alice"),
        ("drift",),
        ("export",),
        ("local", "show"),
    ],
)
def test_commands_that_only_read_create_nothing(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_orgstate(*args, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []

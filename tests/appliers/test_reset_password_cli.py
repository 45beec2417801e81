"""`orgstate reset-password MEMBER` takes a User ID, an email or a phone, on both
backends; it names the member it matched, refuses an ambiguous match and suggests the
nearest member on a miss."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.appliers.test_lark_e2e import Emulator
from tests.appliers.test_lark_fidelity import emulators, rows, serve  # noqa: F401 - the fixture
from tests.conftest import EXAMPLES, run_orgstate


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    assert run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), cwd=tmp_path).returncode == 0
    return tmp_path


def resets(workdir: Path) -> list[str]:
    with closing(sqlite3.connect(workdir / ".orgstate" / "tenant.db")) as db:
        return [member for (member,) in db.execute("SELECT member FROM password_resets ORDER BY rowid")]


@pytest.mark.parametrize(
    ("member", "said"),
    [
        ("omar@acme.larksuite.com", "'omar@acme.larksuite.com' is member omar (Omar Farouk), by business email."),
        ("OMAR@acme.example", "'OMAR@acme.example' is member omar (Omar Farouk), by work email."),
        ("+1 555 010 0043", "'+1 555 010 0043' is member omar (Omar Farouk), by phone."),
        ("+15550100043", "'+15550100043' is member omar (Omar Farouk), by phone."),
        ("omar", None),
    ],
)
def test_a_member_by_email_or_phone(workdir: Path, member: str, said: str | None) -> None:
    result = run_orgstate("reset-password", member, "--out", "omar.csv", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [*([said] if said else []), "The password of omar was reset and written to omar.csv."]
    assert (workdir / "omar.csv").read_text().splitlines()[1].startswith("omar,")
    assert resets(workdir) == ["omar"]


@pytest.mark.parametrize(
    ("member", "error"),
    [
        ("dana", "error: no member 'dana'; did you mean 'founder' (Dana Whitfield)?"),
        ("omr", "error: no member 'omr'; did you mean 'omar' (Omar Farouk)?"),
    ],
)
def test_a_miss_suggests_a_member_and_changes_nothing(workdir: Path, member: str, error: str) -> None:
    result = run_orgstate("reset-password", member, cwd=workdir)
    assert (result.returncode, result.stderr.strip()) == (1, error)
    assert resets(workdir) == [] and not (workdir / ".orgstate" / "state.db").exists()


def test_an_ambiguous_email_is_refused_listing_the_candidates(workdir: Path) -> None:
    with closing(sqlite3.connect(workdir / ".orgstate" / "tenant.db")) as db, db:
        db.execute("UPDATE members SET work_email = 'omar@acme.larksuite.com' WHERE id = 'sam'")
    result = run_orgstate("reset-password", "omar@acme.larksuite.com", cwd=workdir)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 'omar@acme.larksuite.com' names 2 members: omar (Omar Farouk) by business email, "
        "sam (Sam Reyes) by work email; give the User ID of the one you mean"
    )
    assert resets(workdir) == []


def test_the_help_explains_every_send(workdir: Path) -> None:
    text = " ".join(run_orgstate("reset-password", "--help", cwd=workdir).stdout.split())
    assert "email, to the member's email on record" in text
    assert "phone, by text message to the member's phone" in text
    assert "self, to your own (the acting admin's) registered work email" in text
    assert "MEMBER is a User ID, a work or business email, or a phone" in text


def test_by_email_through_lark(emulators: list[Emulator], tmp_path: Path) -> None:  # noqa: F811
    emulator = serve(emulators, tmp_path, "lookup")
    result = emulator.run(
        "reset-password", "omar@acme.larksuite.com", "--backend", emulator.backend, "--out", "omar.csv",
        "--state", "sqlite:s.db", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "is member omar (Omar Farouk), by business email" in result.stdout
    assert rows(emulator.db, "SELECT member FROM password_resets") == [("omar",)]
    missed = emulator.run("reset-password", "omr", "--backend", emulator.backend, cwd=tmp_path)
    assert missed.returncode == 1
    assert missed.stderr.strip() == "error: no member 'omr'; did you mean 'omar' (Omar Farouk)?"

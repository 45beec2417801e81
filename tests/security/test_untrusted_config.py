"""A pull request's configuration is untrusted: it must not make orgstate read files
outside its own directory, nor carry a file's contents into a message (which would land
in a public PR comment)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_orgstate
from tests.planner.test_seats import ORG

SECRET = "TOPSECRET-VALUE@outside.example"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A runner: a secret file beside the checkout, the configuration inside it."""
    (tmp_path / "shadow").write_text(f"email\n{SECRET}\n")
    checkout = tmp_path / "checkout" / "org"
    checkout.mkdir(parents=True)
    (checkout / "sub").mkdir()
    (checkout / "link.csv").symlink_to(tmp_path / "shadow")
    (checkout / "sub" / "ok.csv").write_text("email\nfay@s.example\n")
    return checkout


@pytest.mark.parametrize(
    "name",
    ["../../shadow", "sub/../../../shadow", "link.csv", "ABSOLUTE", "sub/../../org/../../shadow"],
)
def test_from_file_stays_inside_the_configurations_directory(repo: Path, name: str) -> None:
    name = str(repo.parent.parent / "shadow") if name == "ABSOLUTE" else name
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", name)
    )
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"), "--format", "json")
    assert result.returncode == 1
    assert "leaves the configuration's directory" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_a_seat_list_inside_the_directory_is_read(repo: Path) -> None:
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", "sub/ok.csv")
    )
    assert run_orgstate("validate", "-f", str(repo / "org.yaml")).returncode == 0


def test_a_message_quotes_one_cell_at_most_and_clipped(repo: Path) -> None:
    cell = "x" * 5000 + "@s.example"
    (repo / "seats.csv").write_text(f"email\n{cell}\n")
    (repo / "org.yaml").write_text(ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail"))
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"))
    [line] = [line for line in result.stdout.splitlines() if "no declared member" in line]
    assert len(line) < 400 and cell not in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_special_file_is_not_opened(repo: Path) -> None:
    os.mkfifo(repo / "pipe.csv")  # opening it would block for ever
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", "pipe.csv")
    )
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"), timeout=20)
    assert result.returncode == 1 and "unknown file 'pipe.csv'" in result.stdout


TINY = """\
version: 1
org:
  name: Tiny
  plans: [{id: pro, edition: pro, seats: 3, starts: 2026-01-01, expires: 2027-01-01}]
policy: {removal: {max_removals: 10}}
departments:
  - {id: eng, name: Engineering, order: 1}
members:
  - {id: ceo, name: Chief, department: eng, work_email: ceo@t.example}
"""
TINY_FIXTURE = TINY.replace("version: 1\n", "version: 1\ntenant: {founder: ceo, today: 2026-11-21}\n").replace(
    "work_email: ceo@t.example}", "work_email: ceo@t.example, resources: {docs: 1}}"
)
NUMBERS = ["2147483648", "99999999999999999999", "9" * 5000, "-1"]
PLACES = {  # the text to replace, and where the error is located
    "seats: 3": "org.plans[0].seats",
    "max_removals: 10": "policy.removal.max_removals",
    "order: 1": "departments[0].order",
}


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n[:12])
@pytest.mark.parametrize("place", PLACES)
def test_a_number_past_its_bounds_is_a_located_error(tmp_path: Path, place: str, number: str) -> None:
    key = place.split(":")[0]
    if key in ("seats", "max_removals") and number == "2147483648":
        number = "1000001"  # past the bound of seats and removals (1,000,000) too
    config = tmp_path / "org.yaml"
    config.write_text(TINY.replace(place, f"{key}: {number}"))
    result = run_orgstate("validate", "-f", str(config))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    line = 1 + TINY[: TINY.index(place)].count("\n")
    assert f"{config}:{line}:" in result.stdout and PLACES[place] in result.stdout, result.stdout
    assert number not in result.stdout or len(number) < 100  # a long number is not echoed whole


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n[:12])
@pytest.mark.parametrize("place", [*PLACES, "docs: 1"])
def test_a_fixture_number_past_its_bounds_is_refused_before_the_database(
    tmp_path: Path, place: str, number: str
) -> None:
    key = place.split(":")[0]
    fixture = tmp_path / "tenant.yaml"
    fixture.write_text(TINY_FIXTURE.replace(place, f"{key}: {number}"))
    db = tmp_path / "tenant.db"
    result = run_orgstate("local", "init", "--from", str(fixture), "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{fixture}:" in result.stderr and not db.exists()


def test_the_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    text = TINY.replace("seats: 3", "seats: 1000000").replace("order: 1", "order: 2147483647")
    config.write_text(text.replace("max_removals: 10", "max_removals: 1000000"))
    result = run_orgstate("validate", "-f", str(config))
    assert result.returncode == 0, result.stdout


def test_a_flood_of_one_mistake_gets_a_short_report(tmp_path: Path) -> None:
    """2,000 members in an unknown department, and as many with the same work email:
    each rule shows its first 50 in the file and counts the rest."""
    members = "".join(
        f"  - {{id: m{i}, name: M{i}, department: nowhere, work_email: same@t.example}}\n" for i in range(2000)
    )
    config = tmp_path / "org.yaml"
    config.write_text(TINY + members)
    result = run_orgstate("validate", "-f", str(config), "--format", "json")
    assert result.returncode == 1
    diagnostics = json.loads(result.stdout)["diagnostics"]
    by_rule = Counter(d["rule"] for d in diagnostics)
    assert by_rule == {"REF-UNKNOWN": 51, "ID-UNIQUE": 51}, by_rule
    summaries = [d for d in diagnostics if "not shown" in d["message"]]
    counted = "in this file, not shown (the first 50 of each rule in a file are)"
    assert sorted(d["message"] for d in summaries) == [
        f"1,949 more ID-UNIQUE problems {counted}",  # the first of 2,000 is no repeat
        f"1,950 more REF-UNKNOWN problems {counted}",
    ]
    # each summary is located where the first left out is
    assert sorted((d["rule"], d["path"]) for d in summaries) == [
        ("ID-UNIQUE", "members[52].work_email"),
        ("REF-UNKNOWN", "members[51].department"),
    ]
    assert all(d["severity"] == "error" and d["file"] == str(config) and d["line"] for d in summaries)
    shown = [d for d in diagnostics if d["rule"] == "REF-UNKNOWN" and d not in summaries]
    assert [d["path"] for d in shown[:2]] == ["members[1].department", "members[2].department"]

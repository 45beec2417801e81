"""Seat resolution (SPEC section 3) and its static checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orgstate.seating.static import resolve_static
from tests.conftest import diagnose

ORG = """\
version: 1
org:
  name: Seats
  plans:
    - {id: pro, edition: pro, seats: PRO_SEATS, starts: 2026-01-01, expires: 2027-01-01}
    - {id: basic, edition: basic, seats: 10, starts: 2026-01-01, expires: 2027-01-01}
policy:
  invitations: {require_approval: true}
  seats: {on_shortage: SHORTAGE}
departments:
  - {id: eng, name: Engineering}
  - {id: eng-web, name: Web, parent: eng}
  - {id: ops, name: Ops}
members:
  - {id: ann, name: Ann, department: ops, work_email: ann@s.example, seat: basic}
  - {id: ben, name: Ben, department: ops, work_email: ben@s.example, seat: null}
  - {id: cat, name: Cat, department: ops, work_email: cat@s.example}
  - {id: dan, name: Dan, department: eng-web, work_email: dan@s.example}
  - {id: eve, name: Eve, department: ops, departments: [eng-web], work_email: eve@s.example}
  - {id: fay, name: Fay, department: ops, work_email: fay@s.example}
  - {id: gus, name: Gus, department: ops, phone: "+15550100007"}
  - {id: hal, name: Hal, department: ops, work_email: hal@s.example}
user_groups:
  - {id: pilots, name: Pilots, members: [ann, ben, cat], seat: pro}
  - {id: crew, name: Crew, members: [cat], seat: pro}
seat_assignments:
  - {plan: pro, departments: [eng]}
  - {plan: basic, from_file: seats.csv}
  - {plan: pro, all_members: true}
"""

CSV = "email,phone\nfay@s.example,\n,+15550100007\nDAN@s.example,\n"


def write_org(tmp_path: Path, pro_seats: int = 10, shortage: str = "fail", csv: str = CSV) -> Path:
    (tmp_path / "seats.csv").write_text(csv)
    path = tmp_path / "org.yaml"
    path.write_text(ORG.replace("PRO_SEATS", str(pro_seats)).replace("SHORTAGE", shortage))
    return path


def test_the_first_source_that_applies_wins(tmp_path: Path) -> None:
    loaded, diagnostics = diagnose(write_org(tmp_path))
    assert diagnostics == []
    assert loaded.config is not None
    static = resolve_static(loaded.config, loaded.sources)
    assert static.problems == []
    seats = static.resolution.seats
    assert {m: (s.plan, s.reason, s.via) for m, s in seats.items()} == {
        "ann": ("basic", "explicit", None),  # her own seat beats her group
        "ben": (None, "none", None),  # seat: null means none, whatever the groups say
        "cat": ("pro", "group", "pilots"),  # two groups of one plan: one seat
        "dan": ("pro", "rule", 0),  # in eng's subtree; the file names him later
        "eve": ("pro", "rule", 0),  # a further department counts too
        "fay": ("basic", "rule", 1),  # from the CSV, by email
        "gus": ("basic", "rule", 1),  # from the CSV, by phone
        "hal": ("pro", "rule", 2),  # everyone else
    }


def test_explicit_seats_beyond_capacity_are_an_error(tmp_path: Path) -> None:
    path = write_org(tmp_path, pro_seats=5)
    path.write_text(path.read_text().replace("seats: 10,", "seats: 0,"))  # basic has 0 seats, ann holds one
    _, diagnostics = diagnose(path)
    assert [(d.rule, d.severity, d.path) for d in diagnostics] == [("SEAT-CAPACITY", "error", "org.plans[1].seats")]
    assert "plan 'basic' has 0 seats but 3 members resolve to it (1 explicit, 2 from groups and rules)" in (
        diagnostics[0].message
    )


@pytest.mark.parametrize(("shortage", "severity"), [("fail", "error"), ("warn", "warning")])
def test_derived_seats_beyond_capacity_follow_the_policy(tmp_path: Path, shortage: str, severity: str) -> None:
    _, diagnostics = diagnose(write_org(tmp_path, pro_seats=2, shortage=shortage))
    assert [(d.rule, d.severity, d.line) for d in diagnostics] == [("SEAT-CAPACITY", severity, 5)]
    message = diagnostics[0].message
    assert "plan 'pro' has 2 seats but 4 members resolve to it (0 explicit, 4 from groups and rules)" in message
    if shortage == "warn":
        # Those left without a seat, in file order: the console's "View Members Without a Seat".
        assert message.endswith("left without a seat: eve, hal")


def test_unknown_rows_of_a_seat_file_are_located_in_the_csv(tmp_path: Path) -> None:
    _, diagnostics = diagnose(write_org(tmp_path, csv="email\nfay@s.example\nnobody@s.example\n"))
    assert [(d.rule, d.file, d.line, d.path) for d in diagnostics] == [
        ("REF-UNKNOWN", str(tmp_path / "seats.csv"), 3, "seat_assignments[1].from_file")
    ]
    assert "nobody@s.example" in diagnostics[0].message


def test_a_seat_file_without_a_key_column_is_reported(tmp_path: Path) -> None:
    _, diagnostics = diagnose(write_org(tmp_path, csv="name\nfay\n"))
    assert [(d.rule, d.path) for d in diagnostics] == [("CFG-SCHEMA", "seat_assignments[1].from_file")]
    assert "'email' or 'phone' column" in diagnostics[0].message


def test_seat_files_resolve_relative_to_the_yaml_that_names_them(
    write_yaml: Callable[..., Path], tmp_path: Path
) -> None:
    write_yaml(ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail"), "nested/org.yaml")
    (tmp_path / "nested" / "seats.csv").write_text(CSV)
    _, diagnostics = diagnose(tmp_path / "nested" / "org.yaml")
    assert diagnostics == []

"""Loading files and directories: merging, provenance and located schema errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orgstate.config.loader import load_config
from orgstate.errors import ConfigError
from tests.conftest import EXAMPLES, MINIMAL, diagnose


def test_the_split_example_is_the_same_organization() -> None:
    whole = load_config([EXAMPLES / "org.yaml"]).config
    split = load_config([EXAMPLES / "org-split"]).config
    assert whole is not None and split is not None
    assert {m.id: m for m in split.members} == {m.id: m for m in whole.members}
    assert split.model_dump(exclude={"members"}) == whole.model_dump(exclude={"members"})


def test_a_directory_merges_its_yaml_files_in_name_order(write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    write_yaml("version: 1\norg: {name: Tiny}\ndepartments:\n  - {id: eng, name: Engineering}\n", "org/a.yaml")
    write_yaml(
        "version: 1\nmembers:\n  - {id: zed, name: Zed, department: eng, work_email: z@t.example}\n", "org/c.yml"
    )
    write_yaml(
        "version: 1\nmembers:\n  - {id: amy, name: Amy, department: eng, work_email: a@t.example}\n", "org/b.yaml"
    )
    (tmp_path / "org" / "notes.txt").write_text("not yaml")
    loaded = load_config([tmp_path / "org"])
    assert loaded.diagnostics == []
    assert loaded.config is not None
    assert [m.id for m in loaded.config.members] == ["amy", "zed"]


def test_org_in_two_files_is_an_error_naming_both(write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    write_yaml("version: 1\norg: {name: One}\n", "org/a.yaml")
    write_yaml("version: 1\norg: {name: Two}\n", "org/b.yaml")
    _, diagnostics = diagnose(tmp_path / "org")
    assert [(d.rule, d.file) for d in diagnostics] == [("CFG-SCHEMA", str(tmp_path / "org" / "b.yaml"))]
    assert "a.yaml" in diagnostics[0].message


def test_an_id_in_two_files_names_both_places(write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    write_yaml(MINIMAL, "org/a.yaml")
    write_yaml(
        "version: 1\nmembers:\n  - id: bob\n    name: Bob\n    department: eng\n    work_email: b@t.example\n"
        "  - {id: alice, name: Alice Again, department: eng, phone: '+15550100009'}\n",
        "org/b.yaml",
    )
    _, diagnostics = diagnose(tmp_path / "org")
    assert len(diagnostics) == 1
    (found,) = diagnostics
    assert (found.rule, found.file, found.line, found.path) == (
        "ID-UNIQUE",
        str(tmp_path / "org/b.yaml"),
        7,
        "members[1].id",
    )
    assert f"also declared at {tmp_path / 'org/a.yaml'}:6" in found.message


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("org: {name: Tiny}\n", "missing required key 'version'", 1),
        ("version: 2\norg: {name: Tiny}\n", "unsupported version 2", 1),
        ("", "found an empty file", 1),
        ("- a\n- b\n", "found a list", 1),
        ("version: 1\n", "missing required key 'org'", 1),
        ("version: 1\norg: {name: Tiny}\nmembrs: []\n", "unknown key 'membrs' (did you mean 'members'?)", 3),
    ],
)
def test_document_shape_errors(check_yaml: Callable[[str], list], text: str, message: str, line: int) -> None:
    (found,) = check_yaml(text)
    assert found.rule == "CFG-SCHEMA"
    assert message in found.message
    assert found.line == line


@pytest.mark.parametrize(
    ("member", "path", "message"),
    [
        (
            "{id: alice, name: A, department: eng, work_email: not-an-email}",
            "members[0].work_email",
            "'not-an-email' is not an email address",
        ),
        (
            "{id: alice, name: A, department: eng, phone: 15550100001}",
            "members[0].phone",
            'a phone number needs its country code, e.g. "+15550100001"',
        ),
        (
            "{id: alice, name: A, department: eng, phone: '555-0100'}",
            "members[0].phone",
            'a phone number needs its country code, e.g. "+5550100"',
        ),
        (
            "{id: alice, name: A, department: eng, phone: '+1 555 01'}",
            "members[0].phone",
            "'+1 555 01' is not a possible phone number (country code and length)",
        ),
        (
            "{id: alice, name: A, department: eng, phone: '+15550100001', hide_phone: yes}",
            "members[0].hide_phone",
            "expected true or false, found 'yes'",
        ),
        (
            "{id: alice, name: A, department: eng, phone: '+15550100001', employee_id: ''}",
            "members[0].employee_id",
            "may not be empty",
        ),
        ("{id: al ice, name: A, department: eng, phone: '+15550100001'}", "members[0].id", "is not an id"),
        (
            "{id: alice, name: A, department: eng, phone: '+15550100001', gender: femal}",
            "members[0].gender",
            "'femal' is not one of unspecified, male, female, other (did you mean 'female'?)",
        ),
        (
            "{id: alice, name: A, department: eng, phone: '+15550100001', job: {employment_date: 2026-13-01}}",
            "members[0].job.employment_date",
            "is not a date (YYYY-MM-DD)",
        ),
        (
            "{id: alice, name: A, department: eng, phone: '+15550100001', job: {titel: CEO}}",
            "members[0].job.titel",
            "unknown key 'titel' (did you mean 'title'?)",
        ),
        ("{id: alice, department: eng, phone: '+15550100001'}", "members[0].name", "missing required key 'name'"),
    ],
)
def test_schema_errors_name_the_field_and_say_what_is_wrong(
    check_yaml: Callable[[str], list], member: str, path: str, message: str
) -> None:
    diagnostics = check_yaml(f"version: 1\norg: {{name: Tiny}}\nmembers:\n  - {member}\n")
    assert [(d.rule, d.path, d.line) for d in diagnostics] == [("CFG-SCHEMA", path, 4)]
    assert message in diagnostics[0].message
    assert diagnostics[0].address == "member.alice" or "id" in path


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("seat_assignments:\n  - {plan: p}\n", "set exactly one of departments, all_members, from_plan, from_file"),
        ("seat_assignments:\n  - {plan: p, all_members: true, from_plan: q}\n", "(found 2: all_members, from_plan)"),
        ("fields:\n  - {id: lvl, name: Level, type: enum}\n", "an enum field needs a non-empty 'options' list"),
        ("fields:\n  - {id: bio, name: Bio, type: text, options: [a]}\n", "'options' applies to enum fields only"),
        ("offboarding:\n  - {id: f, transfer: {mail: {action: transfer}}}\n", "mail action 'transfer' needs 'to'"),
        (
            "org:\n  name: T\n  plans:\n"
            "    - {id: p, edition: pro, seats: 1, starts: 2027-01-01, expires: 2026-01-01}\n",
            "expires (2026-01-01) must come after starts (2027-01-01)",
        ),
    ],
)
def test_cross_field_schema_rules(check_yaml: Callable[[str], list], snippet: str, message: str) -> None:
    base = "version: 1\n" + ("" if snippet.startswith("org:") else "org: {name: Tiny}\n")
    diagnostics = check_yaml(base + snippet)
    assert [d.rule for d in diagnostics] == ["CFG-SCHEMA"]
    assert message in diagnostics[0].message


def test_every_schema_error_is_reported_in_one_run(check_yaml: Callable[[str], list]) -> None:
    diagnostics = check_yaml(
        "version: 1\norg: {name: Tiny}\nmembers:\n"
        "  - {id: a, name: A, department: eng, gender: x}\n"
        "  - {id: b, name: B, department: eng, status: gone}\n"
        "departments:\n  - {id: eng, name: 'A/B'}\n"
    )
    assert [(d.path, d.line) for d in diagnostics] == [
        ("members[0].gender", 4),
        ("members[1].status", 5),
        ("departments[0].name", 7),
    ]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(200 * 2**20)  # sparse: nothing is written or read
    (found,) = load_config([big]).diagnostics
    assert (found.rule, found.line) == ("CFG-SCHEMA", 1)
    assert "200.0 MiB, over the limit of 64 MiB" in found.message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: 1\norg: {name: Caf\xe9}\n")
    (found,) = load_config([path]).diagnostics
    assert (found.rule, found.line) == ("CFG-SCHEMA", 2)
    assert "not UTF-8" in found.message


@pytest.mark.parametrize("name", ["missing.yaml", "empty-dir"])
def test_paths_that_hold_no_configuration_raise(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(ConfigError):
        load_config([tmp_path / name])

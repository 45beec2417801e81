"""`orgstate explain ADDRESS`: one object's declared and live values side by side, its
seat and why, its planned changes and the diagnostics about it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from orgstate.model.fields import MEMBER_FIELDS
from orgstate.model.live import TenantState
from orgstate.tenant.fixture import init_tenant
from tests.conftest import run_orgstate
from tests.planner.test_targets import changed_org


@pytest.fixture
def org(tmp_path: Path) -> tuple[str, ...]:
    config, live = changed_org()
    config["user_groups"][0]["seat"] = "pro"
    config["members"][0]["job"] = {"title": "CEO"}
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    db = tmp_path / "tenant.db"
    init_tenant(db, TenantState.model_validate(live))
    return ("-f", str(path), "--backend", f"local:{db}")


def explained(org: tuple[str, ...], address: str) -> dict[str, object]:
    result = run_orgstate("explain", address, *org, "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_a_member_shows_every_field_declared_beside_live(org: tuple[str, ...]) -> None:
    result = run_orgstate("explain", "member.lead", *org)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("member.lead (declared and live)")
    assert "* job.title" in text and '"Staff Engineer"' in text and "  job.manager " in text
    seat_source = next(line for line in text.splitlines() if "seat_source" in line)
    assert seat_source.split() == ["seat_source", "—", '"explicit"']
    assert "~ c" in text and "member.lead update (changed)" in text
    document = explained(org, "member.lead")
    fields = {row["name"]: row for row in document["fields"]}  # type: ignore[attr-defined]
    assert list(fields) == list(MEMBER_FIELDS)
    assert fields["job"]["differs"] and not fields["name"]["differs"]
    assert fields["seat"]["live"] == "pro" and "declared" not in fields["seat_source"]


@pytest.mark.parametrize(
    ("address", "reason", "why"),
    [
        ("member.lead", "explicit", "its own `seat:` in the configuration"),
        ("member.zed", "group", "the seat of user group 'admins', which it belongs to"),
    ],
)
def test_a_member_says_where_its_seat_comes_from(org: tuple[str, ...], address: str, reason: str, why: str) -> None:
    seat = explained(org, address)["seat"]
    assert seat["reason"] == reason and seat["why"] == why and seat["plan"] == "pro"  # type: ignore[index]
    text = run_orgstate("explain", address, *org).stdout
    assert f"after the plan: pro ({reason}: {why})" in text


def test_a_new_member_is_declared_not_live_with_its_changes(org: tuple[str, ...]) -> None:
    document = explained(org, "member.amy")
    assert document["declared"] and not document["live"]
    changes = [(c["type"], c["action"]) for c in document["changes"]]  # type: ignore[attr-defined]
    assert changes == [("member", "create"), ("seat", "assign")]


def test_a_dropped_member_is_live_not_declared_and_planned_away(org: tuple[str, ...]) -> None:
    text = run_orgstate("explain", "member.dev", *org).stdout
    assert text.startswith("member.dev (live, not declared)")
    assert "member.dev delete" in text and "Seat:" not in text


def test_a_group_and_a_department_have_the_same_view(org: tuple[str, ...]) -> None:
    group = explained(org, "user_group.admins")
    assert [row["name"] for row in group["fields"]] == ["id", "name", "description", "seat", "members"]  # type: ignore[attr-defined]
    assert {c["address"] for c in group["changes"]} >= {"user_group.admins", "group_member.admins/zed"}  # type: ignore[attr-defined]
    department = explained(org, "department.qa")
    assert [c["action"] for c in department["changes"]] == ["create"]  # type: ignore[attr-defined]


def test_the_diagnostics_about_the_object_are_listed(org: tuple[str, ...]) -> None:
    amy = explained(org, "member.amy")
    assert amy["seat"]["reason"] == "auto"  # type: ignore[index]
    rules = [(d["rule"], d["address"]) for d in amy["diagnostics"]]  # type: ignore[attr-defined]
    assert rules == [("SEAT-AUTO", "member.amy")]
    assert "info SEAT-AUTO" in run_orgstate("explain", "member.amy", *org).stdout
    assert explained(org, "member.lead")["diagnostics"] == []


def test_an_unknown_address_is_one_clear_line(org: tuple[str, ...]) -> None:
    result = run_orgstate("explain", "member.lede", *org)
    assert result.returncode == 1 and result.stdout == ""
    assert (
        result.stderr
        == "error: explain 'member.lede': no such member is declared or live (did you mean 'member.lead'?)\n"
    )


def test_a_configuration_with_errors_is_reported_first(org: tuple[str, ...], tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\norg: {name: X}\nmembers: [{id: a}]\n")
    result = run_orgstate("explain", "member.a", "-f", str(path), *org[2:])
    assert result.returncode == 1 and "error" in result.stdout


def test_a_derived_seat_is_not_shown_as_declared(org: tuple[str, ...]) -> None:
    """zed's seat comes from a group: the configuration declares none, so the field table
    shows no declared seat (nor a difference), and the seat story says where it comes from."""
    document = explained(org, "member.zed")
    seat = {row["name"]: row for row in document["fields"]}["seat"]  # type: ignore[attr-defined]
    assert "declared" not in seat and not seat["differs"]
    assert document["seat"]["reason"] == "group"  # type: ignore[index]

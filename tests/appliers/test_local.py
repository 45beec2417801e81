"""The local backend, one change at a time: each reports what it did, and a change
that already holds reports UNCHANGED and touches nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from orgstate.appliers.base import Outcome
from orgstate.appliers.local import LocalBackend
from orgstate.errors import TenantError
from orgstate.model.live import TenantState
from orgstate.planner.changes import Change, change_from
from orgstate.tenant import FixedClock
from orgstate.tenant.fixture import init_tenant, with_seat_sources
from tests.samples import change as sample
from tests.tenant.conftest import BASE, TODAY


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[LocalBackend]:
    db = tmp_path / "tenant.db"
    init_tenant(db, TenantState.model_validate(BASE))
    backend = LocalBackend(db, clock=FixedClock(TODAY))
    yield backend
    backend.close()


def change(
    type_: str, action: str, key: str, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
) -> Change:
    return sample(type_, action, f"{type_}.{key}", before=before, after=after)


def twice(backend: LocalBackend, item: Change) -> tuple[Outcome, Outcome]:
    return backend.apply(item), backend.apply(item)


def test_the_backend_names_itself_as_a_url(backend: LocalBackend) -> None:
    assert backend.name == f"local:{backend.path}"


def test_departments(backend: LocalBackend) -> None:
    create = change("department", "create", "qa", after={"id": "qa", "name": "QA", "parent": "eng", "order": 5})
    assert twice(backend, create) == (Outcome.CREATED, Outcome.UNCHANGED)
    update = change("department", "update", "qa", before={"name": "QA"}, after={"name": "Quality"})
    assert twice(backend, update) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert backend.tenant.department("qa").name == "Quality"
    assert twice(backend, change("department", "delete", "qa", before={"id": "qa", "name": "Quality"})) == (
        Outcome.DELETED,
        Outcome.UNCHANGED,
    )


NEW_MEMBER = {
    "id": "amy",
    "name": "Amy",
    "department": "web",
    "work_email": "amy@acme.example",
    "job": {"title": "Engineer", "manager": "lead"},
}
SUSPEND = {"before": {"status": "active"}, "after": {"status": "suspended"}}
RESUME = {"before": {"status": "suspended"}, "after": {"status": "active"}}


def test_members(backend: LocalBackend) -> None:
    assert twice(backend, change("member", "create", "amy", after=NEW_MEMBER)) == (Outcome.CREATED, Outcome.UNCHANGED)
    assert backend.tenant.seat_of("amy") is None  # a seat is a seat.assign of its own
    update = change(
        "member", "update", "amy", before={"job": {"title": "Engineer"}}, after={"job": {"title": "Staff Engineer"}}
    )
    assert twice(backend, update) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert backend.tenant.member("amy").member.job.manager == "lead"
    assert twice(backend, change("member", "suspend", "amy", **SUSPEND)) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert twice(backend, change("member", "resume", "amy", **RESUME)) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert twice(backend, change("member", "delete", "amy", before=NEW_MEMBER)) == (
        Outcome.DELETED,
        Outcome.UNCHANGED,
    )
    restore = change("member", "restore", "amy", after={"department": "eng"})
    assert twice(backend, restore) == (Outcome.CREATED, Outcome.UNCHANGED)
    assert (backend.tenant.member("amy").member.department, backend.tenant.seat_of("amy")) == ("eng", None)


def test_creating_a_member_that_exists_brings_it_to_the_declared_state(backend: LocalBackend) -> None:
    backend.apply(change("member", "create", "amy", after=NEW_MEMBER))
    altered = {**NEW_MEMBER, "name": "Amy Pond"}
    assert backend.apply(change("member", "create", "amy", after=altered)) == Outcome.UPDATED
    assert backend.tenant.member("amy").member.name == "Amy Pond"


def test_groups_their_members_and_seats(backend: LocalBackend) -> None:
    create = change("user_group", "create", "ship", after={"id": "ship", "name": "Ship", "seat": "pro"})
    assert twice(backend, create) == (Outcome.CREATED, Outcome.UNCHANGED)
    add = sample("group_member", "add", "group_member.ship/dev", after={"group": "ship", "member": "dev"})
    assert twice(backend, add) == (Outcome.CREATED, Outcome.UNCHANGED)
    update = change("user_group", "update", "ship", before={}, after={"description": "Shipping", "seat": None})
    assert twice(backend, update) == (Outcome.UPDATED, Outcome.UNCHANGED)
    remove = sample("group_member", "remove", "group_member.ship/dev", before={"group": "ship", "member": "dev"})
    assert twice(backend, remove) == (Outcome.DELETED, Outcome.UNCHANGED)
    assert twice(backend, change("user_group", "delete", "ship", before={"id": "ship", "name": "Ship"})) == (
        Outcome.DELETED,
        Outcome.UNCHANGED,
    )


def test_seats(backend: LocalBackend) -> None:
    release = sample("seat", "release", "seat.dev", before={"member": "dev", "plan": "pro"})
    assert twice(backend, release) == (Outcome.DELETED, Outcome.UNCHANGED)
    assign = sample("seat", "assign", "seat.dev", after={"member": "dev", "plan": "pro"})
    assert twice(backend, assign) == (Outcome.CREATED, Outcome.UNCHANGED)


def test_resource_transfers(backend: LocalBackend) -> None:
    """The transfer moves what goes to a recipient the configuration named; the service's
    defaults (and what is deleted) wait for the deletion."""
    backend.tenant.set_resources("dev", {"docs": 4, "mail": 2, "forms": 1})
    transfer = change(
        "resources",
        "transfer",
        "dev",
        after={
            "docs": {"to": "lead", "count": 4, "default": True, "outcome": "transferred"},
            "mail": {"to": "boss", "count": 2, "default": False, "outcome": "transferred"},
            "forms": {"outcome": "deleted", "count": 1, "default": True},
        },
    )
    assert twice(backend, transfer) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert backend.verify(transfer) is None
    assert backend.tenant.member("boss").resources.mail == 2
    assert backend.tenant.member("dev").resources.counts() == {"docs": 4, "forms": 1}


def test_a_refused_change_raises_the_tenants_error(backend: LocalBackend) -> None:
    with pytest.raises(TenantError) as caught:
        backend.apply(change("member", "delete", "ops", before={"id": "ops", "name": "Ops", "department": "eng"}))
    assert caught.value.code == 44037


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "member", "action": "add"}, "unknown (type, action) of a change"),
        ({"type": "member", "action": "create", "before": {}, "after": {}}, "before"),
        (
            {"type": "member", "action": "delete", "before": {"id": "x", "name": "X", "department": "d"}, "after": {}},
            "after",
        ),
        (
            {"type": "seat", "action": "assign", "address": "seat.x", "after": {"member": "y", "plan": "p"}},
            "does not name the object",
        ),
        ({"type": "member", "action": "restore", "after": {"department": "d"}, "address": "seat.x"}, "not a member"),
    ],
)
def test_changes_keep_their_invariants(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        change_from({"id": "c0001", "address": "member.x", **kwargs})
    assert message in str(caught.value)


def test_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TenantError) as caught:
        LocalBackend(tmp_path / "nope.db")
    assert "run 'orgstate local init" in str(caught.value)


def test_the_snapshot_is_the_tenant_state(backend: LocalBackend) -> None:
    snapshot = backend.read_snapshot()
    assert snapshot == with_seat_sources(TenantState.model_validate(BASE))

"""Tenant fixtures (SPEC section 6): a live tenant written in the configuration
language plus live-only facts, read into a new tenant database and printed back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Container, Iterator
from pathlib import Path

from orgstate.catalogue import RuleId
from orgstate.config.loader import read_model
from orgstate.diagnostics import Diagnostic, DocPath, error, has_errors
from orgstate.errors import ConfigError
from orgstate.gcpause import gc_paused
from orgstate.model.config import OrgConfig
from orgstate.model.fields import DIRECTIVES
from orgstate.model.live import LiveMember, TenantState
from orgstate.rules.ids import UNIQUE_MEMBER_FIELDS, duplicates, item_at, list_at, organization_duplicates
from orgstate.seating.static import resolve_static
from orgstate.tenant.rows import department_columns
from orgstate.tenant.tenant import Tenant


@gc_paused
def load_fixture(path: Path) -> TenantState:
    """Read a fixture file; every problem in it is reported at once, located."""
    state, sources, diagnostics = read_model([path], TenantState)
    if state is not None:
        diagnostics = sorted(sources.place(list(check_fixture(state))), key=Diagnostic.sort_key)
    if state is None or has_errors(diagnostics):
        raise ConfigError(f"{path}: not a valid tenant fixture", diagnostics)
    return with_seat_sources(state)


def seat_group(state: TenantState, member: LiveMember) -> str | None:
    """The first seated user group of the member's plan that holds the member."""
    return next((g.id for g in state.user_groups if g.seat == member.seat and member.id in g.members), None)


def with_seat_sources(state: TenantState) -> TenantState:
    """A fixture that leaves a seat's source out has it through a group of that plan
    that holds the member, else assigned to the member."""
    members = tuple(
        m
        if m.seat is None or m.seat_source is not None
        else m.model_copy(update={"seat_source": "group" if seat_group(state, m) else "explicit"})
        for m in state.members
    )
    return state.model_copy(update={"members": members})


def check_fixture(state: TenantState) -> Iterator[Diagnostic]:
    """What a live tenant cannot hold: dangling references, clashes, overfull plans."""
    members = {m.id: i for i, m in enumerate(state.members) if m.status != "deleted"}
    departments = {d.id for d in state.departments}
    plans = {p.id: p for p in state.org.plans}
    fields = {f.id for f in state.fields}

    def unknown(kind: str, value: str | None, known: Container[str], at: DocPath) -> Iterator[Diagnostic]:
        if value is not None and value not in known:
            yield error(RuleId.REF_UNKNOWN, f"unknown {kind} '{value}'", at=at)

    if state.org.name is not None and state.org.name != state.tenant.name:
        message = f"org.name '{state.org.name}' differs from tenant.name '{state.tenant.name}'; give one name"
        yield error(RuleId.CFG_SCHEMA, message, at=("org", "name"))
    if state.tenant.founder is None:
        yield error(RuleId.CFG_SCHEMA, "a tenant fixture names its founder", at=("tenant",))
    yield from unknown("member", state.tenant.founder, members, ("tenant", "founder"))
    for admin in state.tenant.admins:
        yield from unknown("member", admin, members, ("tenant", "admins", admin))
    for i, department in enumerate(state.departments):
        yield from unknown("department", department.parent, departments, ("departments", i, "parent"))
        yield from unknown("member", department.leader, members, ("departments", i, "leader"))
    live = [(i, m) for i, m in enumerate(state.members) if m.status != "deleted"]
    for i, member in enumerate(state.members):
        if (member.status == "deleted") != (member.deleted_at is not None):
            yield error(RuleId.CFG_SCHEMA, "deleted members need deleted_at, and only they have one", at=("members", i))
    for i, member in live:
        own = member.member
        yield from unknown("department", own.department, departments, ("members", i, "department"))
        for j, extra in enumerate(own.departments):
            yield from unknown("department", extra, departments, ("members", i, "departments", j))
        yield from unknown("member", own.job.manager, members, ("members", i, "job", "manager"))
        yield from unknown("plan", member.seat, plans, ("members", i, "seat"))
        for field_id in own.custom:
            yield from unknown("field", field_id, fields, ("members", i, "custom", field_id))
    for i, group in enumerate(state.user_groups):
        yield from unknown("plan", group.seat, plans, ("user_groups", i, "seat"))
        for j, member_id in enumerate(group.members):
            yield from unknown("member", member_id, members, ("user_groups", i, "members", j))
    yield from organization_duplicates(state)
    for admin, roles in state.tenant.admins.items():
        yield from duplicates(list(roles), list_at("tenant", "admins", admin), "admin role")
    positions = [i for i, _ in live]
    yield from duplicates([m.id for _, m in live], item_at("members", "id", positions), "member id")
    for name in UNIQUE_MEMBER_FIELDS:
        values = [getattr(m.member, name) for _, m in live]
        at = item_at("members", name, positions)
        yield from duplicates(values, at, name.replace("_", " "), fold=name.endswith("email"))
    for index, plan in enumerate(state.org.plans):
        held = sum(1 for _, m in live if m.seat == plan.id)
        if held > plan.seats:
            yield error(
                RuleId.SEAT_CAPACITY,
                f"{held} members hold seats of '{plan.id}', which has {plan.seats}",
                at=("org", "plans", index, "seats"),
            )


def state_for(config: OrgConfig, today: dt.date, founder: str | None = None) -> TenantState:
    """The live tenant a configuration describes once applied: every declared member
    active with the seat it resolves to (steps 1 to 3 of SPEC section 3)."""
    seats = resolve_static(config).resolution.seats
    founder = founder or config.members[0].id
    members = [
        {**m.model_dump(mode="json", exclude=set(DIRECTIVES), exclude_defaults=True), "seat": seats[m.id].plan}
        for m in config.members
    ]
    return TenantState.model_validate(
        {
            "tenant": {
                "name": config.org.name,
                "founder": founder,
                "today": today.isoformat(),
                "admins": {founder: ["primary"]},
                "invitations": config.policy.invitations.model_dump(),
                "notify_contact_changes": list(config.policy.notify_contact_changes),
            },
            "org": {"plans": [p.model_dump(mode="json") for p in config.org.plans]},
            "fields": [f.model_dump(mode="json") for f in config.fields],
            "departments": [d.model_dump(mode="json") for d in config.departments],
            "user_groups": [g.model_dump(mode="json") for g in config.user_groups],
            "members": members,
        }
    )


def _parents_first(state: TenantState) -> list[int]:
    order: list[int] = []
    placed: set[str] = set()
    pending = list(range(len(state.departments)))
    while pending:
        ready = [i for i in pending if state.departments[i].parent in (None, *placed)]
        if not ready:  # a cycle: the check above reports unknown parents; let the database refuse it
            ready = pending
        for i in ready:
            order.append(i)
            placed.add(state.departments[i].id)
        pending = [i for i in pending if i not in ready]
    return order


def seed(tenant: Tenant, state: TenantState) -> None:
    """Write a fixture into an empty tenant database, as it stands: no console rule
    fires (nobody is invited, no seat is assigned automatically)."""
    info = state.tenant
    db = tenant.db
    with tenant.write("tenant.init", "tenant", name=info.name):
        if tenant.one("SELECT 1 FROM tenant"):
            raise ConfigError(f"{tenant.path} already holds a tenant")
        db.execute(
            "INSERT INTO tenant (singleton, name, founder, today, require_approval, expire_after_days, "
            "notify_contact_changes) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (
                info.name,
                info.founder,
                info.today.isoformat() if info.today else None,
                int(info.invitations.require_approval),
                info.invitations.expire_after_days,
                json.dumps(list(info.notify_contact_changes)),
            ),
        )
        db.executemany(
            "INSERT INTO admins (member, role) VALUES (?, ?)",
            [(member, role) for member, roles in info.admins.items() for role in roles],
        )
        db.executemany(
            "INSERT INTO plans (id, edition, seats, starts, expires, trial, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (p.id, p.edition, p.seats, p.starts.isoformat(), p.expires.isoformat(), int(p.trial), i)
                for i, p in enumerate(state.org.plans)
            ],
        )
        db.executemany(
            "INSERT INTO fields (id, name, type, options, position) VALUES (?, ?, ?, ?, ?)",
            [
                (f.id, f.name, f.type, json.dumps(list(f.options)) if f.options is not None else None, i)
                for i, f in enumerate(state.fields)
            ],
        )
        for i in _parents_first(state):
            columns = {**department_columns(state.departments[i]), "leader": None, "position": i}
            db.execute(
                f"INSERT INTO departments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
        uids: dict[str, int] = {}
        for member in state.members:
            if member.status == "deleted":  # a deleted member has lost their further departments
                uid = tenant.insert_member(
                    member.member.model_copy(update={"departments": ()}),
                    "deleted",
                    member.deleted_at.isoformat() if member.deleted_at else None,
                )
            else:
                uid = uids[member.id] = tenant.insert_member(member.member, member.status)
            db.executemany(
                "INSERT INTO resources (uid, kind, count) VALUES (?, ?, ?)",
                [(uid, kind, count) for kind, count in member.resources.counts().items()],
            )
        for i, group in enumerate(state.user_groups):
            db.execute(
                "INSERT INTO user_groups (id, name, description, seat, position) VALUES (?, ?, ?, ?, ?)",
                (group.id, group.name, group.description, group.seat, i),
            )
            db.executemany(
                "INSERT INTO group_members (group_id, uid, position) VALUES (?, ?, ?)",
                [(group.id, uids[m], j) for j, m in enumerate(group.members)],
            )
        for member in with_seat_sources(state).members:
            if member.status != "deleted" and member.seat is not None:
                via = seat_group(state, member) if member.seat_source == "group" else None
                db.execute(
                    "INSERT INTO seats (uid, plan, source, via) VALUES (?, ?, ?, ?)",
                    (uids[member.id], member.seat, member.seat_source, via),
                )
        db.executemany(
            "UPDATE departments SET leader = ? WHERE id = ?",
            [(d.leader, d.id) for d in state.departments if d.leader is not None],
        )


def init_tenant(db_path: Path, state: TenantState, replace: bool = False) -> None:
    """Create a tenant database from a fixture, atomically: the file appears whole or not at all."""
    if db_path.exists() and not replace:
        raise ConfigError(f"{db_path} already exists; pass --force to replace it")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".building")
    for leftover in (building, *_sidecars(building)):
        leftover.unlink(missing_ok=True)
    tenant = Tenant(building)
    try:
        seed(tenant, state)
        tenant.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        tenant.close()
    for sidecar in _sidecars(db_path):
        sidecar.unlink(missing_ok=True)
    building.replace(db_path)
    for leftover in _sidecars(building):
        leftover.unlink(missing_ok=True)


def _sidecars(db_path: Path) -> tuple[Path, Path]:
    return db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")

"""One schema for SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

journal = Table(
    "orgstate_journal",
    metadata,
    Column("plan_id", String(80), primary_key=True),
    Column("change_id", String(16), primary_key=True),
    Column("address", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # running | done | failed | skipped
    Column("attempts", Integer, nullable=False, default=0),
    Column("outcome", String(16)),
    Column("error", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)

locks = Table(
    "orgstate_locks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("holder", String(300), nullable=False),
    Column("plan_id", String(80), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="orgstate_locks_name"),
)

audit = Table(
    "orgstate_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("plan_id", String(80)),
    Column("change_id", String(16)),
    Column("address", String(300), nullable=False),
    Column("action", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("message", Text, nullable=False, default=""),
)

"""One schema for SQLite and PostgreSQL (SQLAlchemy Core), and its safe creation.

Any number of processes may open a new state store at once (CI jobs starting
together): `create_schema` checks without locking, and only when something is
missing creates it inside one transaction that holds the database's write lock
(SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-level advisory lock), checking
again under it. Both databases have transactional DDL, so the schema appears whole
or not at all. A state store made by an earlier version gains the lock columns it
lacks the same way.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
)

metadata = MetaData()

journal = Table(
    "orgstate_journal",
    metadata,
    Column("plan_id", String(80), primary_key=True),
    Column("change_id", String(16), primary_key=True),
    Column("address", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # running | done | failed | skipped | interrupted
    Column("attempts", Integer, nullable=False, default=0),
    Column("outcome", String(16)),
    Column("error", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)

# The columns after `since` came later: an older store gains them (nullable) on open.
LOCK_COLUMNS_ADDED = ("username", "hostname", "pid", "host_id", "process", "heartbeat")
locks = Table(
    "orgstate_locks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("holder", String(300), nullable=False),  # "user@host pid N", for people and older versions
    Column("plan_id", String(80), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("username", String(100)),
    Column("hostname", String(255)),
    Column("pid", Integer),
    Column("host_id", String(64)),  # boot id and pid namespace: where `pid` names the same process
    Column("process", String(32)),  # the holder's start time: tells a reused pid apart
    Column("heartbeat", DateTime(timezone=True)),  # refreshed while the holder runs
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

# Serialises schema creation across PostgreSQL sessions (any constant; "orgstate" in hex).
ADVISORY_KEY = 0x6F7267737461746


def create_schema(engine: Engine) -> None:
    """Create whatever of the schema is missing, safely against concurrent creators."""
    with engine.connect() as db:
        if not _missing(db):
            return
    with engine.connect() as db:
        db = db.execution_options(orgstate_begin="BEGIN IMMEDIATE")
        with db.begin():
            if db.dialect.name == "postgresql":
                db.execute(select(func.pg_advisory_xact_lock(ADVISORY_KEY)))
            metadata.create_all(db, checkfirst=True)
            for column in _missing_lock_columns(db):
                kind = column.type.compile(dialect=db.dialect)
                db.execute(text(f'ALTER TABLE {locks.name} ADD COLUMN "{column.name}" {kind}'))


def _missing(db: Connection) -> bool:
    tables = set(inspect(db).get_table_names())
    return not set(metadata.tables) <= tables or bool(_missing_lock_columns(db))


def _missing_lock_columns(db: Connection) -> list[Column[object]]:
    present = {column["name"] for column in inspect(db).get_columns(locks.name)}
    return [locks.c[name] for name in LOCK_COLUMNS_ADDED if name not in present]

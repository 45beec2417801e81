"""The state store: journal, lock and audit log over SQLAlchemy Core.

URLs (`--state`, env ORGSTATE_STATE): `sqlite:PATH` or `postgresql://...`. The lock
is a row with a unique name; a holder that died on this host (its pid is gone) is
taken over, one elsewhere needs `orgstate unlock ID`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from orgstate.errors import OrgstateError, UsageError
from orgstate.statestore.schema import audit, journal, locks, metadata

DEFAULT_STATE = "sqlite:.orgstate/state.db"
LOCK_NAME = "apply"


class LockHeld(OrgstateError):
    def __init__(self, lock: Lock) -> None:
        super().__init__(
            f"another apply holds the lock: {lock.holder}, plan {lock.plan_id}, since "
            f"{lock.since:%Y-%m-%d %H:%M:%S} UTC (lock {lock.id}; if that run is dead: orgstate unlock {lock.id})"
        )
        self.lock = lock


@dataclass(frozen=True)
class Lock:
    id: str
    holder: str
    plan_id: str
    since: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    plan_id: str | None
    change_id: str | None
    address: str
    action: str
    outcome: str
    message: str


def this_holder() -> str:
    """Who runs this apply: user@host pid N (a dead pid on this host frees the lock)."""
    return f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()}"


def _is_dead_here(holder: str) -> bool:
    """True when the holder ran on this host and its process no longer exists."""
    where, _, pid = holder.rpartition(" pid ")
    if not pid.isdigit() or where.rpartition("@")[2] != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def engine_for(url: str) -> Engine:
    scheme, _, rest = url.partition(":")
    if scheme == "sqlite" and rest:
        path = Path(rest)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode = WAL")

        return engine
    if scheme in ("postgresql", "postgres") and rest:
        return create_engine("postgresql+psycopg:" + rest, pool_pre_ping=True)
    raise UsageError(f"state '{url}': expected sqlite:PATH or postgresql://...")


class StateStore:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        try:
            metadata.create_all(engine, checkfirst=True)
        except OperationalError as exc:
            raise OrgstateError(f"state store {url} is unreachable: {exc.orig}") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- the lock ---------------------------------------------------------------------

    def acquire(self, plan_id: str, holder: str | None = None) -> Lock:
        """Take the apply lock, or raise LockHeld naming whoever has it."""
        lock = Lock(secrets.token_hex(6), holder or this_holder(), plan_id, _now())
        for _ in range(2):
            try:
                with self.engine.begin() as db:
                    db.execute(
                        insert(locks).values(
                            id=lock.id, name=LOCK_NAME, holder=lock.holder, plan_id=plan_id, since=lock.since
                        )
                    )
                return lock
            except IntegrityError:
                current = self.current_lock()
                if current is None:
                    continue  # released in between
                if not _is_dead_here(current.holder):
                    raise LockHeld(current) from None
                self.break_lock(current.id)
                self.record(
                    lock.holder,
                    "lock",
                    "break",
                    "done",
                    f"took over the lock of {current.holder} (process gone)",
                    plan_id=plan_id,
                )
        raise LockHeld(self.current_lock() or lock)

    def current_lock(self) -> Lock | None:
        with self.engine.connect() as db:
            row = db.execute(select(locks).where(locks.c.name == LOCK_NAME)).first()
        if row is None:
            return None
        since = row.since if row.since.tzinfo else row.since.replace(tzinfo=dt.UTC)
        return Lock(row.id, row.holder, row.plan_id, since)

    def release(self, lock: Lock) -> None:
        with self.engine.begin() as db:
            db.execute(delete(locks).where(locks.c.id == lock.id))

    def break_lock(self, lock_id: str) -> bool:
        with self.engine.begin() as db:
            return db.execute(delete(locks).where(locks.c.id == lock_id)).rowcount > 0

    # -- the journal ------------------------------------------------------------------

    def statuses(self, plan_id: str) -> dict[str, str]:
        """change id -> status, for what a plan's earlier runs did."""
        with self.engine.connect() as db:
            rows = db.execute(select(journal.c.change_id, journal.c.status).where(journal.c.plan_id == plan_id))
            return {row.change_id: row.status for row in rows}

    def started(self, plan_id: str, change_id: str, address: str) -> None:
        with self.engine.begin() as db:
            changed = db.execute(
                update(journal)
                .where(journal.c.plan_id == plan_id, journal.c.change_id == change_id)
                .values(status="running", attempts=journal.c.attempts + 1, started_at=_now(), error=None)
            ).rowcount
            if not changed:
                db.execute(
                    insert(journal).values(
                        plan_id=plan_id,
                        change_id=change_id,
                        address=address,
                        status="running",
                        attempts=1,
                        started_at=_now(),
                    )
                )

    def finished(
        self, plan_id: str, change_id: str, status: str, outcome: str | None = None, error: str | None = None
    ) -> None:
        with self.engine.begin() as db:
            changed = db.execute(
                update(journal)
                .where(journal.c.plan_id == plan_id, journal.c.change_id == change_id)
                .values(status=status, outcome=outcome, error=error, finished_at=_now())
            ).rowcount
            if not changed:
                db.execute(
                    insert(journal).values(
                        plan_id=plan_id,
                        change_id=change_id,
                        address="",
                        status=status,
                        attempts=0,
                        outcome=outcome,
                        error=error,
                        finished_at=_now(),
                    )
                )

    def journal_rows(self, plan_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(select(journal).where(journal.c.plan_id == plan_id).order_by(journal.c.change_id))
            return [dict(row._mapping) for row in rows]

    # -- the audit log ------------------------------------------------------------------

    def record(
        self,
        actor: str,
        address: str,
        action: str,
        outcome: str,
        message: str = "",
        plan_id: str | None = None,
        change_id: str | None = None,
    ) -> None:
        with self.engine.begin() as db:
            db.execute(
                insert(audit).values(
                    at=_now(),
                    actor=actor,
                    plan_id=plan_id,
                    change_id=change_id,
                    address=address,
                    action=action,
                    outcome=outcome,
                    message=message,
                )
            )

    def entries(self, limit: int = 50) -> list[AuditEntry]:
        """The latest audit entries, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(audit).order_by(audit.c.seq.desc()).limit(limit)).all()
        return [
            AuditEntry(
                r.seq,
                r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC),
                r.actor,
                r.plan_id,
                r.change_id,
                r.address,
                r.action,
                r.outcome,
                r.message,
            )
            for r in reversed(rows)
        ]


def open_store(url: str | None = None) -> StateStore:
    url = url or os.environ.get("ORGSTATE_STATE") or DEFAULT_STATE
    return StateStore(engine_for(url), url)

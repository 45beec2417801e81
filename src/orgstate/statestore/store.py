"""The state store: journal, lock and audit log over SQLAlchemy Core.

URLs (`--state`; the CLI reads its environment variable, config.settings.STATE_ENV):
`sqlite:PATH` or `postgresql://...`.

The lock is a row with a unique name. Its holder is recorded as user, host, pid, and
(from /proc, see holder.py) where that pid is meaningful and when that process
started; while it runs, the holder refreshes the row's heartbeat every
HEARTBEAT_INTERVAL and before every change, checking by the lock's id that the lock is
still its own. Another run takes a held lock over only when its holder is provably
dead: on the same host (same kernel boot and pid namespace) its process is gone or
its pid is now another process; on another host, its heartbeat is older than
LOCK_EXPIRY. A holder on this host whose process runs is never taken over, nor one
without a heartbeat (an older orgstate): `orgstate unlock ID --force` breaks those.
Heartbeats on PostgreSQL are stamped and judged by the database's clock, so that the
runners' clocks need not agree.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Row, create_engine, delete, event, func, insert, inspect, select, update
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from orgstate.errors import LockHeld, LockLost, OrgstateError, UsageError
from orgstate.statestore.holder import Holder
from orgstate.statestore.schema import audit, create_schema, journal, locks

DEFAULT_STATE = "sqlite:.orgstate/state.db"
LOCK_NAME = "apply"
EARLIER_RUN_INTERRUPTED = "a run ended while this was under way, without recording how (killed?)"
HEARTBEAT_INTERVAL = dt.timedelta(seconds=15)
LOCK_EXPIRY = dt.timedelta(minutes=5)  # a holder elsewhere silent this long is taken for dead
SQLITE_TIMEOUT = 30  # seconds a statement waits for another connection's write lock
LOCK_POLL = 0.5  # seconds between attempts while waiting for a busy lock (--lock-timeout)


@dataclass(frozen=True)
class Lock:
    id: str
    holder: Holder
    plan_id: str
    since: dt.datetime
    heartbeat: dt.datetime | None = None  # None: taken by an orgstate that kept none


@dataclass(frozen=True)
class HolderStatus:
    """Whether a lock's holder lives, as far as can be proved, and how that is known."""

    alive: bool
    why: str


def describe_lock(lock: Lock) -> str:
    """The holder, plan, since and last heartbeat of a lock, for people."""
    holder = lock.holder
    beat = f"{lock.heartbeat:%Y-%m-%d %H:%M:%S} UTC" if lock.heartbeat else "none"
    return (
        f"{holder} (user {holder.user}, host {holder.host}, pid {holder.pid}), plan {lock.plan_id}, "
        f"since {lock.since:%Y-%m-%d %H:%M:%S} UTC, last heartbeat {beat}"
    )


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
    """Who runs this command, for the audit log: user@host pid N."""
    return str(Holder.here())


def lock_held(lock: Lock, status: HolderStatus, waited: float = 0) -> LockHeld:
    waiting = f"gave up after waiting {format_duration(dt.timedelta(seconds=waited))}; " if waited else ""
    return LockHeld(
        f"another apply holds the lock: {describe_lock(lock)}; {status.why} "
        f"(lock {lock.id}; {waiting}if that run is dead: orgstate unlock {lock.id})",
        lock,
        status,
    )


def format_duration(duration: dt.timedelta) -> str:
    seconds = max(0, round(duration.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {seconds}s" if minutes else f"{seconds}s"


@dataclass(frozen=True)
class Audited:
    """The audit entry of a finished change (Store.finished)."""

    actor: str
    address: str
    action: str
    outcome: str
    message: str
    plan_id: str


def _audit(
    db: Connection,
    actor: str,
    address: str,
    action: str,
    outcome: str,
    message: str,
    plan_id: str | None,
    change_id: str | None,
) -> None:
    """One audit log row, inside the caller's transaction."""
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def engine_for(url: str, *, create: bool = True) -> Engine:
    """The engine for a state URL; with `create` False, a SQLite file must exist already
    (it and its directory are never made: read-only commands create nothing)."""
    scheme, _, rest = url.partition(":")
    if scheme == "sqlite" and rest:
        path = Path(rest)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": SQLITE_TIMEOUT})
        else:
            # mode=rw: a file removed since it was found is an error, never a new empty file.
            address = f"file:{quote(str(path.absolute()))}?mode=rw"
            engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(address, uri=True, timeout=SQLITE_TIMEOUT, check_same_thread=False),
            )

        @event.listens_for(engine, "connect")
        def _connect(connection: sqlite3.Connection, _record: Any) -> None:
            # SQLAlchemy emits BEGIN itself (below), so that DDL too runs in transactions.
            connection.isolation_level = None
            _use_wal(connection)

        @event.listens_for(engine, "begin")
        def _begin(db: Connection) -> None:
            db.exec_driver_sql(db.get_execution_options().get("orgstate_begin", "BEGIN"))

        @event.listens_for(engine, "handle_error")
        def _busy(context: ExceptionContext) -> None:
            if isinstance(context.original_exception, sqlite3.OperationalError) and "locked" in str(
                context.original_exception
            ):
                raise OrgstateError(
                    f"the state store {path} is busy: another process has held it for {SQLITE_TIMEOUT} s "
                    "(a stopped orgstate?); let it finish, or stop it, and try again"
                ) from None

        return engine
    if scheme in ("postgresql", "postgres") and rest:
        return create_engine("postgresql+psycopg:" + rest, pool_pre_ping=True)
    raise UsageError(f"state '{url}': expected sqlite:PATH or postgresql://...")


def _use_wal(connection: sqlite3.Connection) -> None:
    """Switch a database file to WAL. The switch needs the file to itself and SQLite does
    not wait for that: processes opening a new file at once retry for a while."""
    deadline = time.monotonic() + SQLITE_TIMEOUT
    while connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _parse_legacy(holder: str) -> tuple[str, str, int]:
    """user, host and pid from an older orgstate's "user@host pid N"."""
    where, _, pid = holder.rpartition(" pid ")
    user, _, host = where.rpartition("@")
    return user, host, int(pid) if pid.isdigit() else 0


def _lock_from(row: Row[Any]) -> Lock:
    if row.pid is None:
        user, host, pid = _parse_legacy(row.holder)
    else:
        user, host, pid = row.username or "", row.hostname or "", row.pid
    return Lock(
        row.id,
        Holder(user, host, pid, row.host_id, row.process),
        row.plan_id,
        _utc(row.since),
        None if row.heartbeat is None else _utc(row.heartbeat),
    )


class StateStore:
    def __init__(
        self,
        engine: Engine,
        url: str,
        *,
        lock_expiry: dt.timedelta = LOCK_EXPIRY,
        heartbeat_interval: dt.timedelta = HEARTBEAT_INTERVAL,
    ) -> None:
        self.engine = engine
        self.url = url
        self.lock_expiry = lock_expiry
        self.heartbeat_interval = heartbeat_interval
        try:
            create_schema(engine)
        except OperationalError as exc:
            raise OrgstateError(f"state store {url} is unreachable: {exc.orig}") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- time: the database's clock on PostgreSQL (runners' clocks may disagree) --------

    @property
    def _server_clock(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def clock(self) -> dt.datetime:
        """Now, by the clock that stamps heartbeats."""
        if not self._server_clock:
            return _now()
        with self.engine.connect() as db:
            return _utc(db.execute(select(func.now())).scalar_one())

    def _stamp(self) -> ColumnElement[Any] | dt.datetime:
        return func.now() if self._server_clock else _now()

    # -- the lock ---------------------------------------------------------------------

    def acquire(self, plan_id: str, holder: Holder | None = None, timeout: float = 0) -> Lock:
        """Take the apply lock, waiting up to `timeout` seconds while another run holds it;
        then raise LockHeld naming whoever has it."""
        holder = holder or Holder.here()
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._try_acquire(plan_id, holder)
            except LockHeld as held:
                if timeout <= 0:
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise lock_held(held.lock, held.status, waited=timeout) from None
                time.sleep(min(LOCK_POLL, left))

    def _try_acquire(self, plan_id: str, holder: Holder) -> Lock:
        for _ in range(3):
            now = self.clock()
            lock = Lock(secrets.token_hex(8), holder, plan_id, now, now)
            try:
                with self.engine.begin() as db:
                    db.execute(insert(locks).values(name=LOCK_NAME, **self._row(lock)))
                return lock
            except IntegrityError:
                pass
            current = self.current_lock()
            if current is None:
                continue  # released in between
            status = self.status(current)
            if status.alive:
                raise lock_held(current, status)
            if self._take_over(current, lock):
                self.record(
                    str(holder),
                    "lock",
                    "break",
                    "done",
                    f"took over lock {current.id} of {current.holder}: {status.why}",
                    plan_id=plan_id,
                )
                return lock
            # Someone else took it over, or its holder came back: look again.
        current = self.current_lock()
        if current is None:
            raise OrgstateError("could not take the apply lock: it changed hands too often; try again")
        raise lock_held(current, self.status(current))

    @staticmethod
    def _row(lock: Lock) -> dict[str, Any]:
        holder = lock.holder
        return {
            "id": lock.id,
            "holder": str(holder),
            "plan_id": lock.plan_id,
            "since": lock.since,
            "username": holder.user,
            "hostname": holder.host,
            "pid": holder.pid,
            "host_id": holder.host_id,
            "process": holder.process,
            "heartbeat": lock.heartbeat,
        }

    @staticmethod
    def _unchanged(lock: Lock) -> ColumnElement[bool]:
        """The lock row as it was read: same id, no heartbeat since."""
        same_beat = locks.c.heartbeat.is_(None) if lock.heartbeat is None else locks.c.heartbeat == lock.heartbeat
        return (locks.c.id == lock.id) & same_beat

    def _take_over(self, dead: Lock, lock: Lock) -> bool:
        """Replace a dead holder's lock by ours, unless it changed since it was judged."""
        with self.engine.begin() as db:
            return db.execute(update(locks).where(self._unchanged(dead)).values(**self._row(lock))).rowcount > 0

    def current_lock(self) -> Lock | None:
        with self.engine.connect() as db:
            row = db.execute(select(locks).where(locks.c.name == LOCK_NAME)).first()
        return None if row is None else _lock_from(row)

    def status(self, lock: Lock) -> HolderStatus:
        """Whether the holder of `lock` lives: its process when it ran on this host, else
        its heartbeat. Dead only when provably so."""
        holder = lock.holder
        if holder.is_here:
            if holder.is_running():
                return HolderStatus(True, f"its process {holder.pid} is running on this host")
            return HolderStatus(False, f"its process {holder.pid} on this host is gone")
        if lock.heartbeat is None:
            return HolderStatus(
                True, "it was taken by an older orgstate that keeps no heartbeat, so it cannot be told dead"
            )
        age = self.clock() - lock.heartbeat
        if age > self.lock_expiry:
            return HolderStatus(
                False,
                f"no heartbeat for {format_duration(age)} (a lock expires after "
                f"{format_duration(self.lock_expiry)} without one)",
            )
        return HolderStatus(True, f"it is alive: last heartbeat {format_duration(age)} ago")

    def refresh(self, lock: Lock) -> bool:
        """Renew the heartbeat of our lock; False when it is no longer ours."""
        with self.engine.begin() as db:
            return db.execute(update(locks).where(locks.c.id == lock.id).values(heartbeat=self._stamp())).rowcount > 0

    def check(self, lock: Lock) -> None:
        """Renew the heartbeat, or raise LockLost."""
        if not self.refresh(lock):
            raise LockLost(lock, self.current_lock())

    @contextmanager
    def keep_alive(self, lock: Lock) -> Iterator[None]:
        """Renew the lock's heartbeat every heartbeat_interval while the block runs, also
        while a long change or check is under way."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat_interval.total_seconds()):
                try:
                    if not self.refresh(lock):
                        return  # lost: the next change's check stops the run
                except SQLAlchemyError:
                    continue  # the store is briefly unreachable; the next change's check tells

        thread = threading.Thread(target=beat, name=f"orgstate-lock-{lock.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=self.heartbeat_interval.total_seconds())

    def release(self, lock: Lock) -> None:
        with self.engine.begin() as db:
            db.execute(delete(locks).where(locks.c.id == lock.id))

    def break_lock(self, lock_id: str, expected: Lock | None = None) -> bool:
        """Remove lock `lock_id`; with `expected`, only while it is as it was read then
        (no heartbeat since)."""
        where = self._unchanged(expected) if expected is not None else locks.c.id == lock_id
        with self.engine.begin() as db:
            return db.execute(delete(locks).where(where, locks.c.id == lock_id)).rowcount > 0

    # -- the journal ------------------------------------------------------------------

    def statuses(self, plan_id: str) -> dict[str, str]:
        """change id -> status, for what a plan's earlier runs did."""
        with self.engine.connect() as db:
            rows = db.execute(select(journal.c.change_id, journal.c.status).where(journal.c.plan_id == plan_id))
            return {row.change_id: row.status for row in rows}

    def started(self, plan_id: str, change_id: str, address: str) -> None:
        with self.engine.begin() as db:
            self._start(db, plan_id, change_id, address)

    def start_changes(self, plan_id: str, lock: Lock, changes: Sequence[tuple[str, str]]) -> None:
        """Journal changes (id, address) as running, in one transaction with renewing our
        lock's heartbeat; when the lock is no longer ours, journal nothing and raise
        LockLost."""
        with self.engine.begin() as db:
            held = db.execute(update(locks).where(locks.c.id == lock.id).values(heartbeat=self._stamp())).rowcount
            if held:
                for change_id, address in changes:
                    self._start(db, plan_id, change_id, address)
        if not held:
            raise LockLost(lock, self.current_lock())

    @staticmethod
    def _start(db: Connection, plan_id: str, change_id: str, address: str) -> None:
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
        self,
        plan_id: str,
        change_id: str,
        status: str,
        outcome: str | None = None,
        error: str | None = None,
        audited: Audited | None = None,
    ) -> None:
        """Journal a change as finished and, with `audited`, write its audit entry in the
        same transaction: an apply killed in between would leave a done change unaudited."""
        with self.engine.begin() as db:
            if audited is not None:
                _audit(
                    db,
                    audited.actor,
                    audited.address,
                    audited.action,
                    audited.outcome,
                    audited.message,
                    audited.plan_id,
                    change_id,
                )
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

    def interrupt(
        self,
        plan_id: str,
        lock: Lock,
        in_flight: Sequence[tuple[str, str, str]],
        reason: str,
        *,
        actor: str,
        audit_plan_id: str,
    ) -> tuple[list[str], str | None]:
        """A run stopped early: journal its changes under way, `in_flight` (id, address,
        action), as "interrupted" with the reason and audit them; whether they took
        effect is unknown, and the next run verifies them. While the run holds its lock,
        rows an earlier run left "running" (it was killed) are marked too; without the
        lock they may be another run's, and are left alone. Returns the in-flight ids
        marked and, when the store could not be written, why (the rows stay "running",
        which the next run treats alike)."""
        running = (journal.c.plan_id == plan_id) & (journal.c.status == "running")
        ours = running & journal.c.change_id.in_([change_id for change_id, _, _ in in_flight])
        try:
            with self.engine.connect() as db:
                db = db.execution_options(orgstate_begin="BEGIN IMMEDIATE")
                with db.begin():
                    ids = set(db.execute(select(journal.c.change_id).where(ours)).scalars())
                    db.execute(
                        update(journal).where(ours).values(status="interrupted", error=reason, finished_at=_now())
                    )
                    if db.execute(select(locks.c.id).where(locks.c.id == lock.id)).first() is not None:
                        db.execute(
                            update(journal)
                            .where(running)
                            .values(status="interrupted", error=EARLIER_RUN_INTERRUPTED, finished_at=_now())
                        )
                    for change_id, address, action in in_flight:
                        if change_id in ids:
                            _audit(db, actor, address, action, "interrupted", reason, audit_plan_id, change_id)
        except SQLAlchemyError as exc:
            return [], str(getattr(exc, "orig", None) or exc)
        return sorted(ids), None

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
            _audit(db, actor, address, action, outcome, message, plan_id, change_id)

    def entries(
        self,
        limit: int = 50,
        *,
        since: dt.datetime | None = None,
        plan_id: str | None = None,
        addresses: Collection[str] = (),
    ) -> list[AuditEntry]:
        """The latest `limit` audit entries that match every filter given, oldest first:
        at or after `since`, of the plan `plan_id`, about one of `addresses`."""
        query = select(audit)
        if since is not None:
            query = query.where(audit.c.at >= _utc(since))
        if plan_id is not None:
            query = query.where(audit.c.plan_id == plan_id)
        if addresses:
            query = query.where(audit.c.address.in_(sorted(addresses)))
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(audit.c.seq.desc()).limit(limit)).all()
        return [
            AuditEntry(
                r.seq,
                _utc(r.at),
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
    """The store at `url` as the caller resolved it (option, environment, orgstate.toml);
    none: DEFAULT_STATE."""
    url = url or DEFAULT_STATE
    return StateStore(engine_for(url), url)


def open_existing_store(url: str | None = None) -> StateStore | None:
    """The store at `url` (none: DEFAULT_STATE) for a command that only reads it, or None
    when there is none yet: no SQLite file, or no orgstate tables in the database.
    Nothing is created, neither a file nor a directory nor a table."""
    url = url or DEFAULT_STATE
    scheme, _, rest = url.partition(":")
    if scheme == "sqlite" and rest and not Path(rest).is_file():
        return None
    engine = engine_for(url, create=False)
    try:
        with engine.connect() as db:
            exists = audit.name in inspect(db).get_table_names()
    except OperationalError as exc:
        engine.dispose()
        raise OrgstateError(f"state store {url} is unreachable: {exc.orig}") from None
    if not exists:
        engine.dispose()
        return None
    return StateStore(engine, url)  # an older store gains its missing lock columns, as on any open

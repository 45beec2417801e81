"""The tenant's foundation: the SQLite connection, transactions, the clock, the
acting admin and the audit log. The operation families build on it.

Every public operation runs in one `BEGIN IMMEDIATE` transaction, so concurrent
writers (two processes on one file) serialise instead of interleaving, and it
either happens whole, with its audit entry, or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from orgstate.catalogue import RuleId
from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.editions import DOWNGRADED_MEMBER_LIMIT, best_edition
from orgstate.model.config import Subscription
from orgstate.model.types import Edition
from orgstate.tenant.clock import Clock, FixedClock, SystemClock
from orgstate.tenant.rows import plan_from_row
from orgstate.tenant.schema import DDL, SCHEMA_VERSION

Permission = Literal["members", "seats", "restore"]
BUSY_TIMEOUT_MS = 30_000


def connect(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


class TenantCore:
    def __init__(self, path: str | Path, clock: Clock | None = None, actor: str | None = None) -> None:
        self.path = Path(path)
        self.db = connect(self.path)
        self._clock = clock
        self._actor = actor
        self._depth = 0
        with self._transaction():
            # executescript() would commit on its own; run the statements inside the transaction.
            for statement in DDL.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> TenantCore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- time ---------------------------------------------------------------------

    def now(self) -> dt.datetime:
        if self._clock is not None:
            return self._clock.now()
        row = self.one("SELECT today FROM tenant")
        if row is not None and row["today"] is not None:
            return FixedClock(dt.date.fromisoformat(row["today"])).now()
        return SystemClock().now()

    def today(self) -> dt.date:
        return self.now().date()

    # -- transactions and queries -------------------------------------------------

    @contextmanager
    def _transaction(self, mode: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        try:
            self.db.execute(f"BEGIN {mode}")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            raise TenantError(
                ErrorKind.RETRY,
                f"the tenant database {self.path} is busy: another process has held it for "
                f"{BUSY_TIMEOUT_MS // 1000} s (a stopped orgstate?); let it finish, or stop it, and try again",
            ) from None
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._depth = 0

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """Several operations that commit together or not at all (each keeps its audit entry)."""
        with self._transaction() as db:
            yield db

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent view across several queries (WAL readers never block writers)."""
        with self._transaction("DEFERRED") as db:
            yield db

    @contextmanager
    def write(self, operation: str, target: str, **detail: Any) -> Iterator[sqlite3.Connection]:
        """One operation: a transaction that ends with its audit entry."""
        with self._transaction() as db:
            yield db
            db.execute(
                "INSERT INTO audit (at, actor, operation, target, detail) VALUES (?, ?, ?, ?, ?)",
                (
                    self.now().isoformat(),
                    self.actor,
                    operation,
                    target,
                    json.dumps(detail, sort_keys=True, default=str),
                ),
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self.db.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- who is acting ------------------------------------------------------------

    def tenant_row(self) -> sqlite3.Row:
        row = self.one("SELECT * FROM tenant")
        if row is None:
            raise TenantError(ErrorKind.NOT_FOUND, f"{self.path} holds no tenant; run 'orgstate local init' first")
        return row

    @property
    def founder(self) -> str:
        return str(self.tenant_row()["founder"])

    @property
    def actor(self) -> str:
        """The admin the operations act as: the one given, else the founder."""
        return self._actor or self.founder

    @property
    def primary_admin(self) -> str:
        """The organization administrator: the primary admin, else the founder."""
        return self.scalar("SELECT member FROM admins WHERE role = 'primary' ORDER BY member LIMIT 1") or self.founder

    def roles_of(self, member_id: str) -> set[str]:
        return {row["role"] for row in self.query("SELECT role FROM admins WHERE member = ?", (member_id,))}

    def is_admin(self, member_id: str) -> bool:
        return member_id == self.founder or bool(self.roles_of(member_id))

    def require(self, permission: Permission) -> None:
        """Refuse unless the acting admin holds the rights the console asks for."""
        roles = self.roles_of(self.actor) | ({"primary"} if self.actor == self.founder else set())
        if "primary" in roles:
            return
        if permission == "members" and "member_and_department" in roles:
            return
        if permission == "seats" and {"billing", "member_and_department"} <= roles:
            return
        needs = {
            "members": "the Member and Department permission",
            "seats": "both the Billing and the Member and Department permissions",
            "restore": "the primary administrator",
        }[permission]
        code = LarkCode.SEAT_PERMISSION if permission == "seats" else None
        raise TenantError(
            ErrorKind.PERMISSION, f"'{self.actor}' cannot do this: it needs {needs}", code, rule=RuleId.PERMISSION
        )

    # -- plans and editions -------------------------------------------------------

    def plans(self) -> list[Subscription]:
        return [plan_from_row(row) for row in self.query("SELECT * FROM plans ORDER BY position")]

    def plan(self, plan_id: str) -> Subscription:
        row = self.one("SELECT * FROM plans WHERE id = ?", (plan_id,))
        if row is None:
            raise TenantError(ErrorKind.NOT_FOUND, f"no plan '{plan_id}'", LarkCode.UNKNOWN_SEAT)
        return plan_from_row(row)

    def is_in_use(self, plan: Subscription) -> bool:
        return plan.is_paid and plan.starts <= self.today() < plan.expires

    def plans_in_use(self) -> list[Subscription]:
        return [plan for plan in self.plans() if self.is_in_use(plan)]

    def edition(self) -> Edition:
        """The tenant's edition: the best paid plan in use, else Starter."""
        return best_edition(plan.edition for plan in self.plans_in_use())

    def is_downgraded(self) -> bool:
        """Every paid plan bought has expired: the tenant is back on Starter."""
        paid = [plan for plan in self.plans() if plan.is_paid]
        return bool(paid) and all(plan.expires <= self.today() for plan in paid)

    def member_count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM members WHERE status != 'deleted'"))

    def require_member_edits(self) -> None:
        """Scenario 3 of the seats page: after every paid plan expires, a tenant of more than
        20 members can still log in, but admins cannot edit members."""
        if self.is_downgraded() and self.member_count() > DOWNGRADED_MEMBER_LIMIT:
            raise TenantError(
                ErrorKind.RULE,
                f"every paid plan has expired and the organization has more than {DOWNGRADED_MEMBER_LIMIT} members: "
                "member information cannot be edited (DOWNGRADE-EDIT-LOCK)",
            )

    # -- members ------------------------------------------------------------------

    def uid_of(self, member_id: str) -> int:
        """The member (not deleted) with this User ID."""
        uid = self.scalar("SELECT uid FROM members WHERE id = ? AND status != 'deleted'", (member_id,))
        if uid is None:
            raise TenantError(ErrorKind.NOT_FOUND, f"no member '{member_id}'")
        return int(uid)

    def member_row(self, uid: int) -> sqlite3.Row:
        row = self.one("SELECT * FROM members WHERE uid = ?", (uid,))
        assert row is not None, f"member uid {uid} vanished inside a transaction"
        return row

    # -- idempotency keys -----------------------------------------------------------

    def replayed(self, token: str | None, operation: str, request: dict[str, Any]) -> str | None:
        """The target a create with this client token already made, or None if it is new.
        The same token with a different request is refused, as the Open API does (40021)."""
        if token is None:
            return None
        row = self.one("SELECT operation, digest, target FROM client_tokens WHERE token = ?", (token,))
        if row is None:
            return None
        if row["operation"] != operation or row["digest"] != _digest(request):
            raise TenantError(
                ErrorKind.CONFLICT,
                f"client token '{token}' was used for another request",
                LarkCode.IDEMPOTENCY_MISMATCH,
            )
        return str(row["target"])

    def remember(self, token: str | None, operation: str, request: dict[str, Any], target: str) -> None:
        if token is not None:
            self.db.execute(
                "INSERT INTO client_tokens (token, operation, digest, target) VALUES (?, ?, ?, ?)",
                (token, operation, _digest(request), target),
            )


def _digest(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()

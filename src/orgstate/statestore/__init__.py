"""Where orgstate keeps what it did: the apply journal, the lock and the audit log,
in SQLite (default, `.orgstate/state.db`) or PostgreSQL (CI runners that share nothing)."""

from orgstate.errors import LockHeld, LockLost
from orgstate.statestore.holder import Holder
from orgstate.statestore.store import Audited, AuditEntry, HolderStatus, Lock, StateStore, open_store

__all__ = [
    "AuditEntry",
    "Audited",
    "Holder",
    "HolderStatus",
    "Lock",
    "LockHeld",
    "LockLost",
    "StateStore",
    "open_store",
]

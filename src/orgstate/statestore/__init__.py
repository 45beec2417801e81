"""Where orgstate keeps what it did: the apply journal, the lock and the audit log,
in SQLite (default, `.orgstate/state.db`) or PostgreSQL (CI runners that share nothing)."""

from orgstate.statestore.store import AuditEntry, Lock, StateStore, open_store

__all__ = ["AuditEntry", "Lock", "StateStore", "open_store"]

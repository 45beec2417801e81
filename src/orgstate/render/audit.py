"""The audit log as text, one line per entry (`orgstate log`).

Entries quote addresses and the backend's messages, which quote live names: every
value is written through `for_terminal` (render/escape.py)."""

from __future__ import annotations

from collections.abc import Iterable

from orgstate.render.escape import for_terminal
from orgstate.statestore.store import AuditEntry

EMPTY = "The audit log is empty."


def audit_line(entry: AuditEntry) -> str:
    """`2026-11-21 22:00:01 ann@ci pid 7 plan-x c3 member.bob update: done (message)`."""
    who = (entry.actor, entry.plan_id, entry.change_id, entry.address, f"{entry.action}: {entry.outcome}")
    line = f"{entry.at:%Y-%m-%d %H:%M:%S} " + " ".join(for_terminal(part) for part in who if part)
    return line + (f" ({for_terminal(entry.message)})" if entry.message else "")


def render_audit_log(entries: Iterable[AuditEntry]) -> str:
    lines = [audit_line(entry) for entry in entries]
    return "\n".join(lines) if lines else EMPTY

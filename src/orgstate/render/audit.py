"""The audit log as text, one line per entry, or as JSON (`orgstate log`).

Entries quote addresses and the backend's messages, which quote live names: every
value is written through `for_terminal` or `json_text` (render/escape.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from orgstate.render.escape import for_terminal, json_text
from orgstate.statestore.store import AuditEntry

EMPTY = "The audit log is empty."
NO_MATCH = "No audit entries match."
NO_JOURNAL = "There is no apply journal yet: nothing has been applied or recorded here ({where} does not exist)."
FORMATS = ("text", "json")  # `orgstate log --format`, the first the default


def audit_line(entry: AuditEntry) -> str:
    """`2026-11-21 22:00:01 ann@ci pid 7 plan-x c3 member.bob update: done (message)`."""
    who = (entry.actor, entry.plan_id, entry.change_id, entry.address, f"{entry.action}: {entry.outcome}")
    line = f"{entry.at:%Y-%m-%d %H:%M:%S} " + " ".join(for_terminal(part) for part in who if part)
    return line + (f" ({for_terminal(entry.message)})" if entry.message else "")


def render_audit_log(entries: Sequence[AuditEntry], filtered: bool = False) -> str:
    """One line per entry; when there are none, whether the log is empty or only the
    filters left nothing."""
    if not entries:
        return NO_MATCH if filtered else EMPTY
    return "\n".join(audit_line(entry) for entry in entries)


def audit_entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry under its field names (docs/commands.md lists them), `at` in ISO 8601 UTC."""
    return {**dataclasses.asdict(entry), "at": entry.at.isoformat()}


def render_audit_json(entries: Sequence[AuditEntry]) -> str:
    return json_text([audit_entry_json(entry) for entry in entries])


def render_audit(entries: Sequence[AuditEntry], output_format: str, filtered: bool = False) -> str:
    """The entries in one of FORMATS."""
    return render_audit_json(entries) if output_format == "json" else render_audit_log(entries, filtered)
